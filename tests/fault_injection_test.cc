// Injected faults in the store and the blobs (issue 12): a representative paid run (a text step,
// then a map of three images, with credits) is repeated with the N-th read, write, fsync or lock
// of the SQLite files failing (an I/O error, a full disk, a busy lock), swept over N across the
// whole run, and with the N-th blob write failing. Each fault must surface as an error, never a
// crash; once it clears (in the same process, or after a restart over the same files) the
// execution must end exactly as a run with no fault: the same outputs and images, each step
// version succeeded once, the same credits spent with nothing left reserved, and every artifact's
// bytes present.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "atelier/blob/sha256.h"
#include "atelier/engine/price_table.h"
#include "tests/fault_vfs.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

using faults::Op;

constexpr const char* kWs = "default";

const char* kRun = R"({"name": "Faulted", "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text",
     "data": {"prompt": "Shot list for {{inputs.topic}}", "retry": {"max_attempts": 4, "backoff_ms": 5}}},
    {"id": "shots", "type": "map", "data": {"items": ["front", "side", "back"], "concurrency": 2,
      "node": {"type": "generate_image", "data": {"prompt": "{{inputs.topic}}, {{item}} view", "size": "32x32",
                                                    "retry": {"max_attempts": 4, "backoff_ms": 5}}}}},
    {"id": "done", "type": "end", "data": {"output": {"text": "{{steps.draft.text}}", "n": "{{steps.shots.count}}"}}}],
  "edges": [{"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "shots"},
            {"id": "3", "source": "shots", "target": "done"}]})";

// Blob writes that fail on demand: the N-th Put (and, sticky, every later one until cleared)
// answers the error a full disk gives.
class FaultyBlobs final : public BlobStore {
 public:
  explicit FaultyBlobs(std::unique_ptr<BlobStore> inner) : inner_(std::move(inner)) {}
  void Arm(int64_t nth, bool sticky) {
    puts_ = 0;
    nth_ = nth;
    sticky_ = sticky;
  }
  void Disarm() { nth_ = 0; }
  int64_t puts() const { return puts_; }
  int64_t fired() const { return fired_; }

  Result<std::string> Put(std::string_view bytes) override {
    int64_t n = ++puts_;
    int64_t nth = nth_;
    if (nth > 0 && (n == nth || (sticky_ && n > nth))) {
      ++fired_;
      return Err(Unavailable("blob store: no space left on device (injected)"));
    }
    return inner_->Put(bytes);
  }
  Result<std::string> Get(const std::string& sha256) override { return inner_->Get(sha256); }
  std::string LocalPath(const std::string& sha256) override { return inner_->LocalPath(sha256); }
  Result<Removed> RemoveUnlessUsed(const std::string& sha256, int64_t since_ms) override {
    return inner_->RemoveUnlessUsed(sha256, since_ms);
  }

 private:
  std::unique_ptr<BlobStore> inner_;
  std::atomic<int64_t> puts_{0}, nth_{0}, fired_{0};
  std::atomic<bool> sticky_{false};
};

// One "process": a store, blobs and an engine over the files in `dir`, owned as `owner`. A rig
// opened after another over the same files takes over what the earlier one left.
class Rig {
 public:
  // Null with `why` set when the files cannot be opened (as a process would exit with the error).
  static std::unique_ptr<Rig> Open(const fs::path& dir, const std::string& owner, Status* why) {
    auto opened = SqliteStore::Open((dir / "atelier.db").string());
    if (!opened) {
      *why = opened.error();
      return nullptr;
    }
    if (Status ws = (*opened)->EnsureWorkspace(kWs, "Default"); !ws.ok()) {
      *why = ws;
      return nullptr;
    }
    auto local = LocalBlobStore::Open((dir / "blobs").string());
    if (!local) {
      *why = local.error();
      return nullptr;
    }
    return std::unique_ptr<Rig>(new Rig(std::move(*opened), std::move(*local), owner));
  }
  ~Rig() { engine_.reset(); }

