// MemoryStore: the credits ledger (the LedgerAppend op and its reads), workspaces, API keys, the
// template catalog queries, workspace-wide artifact and event reads, and launch idempotency.
#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "atelier/store/transition_rules.h"
#include "memory_state.h"

namespace atelier {

// A replayed key is a successful no-op, checked before the funds so that a replay never fails.
// A settlement or refund closes its reservation once: with none open under that key (never made,
// or already closed) it adds nothing.
bool memory::State::Apply(const LedgerAppend& l) {
  if (l.entry.key.empty()) throw std::invalid_argument("a ledger entry needs a key");
  const std::string& ws = l.entry.workspace_id;
  if (ledger_by_key.count({ws, l.entry.key}) != 0) return true;
  LedgerEntry e = l.entry;
  std::optional<OpenReservation> open;
  if (transition_rules::ClosesReservation(e)) {
    auto it = open_reservations.find({ws, e.reservation_key});
    if (it == open_reservations.end()) return true;
    open = it->second;
    if (l.against_reservation) {
      e.amount = transition_rules::ClosingAmount(open->amount, l.entry.amount);
    }
  }
  if (l.require_funds) {
    auto b = balances.find(ws);
    const int64_t balance = b == balances.end() ? 0 : b->second.balance;
    if (balance + e.amount < 0) return false;
  }
  SaveValue(last_ledger_id);
  e.id = ++last_ledger_id;
  undo.emplace_back([this, n = ledger.size()] { ledger.resize(n); });
  ledger.push_back(e);
  SaveEntry(ledger_by_key, Key2{ws, e.key});
  ledger_by_key.insert_or_assign(Key2{ws, e.key}, ledger.size() - 1);
  // A reservation opens; the settlement or refund that closes one gives back what it held.
  if (e.kind == LedgerKind::kReservation) {
    SaveEntry(open_reservations, Key2{ws, e.key});
    open_reservations.insert_or_assign(Key2{ws, e.key}, OpenReservation{e.id, e.amount});
  } else if (open) {
    SaveEntry(open_reservations, Key2{ws, e.reservation_key});
    open_reservations.erase(Key2{ws, e.reservation_key});
  }
  SaveEntry(balances, ws);
  Sums& sums = balances[ws];
  sums.balance += e.amount;
  sums.granted += transition_rules::GrantedDelta(e);
  sums.reserved += transition_rules::ReservedDelta(e, open ? &open->amount : nullptr);
  return true;
}

// ---- workspaces ------------------------------------------------------------------------------

Result<WorkspaceRecord> MemoryStore::GetWorkspace(const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->workspace_index.find(id);
  if (it == s_->workspace_index.end()) return Err(NotFound("workspace '" + id + "' not found"));
  return s_->workspaces[it->second];
}

// ORDER BY created_at, rowid.
Result<std::vector<WorkspaceRecord>> MemoryStore::ListWorkspaces() {
  std::lock_guard lock(s_->mu);
  std::vector<WorkspaceRecord> out = s_->workspaces;
  std::stable_sort(out.begin(), out.end(), [](const WorkspaceRecord& a, const WorkspaceRecord& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

// ---- API keys --------------------------------------------------------------------------------

Status MemoryStore::InsertApiKey(const ApiKeyRecord& key) {
  std::lock_guard lock(s_->mu);
  memory::State& s = *s_;
  if (s.workspace_index.count(key.workspace_id) == 0) {
    return NotFound("workspace '" + key.workspace_id + "' not found");
  }
  if (s.key_by_id.count(key.id) != 0) return AlreadyExists("api key '" + key.id + "' already exists");
  if (s.key_by_hash.count(key.secret_hash) != 0) {
    return AlreadyExists("an api key with the secret hash of '" + key.id + "' already exists");
  }
  s.api_keys.push_back(key);
  s.key_by_id.emplace(key.id, s.api_keys.size() - 1);
  s.key_by_hash.emplace(key.secret_hash, s.api_keys.size() - 1);
  return Status::Ok();
}

Result<ApiKeyRecord> MemoryStore::FindApiKeyByHash(const std::string& secret_hash) {
  std::lock_guard lock(s_->mu);
  auto it = s_->key_by_hash.find(secret_hash);
  if (it == s_->key_by_hash.end()) return Err(NotFound("no api key has this secret"));
  return s_->api_keys[it->second];
}

// ORDER BY created_at, rowid.
Result<std::vector<ApiKeyRecord>> MemoryStore::ListApiKeys(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  std::vector<ApiKeyRecord> out;
  for (const ApiKeyRecord& k : s_->api_keys) {
    if (k.workspace_id == ws) out.push_back(k);
  }
  std::stable_sort(out.begin(), out.end(), [](const ApiKeyRecord& a, const ApiKeyRecord& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

Result<ApiKeyRecord> MemoryStore::RevokeApiKey(const std::string& ws, const std::string& id,
                                               int64_t now) {
  std::lock_guard lock(s_->mu);
  auto it = s_->key_by_id.find(id);
  if (it == s_->key_by_id.end() || s_->api_keys[it->second].workspace_id != ws) {
    return Err(NotFound("api key '" + id + "' not found"));
  }
  ApiKeyRecord& key = s_->api_keys[it->second];
  if (key.revoked_at == 0) key.revoked_at = now;
  return key;
}

Result<int64_t> MemoryStore::CountApiKeys() {
  std::lock_guard lock(s_->mu);
  return static_cast<int64_t>(s_->api_keys.size());
}

// ---- credits ---------------------------------------------------------------------------------

// spent is what the other three leave: balance = granted - reserved - spent.
Result<CreditBalance> MemoryStore::GetBalance(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  CreditBalance b;
  auto it = s_->balances.find(ws);
  if (it != s_->balances.end()) {
    b.balance = it->second.balance;
    b.granted = it->second.granted;
    b.reserved = it->second.reserved;
    b.spent = b.granted - b.reserved - b.balance;
  }
  return b;
}

Result<std::vector<LedgerEntry>> MemoryStore::ListLedger(const std::string& ws,
                                                         const LedgerFilter& f) {
  std::lock_guard lock(s_->mu);
  std::vector<LedgerEntry> out;
  auto wanted = [&](const LedgerEntry& e) {
    return e.workspace_id == ws && (f.execution_id.empty() || e.execution_id == f.execution_id);
  };
  if (f.newest_first) {
    // Ids increase along the vector: walk back from the last one below the cursor.
    auto end = f.before_id > 0
                   ? std::lower_bound(s_->ledger.begin(), s_->ledger.end(), f.before_id,
                                      [](const LedgerEntry& e, int64_t id) { return e.id < id; })
                   : s_->ledger.end();
    for (auto it = std::make_reverse_iterator(end); it != s_->ledger.rend(); ++it) {
      if (f.limit > 0 && out.size() >= static_cast<size_t>(f.limit)) break;
      if (wanted(*it)) out.push_back(*it);
    }
    return out;
  }
  // Ids increase along the vector: start at the first one past the cursor.
  auto from = std::upper_bound(s_->ledger.begin(), s_->ledger.end(), f.after_id,
                               [](int64_t id, const LedgerEntry& e) { return id < e.id; });
  for (auto it = from; it != s_->ledger.end(); ++it) {
    if (f.limit > 0 && out.size() >= static_cast<size_t>(f.limit)) break;
    if (it->workspace_id != ws) continue;
    if (!f.execution_id.empty() && it->execution_id != f.execution_id) continue;
    out.push_back(*it);
  }
  return out;
}

Result<std::optional<LedgerEntry>> MemoryStore::FindLedgerEntry(const std::string& ws,
                                                                const std::string& key) {
  std::lock_guard lock(s_->mu);
  auto it = s_->ledger_by_key.find({ws, key});
  if (it == s_->ledger_by_key.end()) return std::optional<LedgerEntry>();
  return std::optional<LedgerEntry>(s_->ledger[it->second]);
}

// Oldest (lowest ledger id) first.
Result<std::vector<LedgerEntry>> MemoryStore::OpenReservations(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  std::vector<LedgerEntry> out;
  for (auto it = s_->open_reservations.lower_bound({ws, ""});
       it != s_->open_reservations.end() && it->first.first == ws; ++it) {
    out.push_back(s_->ledger[s_->ledger_by_key.at({ws, it->first.second})]);
  }
  std::sort(out.begin(), out.end(),
            [](const LedgerEntry& a, const LedgerEntry& b) { return a.id < b.id; });
  return out;
}

// ---- templates -------------------------------------------------------------------------------

namespace {

// SQLite's lower(): ASCII letters only.
std::string AsciiLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The latest version of each live template of the workspace: "deleted_at = 0 AND version =
// (SELECT MAX(version) of its id)" (deleting marks every version, so a live latest row is the
// latest version of a live template).
std::vector<const TemplateRecord*> LiveLatest(const memory::State& s, const std::string& ws) {
  std::vector<const TemplateRecord*> out;
  for (const auto& [id, by_version] : s.templates) {
    if (by_version.empty()) continue;
    const auto& latest = by_version.rbegin()->second;
    if (latest.deleted_at == 0 && latest.rec.workspace_id == ws) out.push_back(&latest.rec);
  }
  return out;
}

}  // namespace

// ORDER BY name, id (bytewise, as SQLite's BINARY collation compares).
Result<std::vector<TemplateRecord>> MemoryStore::ListTemplates(const std::string& ws,
                                                               const TemplateFilter& f) {
  std::lock_guard lock(s_->mu);
  const std::string needle = AsciiLower(f.name_contains);
  std::vector<const TemplateRecord*> matched;
  for (const TemplateRecord* t : LiveLatest(*s_, ws)) {
    if (!f.category.empty() && t->category != f.category) continue;
    if (!needle.empty() && AsciiLower(t->name).find(needle) == std::string::npos) continue;
    if (!f.after_name.empty() && !(t->name > f.after_name)) continue;
    matched.push_back(t);
  }
  std::sort(matched.begin(), matched.end(), [](const TemplateRecord* a, const TemplateRecord* b) {
    if (a->name != b->name) return a->name < b->name;
    return a->id < b->id;
  });
  if (f.limit > 0 && matched.size() > static_cast<size_t>(f.limit)) matched.resize(f.limit);
  std::vector<TemplateRecord> out;
  out.reserve(matched.size());
  for (const TemplateRecord* t : matched) out.push_back(*t);
  return out;
}

Result<std::vector<TemplateRecord>> MemoryStore::ListTemplateVersions(const std::string& ws,
                                                                      const std::string& id) {
  std::lock_guard lock(s_->mu);
  std::vector<TemplateRecord> out;
  if (auto it = s_->templates.find(id); it != s_->templates.end()) {
    for (const auto& [version, row] : it->second) {
      if (row.deleted_at == 0 && row.rec.workspace_id == ws) out.push_back(row.rec);
    }
  }
  if (out.empty()) return Err(NotFound("template '" + id + "' not found"));
  return out;
}

Status MemoryStore::DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) {
  std::lock_guard lock(s_->mu);
  int deleted = 0;
  if (auto it = s_->templates.find(id); it != s_->templates.end()) {
    for (auto& [version, row] : it->second) {
      if (row.deleted_at != 0 || row.rec.workspace_id != ws) continue;
      row.deleted_at = std::max<int64_t>(now, 1);  // 0 means "not deleted"
      ++deleted;
    }
  }
  if (deleted == 0) return NotFound("template '" + id + "' not found");
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, int>>> MemoryStore::ListCategories(
    const std::string& ws) {
  std::lock_guard lock(s_->mu);
  std::map<std::string, int> counts;
  for (const TemplateRecord* t : LiveLatest(*s_, ws)) {
    if (!t->category.empty()) ++counts[t->category];
  }
  return std::vector<std::pair<std::string, int>>(counts.begin(), counts.end());
}

// ---- artifacts and events --------------------------------------------------------------------

// ORDER BY created_at, id, within the workspace (and the execution, which must be the
// workspace's).
Result<std::vector<ArtifactRecord>> MemoryStore::QueryArtifacts(const std::string& ws,
                                                                const ArtifactFilter& f) {
  std::lock_guard lock(s_->mu);
  if (!f.execution_id.empty() && !s_->ExecutionInWorkspace(ws, f.execution_id)) {
    return Err(NotFound("execution '" + f.execution_id + "' not found"));
  }
  std::vector<const ArtifactRecord*> matched;
  for (const auto& [id, a] : s_->artifacts) {
    if (a.workspace_id != ws) continue;
    if (!f.execution_id.empty() && a.execution_id != f.execution_id) continue;
    if (!f.step_id.empty() && a.step_id != f.step_id) continue;
    if (!f.kind.empty() && a.kind != f.kind) continue;
    if (f.created_after != 0 && a.created_at <= f.created_after) continue;
    if (f.current_only) {
      auto steps = s_->steps.find(a.execution_id);
      if (steps == s_->steps.end()) continue;
      auto step = steps->second.find(a.step_id);
      if (step == steps->second.end() || step->second.version != a.step_version) continue;
    }
    if (!f.template_id.empty()) {
      auto x = s_->executions.find(a.execution_id);
      if (x == s_->executions.end() || x->second.template_id != f.template_id) continue;
    }
    matched.push_back(&a);
  }
  std::stable_sort(matched.begin(), matched.end(),
                   [](const ArtifactRecord* a, const ArtifactRecord* b) {
                     return a->created_at < b->created_at;
                   });  // the map gave id order
  if (f.limit > 0 && matched.size() > static_cast<size_t>(f.limit)) matched.resize(f.limit);
  std::vector<ArtifactRecord> out;
  out.reserve(matched.size());
  for (const ArtifactRecord* a : matched) out.push_back(*a);
  return out;
}

Result<ArtifactRecord> MemoryStore::GetArtifact(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->artifacts.find(id);
  if (it == s_->artifacts.end() || it->second.workspace_id != ws) {
    return Err(NotFound("artifact '" + id + "' not found"));
  }
  return it->second;
}

Result<std::vector<Event>> MemoryStore::ReadWorkspaceEvents(const std::string& ws,
                                                            int64_t after_gid, int limit) {
  std::lock_guard lock(s_->mu);
  std::vector<Event> out;
  auto it = s_->events_by_workspace.find(ws);
  if (it == s_->events_by_workspace.end()) return out;
  const std::vector<size_t>& of_ws = it->second;  // indexes into `events`, i.e. gid - 1
  auto from = std::upper_bound(of_ws.begin(), of_ws.end(), after_gid,
                               [](int64_t gid, size_t index) {
                                 return gid < static_cast<int64_t>(index) + 1;
                               });
  for (auto i = from; i != of_ws.end(); ++i) {
    if (limit > 0 && out.size() >= static_cast<size_t>(limit)) break;
    out.push_back(s_->events[*i].event);
  }
  return out;
}

Result<int64_t> MemoryStore::LastWorkspaceEventId(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  auto it = s_->events_by_workspace.find(ws);
  if (it == s_->events_by_workspace.end() || it->second.empty()) return int64_t{0};
  return static_cast<int64_t>(it->second.back()) + 1;
}

// ---- launch idempotency ----------------------------------------------------------------------

Result<std::optional<IdempotencyRecord>> MemoryStore::FindIdempotencyKey(const std::string& ws,
                                                                         const std::string& key) {
  std::lock_guard lock(s_->mu);
  auto it = s_->idempotency.find({ws, key});
  if (it == s_->idempotency.end()) return std::optional<IdempotencyRecord>();
  return std::optional<IdempotencyRecord>(it->second);
}

}  // namespace atelier
