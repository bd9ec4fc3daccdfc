// RetentionService and RetentionRunner (atelier/app/retention.h): policies, the dry run, sweeps in
// batches and the blob collector.
#include "atelier/app/retention.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>

#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int kMaxAgeDays = 36500;  // a hundred years: "keep" without a rule is the way to say it
constexpr int kMaxKeepLast = 1000000;
constexpr int kExamples = 20;
// A sweep gives up on a workspace whose kept trees outnumber this: they would be read again by
// every batch (candidates come oldest first, the kept ones among them).
constexpr size_t kMaxKeptPerSweep = 2000;

Json FootprintJson(const RetentionFootprint& f) {
  return {{"executions", f.executions}, {"steps", f.steps}, {"events", f.events},
          {"artifacts", f.artifacts},   {"blobs", f.blobs}, {"bytes", f.bytes}};
}

Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(FormatTimestamp(ms)) : Json(); }

}  // namespace

RetentionService::RetentionService(App* app, Clock* clock, RetentionOptions opts)
    : app_(app), clock_(clock), opts_(opts) {
  opts_.batch = std::max(opts_.batch, 1);
  opts_.max_per_sweep = std::max(opts_.max_per_sweep, 1);
  opts_.blobs_per_pass = std::max(opts_.blobs_per_pass, 1);
  opts_.preview_limit = std::max(opts_.preview_limit, 1);
  opts_.blob_grace_ms = std::max<int64_t>(opts_.blob_grace_ms, 0);
}

// ---- the policy -------------------------------------------------------------------------------

ServiceResult<RetentionService::Policy> RetentionService::ParsePolicy(const Json& body) {
  if (!body.is_object())
    return ServiceFail(ServiceError(InvalidArgument("the retention policy must be a JSON object")));
  Policy p;
  for (const auto& [key, v] : body.items()) {
    int max = 0;
    int* into = nullptr;
    if (key == "max_age_days") {
      max = kMaxAgeDays;
      into = &p.max_age_days;
    } else if (key == "keep_last") {
      max = kMaxKeepLast;
      into = &p.keep_last;
    } else {
      return ServiceFail(
          FieldError(key, "unknown field (a retention policy has max_age_days and keep_last)"));
    }
    if (v.is_null()) continue;
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > max)
      return ServiceFail(FieldError(key, "must be an integer from 1 to " + std::to_string(max) +
                                             ", or null for no such rule; got " + v.dump()));
    *into = v.get<int>();
  }
  return p;
}

Json RetentionService::PolicyDoc(const Policy& p) {
  Json doc = Json::object();
  if (p.max_age_days > 0) doc["max_age_days"] = p.max_age_days;
  if (p.keep_last > 0) doc["keep_last"] = p.keep_last;
  return doc;
}

RetentionService::Policy RetentionService::PolicyOf(const Json& spec) {
  Policy p;
  if (!spec.is_object()) return p;
  if (auto it = spec.find("max_age_days"); it != spec.end() && it->is_number_integer())
    p.max_age_days = std::clamp(it->get<int>(), 0, kMaxAgeDays);
  if (auto it = spec.find("keep_last"); it != spec.end() && it->is_number_integer())
    p.keep_last = std::clamp(it->get<int>(), 0, kMaxKeepLast);
  return p;
}

RetentionQuery RetentionService::QueryFor(const Policy& p, int64_t now, int limit) const {
  RetentionQuery q;
  if (p.max_age_days > 0) q.finished_before = now - p.max_age_days * kDayMs;
  q.keep_last = p.keep_last;
  q.limit = limit;
  return q;
}

Json RetentionService::ToJson(const std::optional<RetentionRecord>& rec) const {
  const Policy p = rec ? PolicyOf(rec->spec) : Policy{};
  Json out = {{"max_age_days", p.max_age_days > 0 ? Json(p.max_age_days) : Json()},
              {"keep_last", p.keep_last > 0 ? Json(p.keep_last) : Json()},
              {"keeps_everything", p.keeps_everything()},
              {"updated_at", rec ? TimeOrNull(rec->updated_at) : Json()},
              {"last_sweep", Json()},
              {"totals", {{"executions", 0}, {"bytes", 0}}}};
  if (rec && rec->state.is_object()) {
    if (auto it = rec->state.find("last_sweep"); it != rec->state.end()) out["last_sweep"] = *it;
    if (auto it = rec->state.find("totals"); it != rec->state.end()) out["totals"] = *it;
  }
  return out;
}

ServiceResult<Json> RetentionService::Get(const std::string& ws) {
  auto rec = app_->accounts().GetRetention(ws);
  if (!rec) return ServiceFail(ServiceError(rec.error()));
  return ToJson(*rec);
}