  Engine& engine() { return *engine_; }
  Store& store() { return *store_; }
  FaultyBlobs& blobs() { return *blobs_; }
  AccountStore& accounts() { return dynamic_cast<AccountStore&>(*store_); }

 private:
  Rig(std::unique_ptr<Store> store, std::unique_ptr<BlobStore> blobs, const std::string& owner)
      : store_(std::move(store)), blobs_(std::make_unique<FaultyBlobs>(std::move(blobs))) {
    RegisterBuiltinNodes(&nodes_);
    providers_.Add(std::make_shared<OfflineProvider>());
    auto prices = std::make_shared<PriceTable>();
    prices->Set("offline", Price{0.5, 1.0, 0.25});
    EngineOptions o;
    o.owner = owner;
    o.owner_is_dead = [owner](const std::string& other) { return other != owner; };
    o.credits = true;
    o.prices = prices;
    o.poll_ms = 20;
    engine_ = std::make_unique<Engine>(store_.get(), blobs_.get(), &nodes_, &providers_, &clock_,
                                       &ids_, o);
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<FaultyBlobs> blobs_;
  NodeRegistry nodes_;
  ProviderRegistry providers_;
  SystemClock clock_;
  RandomIdGenerator ids_;
  std::unique_ptr<Engine> engine_;
};

// Opens a rig with no fault armed (the test's own setup and checks).
std::unique_ptr<Rig> OpenRig(const fs::path& dir, const std::string& owner) {
  Status why;
  auto rig = Rig::Open(dir, owner, &why);
  EXPECT_TRUE(rig) << why.ToString();
  return rig;
}

bool Terminal(ExecStatus s) {
  return s == ExecStatus::kCompleted || s == ExecStatus::kFailed || s == ExecStatus::kStopped;
}

// The execution's status once it has ended (or what it is after `ms`): read from the store, so a
// hung engine fails the test instead of blocking it.
ExecStatus AwaitEnd(Rig& rig, const std::string& id, int64_t ms = 30000) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  ExecStatus last = ExecStatus::kQueued;
  while (std::chrono::steady_clock::now() < until) {
    auto ex = rig.store().GetExecution(kWs, id);
    if (ex) {
      last = ex->status;
      if (Terminal(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return last;
}

// Waits until the armed fault has fired (or the run ended first).
void AwaitFired(Rig& rig, const std::string& id, const std::function<int64_t()>& fired) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (fired() == 0 && std::chrono::steady_clock::now() < until) {
    if (!id.empty()) {
      auto ex = rig.store().GetExecution(kWs, id);
      if (ex && Terminal(ex->status)) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// What a finished run is, for comparing with the run that had no fault.
struct Outcome {
  ExecStatus status = ExecStatus::kQueued;
  std::map<std::string, std::string> texts;                 // step -> its current text
  std::map<std::string, std::multiset<std::string>> images;  // step -> sha256 of its images
  int64_t spent = 0;
  int64_t reserved = 0;
};

// Reads the outcome and checks what holds for any run: gap-free events, each step version
// succeeded once, every artifact's bytes present and matching.
Outcome Inspect(Rig& rig, const std::string& id, const std::string& where) {
  Outcome o;
  auto ex = rig.store().GetExecution(kWs, id);
  EXPECT_TRUE(ex) << where;
  if (!ex) return o;
  o.status = ex->status;
  auto events = rig.store().ReadEvents(kWs, id, 0, 100000);
  EXPECT_TRUE(events) << where;
  std::map<std::string, int> succeeded;
  for (size_t i = 0; events && i < events->size(); ++i) {
    const Event& e = (*events)[i];
    EXPECT_EQ(e.seq, static_cast<int64_t>(i + 1)) << where << ": a gap or a repeat in the events";
    if (e.type == "step_succeeded" && e.payload.contains("version"))
      succeeded[e.step_id + " v" + e.payload["version"].dump()]++;
  }
  for (const auto& [key, n] : succeeded) EXPECT_EQ(n, 1) << where << ": " << key << " succeeded " << n << " times";
  auto steps = rig.store().GetSteps(kWs, id);
  EXPECT_TRUE(steps) << where;
  for (const auto& s : steps ? *steps : std::vector<StepRecord>{}) {
    EXPECT_NE(s.status, StepStatus::kRunning) << where << ": step " << s.step_id << " left running";
    if (s.output.is_object() && s.output.contains("text") && s.output["text"].is_string())
      o.texts[s.step_id] = s.output["text"].get<std::string>();
  }
  auto arts = rig.store().ListArtifacts(kWs, id);
  EXPECT_TRUE(arts) << where;
  for (const auto& a : arts ? *arts : std::vector<ArtifactRecord>{}) {
    auto bytes = rig.blobs().Get(a.sha256);
    EXPECT_TRUE(bytes) << where << ": artifact " << a.id << " of " << a.step_id
                       << " points at missing bytes";
    if (bytes) {
      EXPECT_EQ(Sha256Hex(*bytes), a.sha256) << where;
      EXPECT_EQ(static_cast<int64_t>(bytes->size()), a.size) << where;
    }
    if (a.kind == "image") o.images[a.step_id].insert(a.sha256);
  }
  auto balance = rig.accounts().GetBalance(kWs);
  EXPECT_TRUE(balance) << where;
  if (balance) {
    o.spent = balance->spent;
    o.reserved = balance->reserved;
  }
  return o;
}

// A fresh folder with credits granted and the template registered (no fault armed); answers the
// template to launch.
TemplateRecord Prepare(const fs::path& dir) {
  auto rig = OpenRig(dir, "fault:setup");
  LedgerEntry e;
  e.workspace_id = kWs;
  e.kind = LedgerKind::kGrant;
  e.amount = 1'000'000'000;
  e.key = "grant";
  auto r = rig->store().Commit({Transition{{LedgerAppend{e}}}});
  EXPECT_TRUE(r && r->applied[0]);
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(kRun, &errors);
  EXPECT_TRUE(t) << (errors.empty() ? "" : errors[0].ToString());
  auto rec = rig->engine().RegisterTemplate(kWs, *t);
  EXPECT_TRUE(rec) << rec.error().ToString();
  return *rec;
}

const Json kInputs = {{"topic", "oat milk"}};

// The run with no fault, and how many operations of each kind (and blob writes) its process
// makes from opening the files to closing them.
struct Reference {
  Outcome outcome;
  std::map<Op, int64_t> ops;
  int64_t puts = 0;
};

const Reference& TheReference() {
  static const Reference ref = [] {
    faults::Install();
    Reference r;
    TempDir dir;
    TemplateRecord t = Prepare(dir.path());
    std::string id;
    faults::ResetCounts();
    {
      auto rig = OpenRig(dir.path(), "fault:reference");
      auto ex = rig->engine().Launch(kWs, t, kInputs);
      EXPECT_TRUE(ex);
      id = ex->id;
      EXPECT_TRUE(rig->engine().Drive(kWs, id).ok());
      EXPECT_EQ(AwaitEnd(*rig, id), ExecStatus::kCompleted);
      r.puts = rig->blobs().puts();
    }
    for (Op op : {Op::kRead, Op::kWrite, Op::kSync, Op::kLock}) r.ops[op] = faults::Count(op);
    auto rig = OpenRig(dir.path(), "fault:inspect");
    r.outcome = Inspect(*rig, id, "the run with no fault");
    return r;
  }();
  return ref;
}

void ExpectSameAsReference(const Outcome& got, const std::string& where) {
  const Outcome& want = TheReference().outcome;
  EXPECT_EQ(got.status, ExecStatus::kCompleted) << where;
  EXPECT_EQ(got.texts, want.texts) << where;
  EXPECT_EQ(got.images, want.images) << where;
  EXPECT_EQ(got.spent, want.spent) << where << ": credits spent differ from the run with no fault";
  EXPECT_EQ(got.reserved, 0) << where << ": credits left reserved";
}

// Up to `points` values of N spread over 1..total.
std::vector<int64_t> Sweep(int64_t total, int points) {
  std::set<int64_t> ns;
  if (total <= 0) return {};
  for (int i = 0; i < points; ++i) ns.insert(1 + (total - 1) * i / std::max(1, points - 1));
  return {ns.begin(), ns.end()};
}

struct Kind {
  const char* name;
  const char* slug;  // the test's name
  Op op;
  int code;
  // Whether the fault lasts (a full disk) or strikes once (a lock another process held for a
  // moment; held for good, every open would wait out the busy timeout).
  bool sticky = true;
};

std::string KindName(const ::testing::TestParamInfo<Kind>& p) { return p.param.slug; }

// A process that meets the fault: opens the files (which may fail: it exits with the error),
// launches (which may be refused with an error) and runs until the fault has fired. Answers the
// rig when it is still up, and the execution's id when one was launched.
std::unique_ptr<Rig> MeetTheFault(const fs::path& dir, const TemplateRecord& t, const Kind& k,
                                  int64_t n, std::string* id) {
  faults::Arm({k.op, n, k.code, k.sticky});
  Status why;
  auto rig = Rig::Open(dir, "fault:first", &why);
  if (!rig) {
    EXPECT_FALSE(why.ok());
    EXPECT_FALSE(why.message().empty()) << "an open that failed says why";
    return nullptr;
  }
  auto ex = rig->engine().Launch(kWs, t, kInputs);
  if (!ex) {
    EXPECT_FALSE(ex.error().message().empty()) << "a refused launch says why";
    return rig;
  }
  *id = ex->id;
  (void)rig->engine().Drive(kWs, *id);  // may meet the fault; the engine keeps the execution
  AwaitFired(*rig, *id, [] { return faults::Fired(); });
  return rig;
}

// Finishes the execution in `rig` (launching it when the faulted process could not) and checks
// it ended as the run with no fault did.
void FinishAndCompare(Rig& rig, const TemplateRecord& t, std::string id, const std::string& where) {
  if (id.empty()) {
    auto ex = rig.engine().Launch(kWs, t, kInputs);
    ASSERT_TRUE(ex) << ex.error().ToString();
    id = ex->id;
  }
  Status driven = rig.engine().Drive(kWs, id);
  EXPECT_TRUE(driven.ok() || driven.code() == Code::kFailedPrecondition) << driven.ToString();
  EXPECT_TRUE(Terminal(AwaitEnd(rig, id))) << where << ": the execution did not end";
  ExpectSameAsReference(Inspect(rig, id, where), where);
}

class StoreFaults : public ::testing::TestWithParam<Kind> {};

// The fault lasts until it has failed operations for a while, then clears; the same process
// carries on (or, when it could not open the files, is started again).
TEST_P(StoreFaults, ClearedInTheSameProcessTheRunEndsAsWithoutIt) {
  const Kind k = GetParam();
  const int64_t total = TheReference().ops.at(k.op);
  ASSERT_GT(total, 0) << "the run makes no operation of this kind";
  const auto points = Sweep(total, 16);
  size_t fired = 0;
  for (int64_t n : points) {
    const std::string where = std::string(k.name) + " at operation " + std::to_string(n) +
                              " of " + std::to_string(total) + ", cleared while running";
    SCOPED_TRACE(where);
    TempDir dir;
    TemplateRecord t = Prepare(dir.path());
    std::string id;
    auto rig = MeetTheFault(dir.path(), t, k, n, &id);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the fault lasts a while
    faults::Disarm();
    fired += faults::Fired() > 0;
    if (!rig) rig = OpenRig(dir.path(), "fault:again");
    ASSERT_TRUE(rig);
    FinishAndCompare(*rig, t, id, where);
  }
  // The last points fall in the closing checkpoint, after the fault cleared (all but one of a
  // WAL run's fsyncs are there), so only some fire here; the restart test meets them all.
  EXPECT_GT(fired, 0u) << "no fault fired";
}

// The fault is still there when the process goes away; a new one over the same files, with the
// fault cleared, takes the execution over and finishes it.
TEST_P(StoreFaults, AfterARestartTheRunEndsAsWithoutIt) {
  const Kind k = GetParam();
  const int64_t total = TheReference().ops.at(k.op);
  ASSERT_GT(total, 0) << "the run makes no operation of this kind";
  const auto points = Sweep(total, 10);
  size_t fired = 0;
  for (int64_t n : points) {
    const std::string where = std::string(k.name) + " at operation " + std::to_string(n) +
                              " of " + std::to_string(total) + ", then a restart";
    SCOPED_TRACE(where);
    TempDir dir;
    TemplateRecord t = Prepare(dir.path());
    std::string id;
    auto first = MeetTheFault(dir.path(), t, k, n, &id);
    // Stopped (a SIGTERM with a short grace) with the fault still on: its results may not
    // commit, and it must exit all the same.
    if (first) first->engine().Shutdown(/*grace_ms=*/100);
    first.reset();
    faults::Disarm();
    fired += faults::Fired() > 0;
    auto rig = OpenRig(dir.path(), "fault:second");
    ASSERT_TRUE(rig);
    FinishAndCompare(*rig, t, id, where);
  }
  EXPECT_GT(fired * 2, points.size()) << fired << " of " << points.size() << " faults fired";
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreFaults,
    ::testing::Values(Kind{"write: I/O error", "WriteIoError", Op::kWrite, SQLITE_IOERR_WRITE},
                      Kind{"write: disk full", "WriteFull", Op::kWrite, SQLITE_FULL},
                      Kind{"fsync: I/O error", "SyncIoError", Op::kSync, SQLITE_IOERR_FSYNC},
                      Kind{"read: I/O error", "ReadIoError", Op::kRead, SQLITE_IOERR_READ},
                      Kind{"lock: busy", "LockBusy", Op::kLock, SQLITE_BUSY, /*sticky=*/false}),
    KindName);

// A blob write that fails (a full disk) fails that attempt only: the step is retried, and no
// artifact ever points at bytes that were not written. Sticky: the disk stays full for a while.
TEST(BlobFaults, AFailedBlobWriteNeverLeavesAStepPointingAtMissingBytes) {
  const Reference& ref = TheReference();
  ASSERT_GT(ref.puts, 0);
  for (bool sticky : {false, true}) {
    for (int64_t n = 1; n <= ref.puts; ++n) {
      const std::string where = "blob write " + std::to_string(n) + (sticky ? " (sticky)" : "");
      SCOPED_TRACE(where);
      TempDir dir;
      TemplateRecord t = Prepare(dir.path());
      auto rig = OpenRig(dir.path(), "fault:blobs");
      ASSERT_TRUE(rig);
      rig->blobs().Arm(n, sticky);
      auto ex = rig->engine().Launch(kWs, t, kInputs);
      ASSERT_TRUE(ex);
      (void)rig->engine().Drive(kWs, ex->id);
      AwaitFired(*rig, ex->id, [&] { return rig->blobs().fired(); });
      if (sticky) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      rig->blobs().Disarm();
      ExecStatus end = AwaitEnd(*rig, ex->id);
      if (end == ExecStatus::kFailed) {
        // A sticky fault can outlast a step's retries: the step failed with the error, and
        // retrying the execution (what a person does) finishes it.
        EXPECT_TRUE(sticky) << "a single failed blob write must be absorbed by the step's retry";
        ASSERT_TRUE(rig->engine().Retry(kWs, ex->id).ok());
      }
      FinishAndCompare(*rig, t, ex->id, where);
    }
  }
}

}  // namespace
}  // namespace atelier::testing