ServiceResult<Json> RetentionService::Set(const std::string& ws, const Json& body) {
  auto p = ParsePolicy(body);
  if (!p) return ServiceFail(p.error());
  // Compare-and-set over what was read: a sweep recording its state meanwhile is read again.
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto cur = app_->accounts().GetRetention(ws);
    if (!cur) return ServiceFail(ServiceError(cur.error()));
    RetentionRecord rec = cur->value_or(RetentionRecord{});
    rec.workspace_id = ws;
    rec.spec = PolicyDoc(*p);
    rec.updated_at = clock_->NowMs();
    auto put = app_->accounts().PutRetention(rec);
    if (!put) return ServiceFail(ServiceError(put.error()));
    if (*put) return Get(ws);
  }
  return ServiceFail(ServiceError(Unavailable("the retention policy keeps changing; try again")));
}

// ---- the dry run ------------------------------------------------------------------------------

ServiceResult<Json> RetentionService::Preview(const std::string& ws, const Json& policy) {
  Policy p;
  if (policy.is_object() && !policy.empty()) {
    auto parsed = ParsePolicy(policy);
    if (!parsed) return ServiceFail(parsed.error());
    p = *parsed;
  } else if (!policy.is_null() && !policy.is_object()) {
    return ServiceFail(ServiceError(InvalidArgument("the retention policy must be a JSON object")));
  } else {
    auto rec = app_->accounts().GetRetention(ws);
    if (!rec) return ServiceFail(ServiceError(rec.error()));
    if (*rec) p = PolicyOf((*rec)->spec);
  }
  Json out = FootprintJson({});
  out["sub_executions"] = 0;
  out["examples"] = Json::array();
  out["truncated"] = false;
  if (p.keeps_everything()) return out;
  auto cands = app_->accounts().RetentionCandidates(
      ws, QueryFor(p, clock_->NowMs(), opts_.preview_limit + 1));
  if (!cands) return ServiceFail(ServiceError(cands.error()));
  if (static_cast<int>(cands->size()) > opts_.preview_limit) {
    cands->resize(static_cast<size_t>(opts_.preview_limit));
    out["truncated"] = true;
  }
  std::vector<std::string> roots;
  for (const ExecutionRecord& e : *cands) {
    roots.push_back(e.id);
    if (out["examples"].size() < kExamples)
      out["examples"].push_back({{"id", e.id},
                                 {"template_id", e.template_id},
                                 {"status", ExecStatusName(e.status)},
                                 {"finished_at", TimeOrNull(e.finished_at)}});
  }
  auto f = app_->accounts().MeasureExecutions(ws, roots);
  if (!f) return ServiceFail(ServiceError(f.error()));
  Json figures = FootprintJson(*f);
  for (auto& [k, v] : figures.items()) out[k] = v;
  out["sub_executions"] = f->executions - static_cast<int64_t>(roots.size());
  return out;
}

// ---- sweeps -----------------------------------------------------------------------------------

Result<SweepReport> RetentionService::Sweep(const std::string& ws, const std::atomic<bool>* stop) {
  SweepReport r;
  r.at = clock_->NowMs();
  auto rec = app_->accounts().GetRetention(ws);
  if (!rec) return Err(rec.error());
  if (!*rec) return r;
  const Policy p = PolicyOf((*rec)->spec);
  if (p.keeps_everything()) return r;
  std::unordered_set<std::string> kept;
  int done = 0;
  for (;;) {
    if (stop && stop->load()) {
      r.complete = false;
      break;
    }
    if (done >= opts_.max_per_sweep || kept.size() > kMaxKeptPerSweep) {
      r.complete = false;
      break;
    }
    // Trees kept earlier in this sweep come back first (oldest first): ask past them.
    const int want = std::min(opts_.batch, opts_.max_per_sweep - done);
    auto cands = app_->accounts().RetentionCandidates(
        ws, QueryFor(p, clock_->NowMs(), want + static_cast<int>(kept.size())));
    if (!cands) return Err(cands.error());
    std::vector<std::string> roots;
    for (const ExecutionRecord& e : *cands)
      if (!kept.count(e.id) && static_cast<int>(roots.size()) < want) roots.push_back(e.id);
    if (roots.empty()) break;
    const bool last = static_cast<int>(roots.size()) < want;  // none beyond these
    auto out = app_->accounts().PurgeExecutions(ws, roots, clock_->NowMs());
    if (!out) return Err(out.error());
    for (auto& id : out->deleted) r.deleted.push_back(id);
    for (auto& [id, why] : out->kept) {
      kept.insert(id);
      ++r.kept[why];
    }
    r.freed += out->freed;
    done += static_cast<int>(out->deleted.size());
    if (last) break;
    // Let the engine's commits through before the next write transaction.
    // Real time, whatever the clock: the pause is for the engine's threads.
    if (opts_.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opts_.pause_ms));
  }
  Record(ws, r);  // also when it found nothing: "last applied at" is worth knowing
  return r;
}

void RetentionService::Record(const std::string& ws, const SweepReport& r) {
  Json kept = Json::object();
  for (const auto& [why, n] : r.kept) kept[why] = n;
  const Json last = {{"at", FormatTimestamp(r.at)},
                     {"deleted", static_cast<int64_t>(r.deleted.size())},
                     {"kept", kept},
                     {"freed", FootprintJson(r.freed)},
                     {"complete", r.complete}};
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto cur = app_->accounts().GetRetention(ws);
    if (!cur || !*cur) return;
    RetentionRecord rec = **cur;
    if (!rec.state.is_object()) rec.state = Json::object();
    Json totals = rec.state.value("totals", Json::object());
    totals["executions"] = totals.value("executions", int64_t{0}) + r.freed.executions;
    totals["bytes"] = totals.value("bytes", int64_t{0}) + r.freed.bytes;
    rec.state["totals"] = totals;
    rec.state["last_sweep"] = last;
    auto put = app_->accounts().PutRetention(rec);
    if (!put || *put) return;
  }
}

Result<int64_t> RetentionService::SweepAll(const std::atomic<bool>* stop) {
  auto rows = app_->accounts().ListRetention();
  if (!rows) return Err(rows.error());
  int64_t deleted = 0;
  for (const RetentionRecord& row : *rows) {
    if (stop && stop->load()) break;
    if (PolicyOf(row.spec).keeps_everything()) continue;
    auto r = Sweep(row.workspace_id, stop);
    if (!r) return Err(r.error());
    deleted += static_cast<int64_t>(r->deleted.size());
  }
  return deleted;
}

// ---- blobs ------------------------------------------------------------------------------------

// A queued hash leaves the queue once its blob is gone or named again; a blob put within the
// grace time stays queued, to be looked at on a later pass.
Result<CollectReport> RetentionService::CollectBlobs() {
  CollectReport r;
  auto queue = app_->accounts().BlobCollectionQueue(opts_.blobs_per_pass);
  if (!queue) return Err(queue.error());
  for (const QueuedBlob& q : *queue) {
    const std::string& sha = q.sha256;
    ++r.looked_at;
    auto named = app_->accounts().BlobReferenced(sha);
    if (!named) return Err(named.error());
    if (*named) {
      ++r.still_named;
    } else {
      auto removed = app_->blobs().RemoveUnlessUsed(sha, clock_->NowMs() - opts_.blob_grace_ms);
      if (!removed) {
        if (removed.error().code() != Code::kInvalidArgument) return Err(removed.error());
      } else if (removed->outcome == BlobStore::Removal::kRecent) {
        ++r.recent;
        continue;
      } else if (removed->outcome == BlobStore::Removal::kRemoved) {
        ++r.removed;
        r.bytes += removed->bytes;
      }
    }
    // Unless a purge queued it again meanwhile (a row naming it went since the check above).
    if (Status s = app_->accounts().ForgetQueuedBlob(sha, q.revision); !s.ok()) return Err(s);
  }
  r.more = static_cast<int>(queue->size()) == opts_.blobs_per_pass && r.looked_at > r.recent;
  return r;
}

ServiceResult<Json> RetentionService::RunNow(const std::string& ws) {
  auto r = Sweep(ws);
  if (!r) return ServiceFail(ServiceError(r.error()));
  Json kept = Json::object();
  for (const auto& [why, n] : r->kept) kept[why] = n;
  Json out = {{"deleted", static_cast<int64_t>(r->deleted.size())},
              {"kept", kept},
              {"freed", FootprintJson(r->freed)},
              {"complete", r->complete},
              {"blobs_removed", 0},
              {"bytes_removed", 0}};
  // The queue is shared by every workspace: collect until this sweep's blobs had their turn.
  for (int pass = 0; pass < 100; ++pass) {
    auto c = CollectBlobs();
    if (!c) return ServiceFail(ServiceError(c.error()));
    out["blobs_removed"] = out["blobs_removed"].get<int64_t>() + c->removed;
    out["bytes_removed"] = out["bytes_removed"].get<int64_t>() + c->bytes;
    if (!c->more) break;
  }
  return out;
}

// ---- the runner -------------------------------------------------------------------------------

RetentionRunner::RetentionRunner(
    RetentionService* service, int64_t interval_ms, int64_t first_ms,
    std::function<void(const std::string& level, const std::string& msg)> log)
    : service_(service),
      log_(std::move(log)),
      thread_(interval_ms, first_ms,
              [this](const std::atomic<bool>& stopping) { Pass(stopping); }) {}

void RetentionRunner::Pass(const std::atomic<bool>& stopping) {
  auto swept = service_->SweepAll(&stopping);
  if (!swept && log_) log_("warn", "retention sweep not finished: " + swept.error().ToString());
  if (swept && *swept > 0 && log_)
    log_("info", "retention deleted " + std::to_string(*swept) + " finished executions");
  // Drain the queue while a pass makes progress.
  for (int pass = 0; pass < 100 && !stopping; ++pass) {
    auto c = service_->CollectBlobs();
    if (!c) {
      if (log_) log_("warn", "blob collection not finished: " + c.error().ToString());
      break;
    }
    if (c->removed > 0 && log_)
      log_("info", "retention removed " + std::to_string(c->removed) + " blobs (" +
                       std::to_string(c->bytes) + " bytes)");
    if (!c->more) break;
  }
}

}  // namespace atelier
