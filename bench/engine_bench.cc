// Engine benchmarks, durable as in production (SQLite WAL, synchronous=NORMAL):
//   chain       a chain of 1,000 no-op (transform) steps: microseconds per step
//   fanout      20,000 independent one-step executions, started and run to completion: steps/s
//   gates       10,000 executions waiting at approval gates: resident memory each (KB), with
//               what SQLite's heap and the rest of the heap in use (malloc's count) hold of it;
//               what is left is free space the allocator keeps in resident pages; and a
//               restart: a new engine on the same database takes over 10,000 queued executions
//               (listed, then taken over together with Engine::DriveMany): ms, beside the floor
//               of reading their rows with bare statements. ATELIER_BENCH_GATES=N sets the count.
//   map         a map of 2,000 image generations, 50 ms simulated latency each, concurrency 32:
//               the time over the ideal ceil(2000/32) x 50 ms
//   validate    validating a generated 100,000-node template (JSON already parsed, as the
//               server and CLI hold it), and the same including parsing the JSON text: ms
// Each scenario runs --runs times (default 5) on a fresh database; the table shows the median and
// the spread. Beside chain and fanout it prints their SQLite floors measured in the same run
// (sqlite_floor.h: the same rows written with bare statements into the same schema) and the ratio
// of each figure to its floor. ATELIER_BENCH_FANOUT=N sets the number of executions of fanout;
// ATELIER_BENCH_FLOORS=0 leaves the floors out (to profile the engine alone).
// Usage: atelier_bench [--runs N] [--dir PATH] [--only NAME]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "atelier/core/validation.h"
#include "bench_util.h"
#include "atelier/engine/engine.h"
#include "atelier/nodes/builtin.h"
#include "atelier/blob/local_blob_store.h"
#include "atelier/providers/offline/offline_provider.h"
#include "atelier/store/sqlite/sqlite_store.h"
#include "sqlite_floor.h"

#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

namespace atelier {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Env {
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<LocalBlobStore> blobs;
  NodeRegistry nodes;
  ProviderRegistry providers;
  SystemClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<Engine> engine;

  explicit Env(const fs::path& dir, int workers = 8, int concurrency = 8) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = std::move(*SqliteStore::Open((dir / "bench.db").string()));
    (void)store->EnsureWorkspace("default", "bench");
    blobs = std::move(*LocalBlobStore::Open((dir / "blobs").string()));
    RegisterBuiltinNodes(&nodes);
    providers.Add(std::make_shared<OfflineProvider>());
    StartEngine("bench:1:1", workers, concurrency);
  }

  // A new engine (a restarted process) on the same database; the old one is shut down first.
  void StartEngine(const std::string& owner, int workers = 8, int concurrency = 8) {
    engine.reset();
    EngineOptions o;
    o.owner = owner;
    o.workers = workers;
    o.max_concurrency = concurrency;
    engine = std::make_unique<Engine>(store.get(), blobs.get(), &nodes, &providers, &clock, &ids, o);
  }
  ~Env() { engine.reset(); }

  TemplateRecord Register(const Json& doc) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplate(doc, &errors);
    if (!t) {
      std::fprintf(stderr, "bad bench template: %s\n", errors.at(0).ToString().c_str());
      std::exit(1);
    }
    return *engine->RegisterTemplate("default", *t);
  }
};

// Seconds for one run of the chain; returns microseconds per step.
double RunChain(const fs::path& dir) {
  Env env(dir);
  auto tmpl = env.Register(bench::ChainTemplate(1000));
  auto ex = *env.engine->Launch("default", tmpl, Json::object());
  auto t0 = Clock::now();
  (void)env.engine->Drive("default", ex.id);
  auto done = env.engine->WaitUntilRest("default", ex.id);
  auto t1 = Clock::now();
  if (!done || done->status != ExecStatus::kCompleted) {
    std::fprintf(stderr, "chain did not complete\n");
    std::exit(1);
  }
  return Ms(t1 - t0) * 1000.0 / 1000.0;
}

bool WithFloors() {
  const char* f = std::getenv("ATELIER_BENCH_FLOORS");
  return !f || std::strcmp(f, "0") != 0;
}

int FanoutSize() {
  const char* n = std::getenv("ATELIER_BENCH_FANOUT");
  return n ? std::max(1, std::atoi(n)) : 20000;
}

// Steps per second for 20,000 executions of start -> one no-op step, started and run to the end.
double RunFanout(const fs::path& dir) {
  Env env(dir);
  auto tmpl = env.Register(bench::ChainTemplate(1));
  const int n = FanoutSize();
  std::vector<std::future<Result<ExecutionRecord>>> started;
  started.reserve(n);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) started.push_back(env.engine->Start("default", tmpl, Json::object()));
  std::vector<std::string> ids;
  ids.reserve(n);
  for (auto& f : started) {
    auto r = f.get();
    if (!r) {
      std::fprintf(stderr, "start failed: %s\n", r.error().ToString().c_str());
      std::exit(1);
    }
    ids.push_back(r->id);
  }
  for (const auto& id : ids) {
    auto r = env.engine->WaitUntilRest("default", id);
    if (!r || r->status != ExecStatus::kCompleted) {
      std::fprintf(stderr, "execution %s did not complete\n", id.c_str());
      std::exit(1);
    }
  }
  auto t1 = Clock::now();
  return n / (Ms(t1 - t0) / 1000.0);  // one step (besides start) per execution
}

int GatesSize() {
  const char* n = std::getenv("ATELIER_BENCH_GATES");
  return n ? std::max(1, std::atoi(n)) : 10000;
}

// Resident set size of this process, in bytes, after the allocator has handed its free pages back
// (malloc_trim): what is held, not what a burst left in malloc's arenas.
double ResidentBytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

struct GatesResult {
  double kb_each = 0;     // resident memory per waiting execution
  double sqlite_kb_each = 0;  // of which SQLite's heap (its page cache, mostly): a cache, bounded
                              // by cache_size, not state kept per execution
  double other_heap_kb_each = 0;  // the rest of the heap in use (malloc's count, less SQLite's):
                                  // what the engine and the store keep per waiting execution.
                                  // What is left of kb_each is free space the allocator holds
                                  // within resident pages after the burst of launches
  double restart_ms = 0;  // a new engine listing and driving every queued execution
  double floor_ms = 0;    // reading those executions' rows and steps with bare statements
};

// n executions of start -> approval wait at their gates; then n queued executions of start -> one
// step are taken over by a new engine: listed, then driven together (DriveMany).
GatesResult RunGates(const fs::path& dir) {
  const int n = GatesSize();
  Env env(dir);
  Json gate_doc = {
      {"name", "gate"},
      {"nodes",
       {{{"id", "start"}, {"type", "start"}},
        {{"id", "gate"}, {"type", "approval"}, {"data", {{"message", "go on?"}}}}}},
      {"edges", {{{"id", "e"}, {"source", "start"}, {"target", "gate"}}}}};
  auto gate = env.Register(gate_doc);
  GatesResult out;
  const double before = ResidentBytes();
  const double sqlite_before = static_cast<double>(sqlite3_memory_used());
  const double heap_before = static_cast<double>(mallinfo2().uordblks);
  std::vector<std::future<Result<ExecutionRecord>>> started;
  started.reserve(n);
  for (int i = 0; i < n; ++i) started.push_back(env.engine->Start("default", gate, Json::object()));
  for (auto& f : started) {
    auto r = f.get();
    auto rested = r ? env.engine->WaitUntilRest("default", r->id) : r;
    if (!rested || rested->status != ExecStatus::kWaiting) {
      std::fprintf(stderr, "a gate execution did not come to wait\n");
      std::exit(1);
    }
  }
  started.clear();
  out.kb_each = (ResidentBytes() - before) / n / 1024.0;
  out.sqlite_kb_each =
      (static_cast<double>(sqlite3_memory_used()) - sqlite_before) / n / 1024.0;
  out.other_heap_kb_each =
      (static_cast<double>(mallinfo2().uordblks) - heap_before) / n / 1024.0 - out.sqlite_kb_each;

  auto one = env.Register(bench::ChainTemplate(1));
  std::vector<std::string> ids;
  ids.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto r = env.engine->Launch("default", one, Json::object());
    if (!r) {
      std::fprintf(stderr, "launch failed: %s\n", r.error().ToString().c_str());
      std::exit(1);
    }
    ids.push_back(r->id);
  }
  if (WithFloors()) out.floor_ms = bench::RestartFloorMs(dir / "bench.db", ids);
  env.StartEngine("bench:2:1");
  auto t0 = Clock::now();
  ExecutionFilter f;
  f.status = ExecStatus::kQueued;
  f.top_level_only = true;
  f.limit = 1 << 30;
  auto queued = env.store->ListExecutions("default", f);
  if (!queued || static_cast<int>(queued->size()) != n) {
    std::fprintf(stderr, "the restart did not find the queued executions\n");
    std::exit(1);
  }
  std::vector<std::string> queued_ids;
  queued_ids.reserve(queued->size());
  for (const auto& e : *queued) queued_ids.push_back(e.id);
  for (const Status& s : env.engine->DriveMany("default", queued_ids)) {
    if (!s.ok()) {
      std::fprintf(stderr, "drive failed: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  out.restart_ms = Ms(Clock::now() - t0);
  for (const auto& id : ids) (void)env.engine->WaitUntilRest("default", id);
  return out;
}

// Ratio of the wall time of a 2,000-item image map (50 ms each, concurrency 32) to the ideal.
double RunMap(const fs::path& dir) {
  Env env(dir, 32, 32);
  Json items = Json::array();
  for (int i = 0; i < 2000; ++i) items.push_back(i);
  Json doc = {{"name", "map 2000"},
              {"nodes",
               {{{"id", "start"}, {"type", "start"}},
                {{"id", "images"},
                 {"type", "map"},
                 {"data",
                  {{"items", items},
                   {"concurrency", 32},
                   {"node",
                    {{"type", "generate_image"},
                     {"data",
                      {{"prompt", "tile {{item}}"},
                       {"size", "16x16"},
                       {"latency_ms", 50},
                       {"cache", false}}}}}}}}}},
              {"edges", {{{"id", "e"}, {"source", "start"}, {"target", "images"}}}}};
  auto tmpl = env.Register(doc);
  auto ex = *env.engine->Launch("default", tmpl, Json::object());
  auto t0 = Clock::now();
  (void)env.engine->Drive("default", ex.id);
  auto done = env.engine->WaitUntilRest("default", ex.id);
  auto t1 = Clock::now();
  if (!done || done->status != ExecStatus::kCompleted) {
    std::fprintf(stderr, "map did not complete: %s\n", done ? done->reason.c_str() : "");
    std::exit(1);
  }
  const double ideal_ms = ((2000 + 31) / 32) * 50.0;
  return Ms(t1 - t0) / ideal_ms;
}

std::string Layered(int n) {
  // Layers of 10 nodes; each node depends on one node of the previous layer and references it.
  Json nodes = Json::array({{{"id", "start"}, {"type", "start"}}});
  Json edges = Json::array();
  for (int i = 0; i < n - 1; ++i) {
    std::string id = "n" + std::to_string(i);
    std::string parent = i < 10 ? "start" : "n" + std::to_string(i - 10);
    Json data = {{"output", {{"v", i < 10 ? "x" : "{{steps." + parent + ".v}}"}}}};
    nodes.push_back({{"id", id}, {"type", "transform"}, {"data", data}});
    edges.push_back({{"id", "e" + std::to_string(i)}, {"source", parent}, {"target", id}});
  }
  return Json({{"name", "layered"}, {"nodes", nodes}, {"edges", edges}}).dump();
}

// Milliseconds to parse the text and validate it.
double RunValidate(const std::string& text) {
  auto t0 = Clock::now();
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(text, &errors);
  auto t1 = Clock::now();
  if (!t) {
    std::fprintf(stderr, "100k template invalid: %s\n", errors.at(0).ToString().c_str());
    std::exit(1);
  }
  return Ms(t1 - t0);
}

double RunValidateOnly(const Json& doc) {
  auto t0 = Clock::now();
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(doc, &errors);
  auto t1 = Clock::now();
  if (!t) std::exit(1);
  return Ms(t1 - t0);
}

// A figure, and optionally its floor: `ratio` is how many times the floor's cost the figure is
// (for a rate, floor / figure; for a time, figure / floor).
struct Row {
  std::string name, unit, target;
  std::vector<double> values;
  bool higher_is_better;
  std::vector<double> floor = {};
  // Whether the medians meet the target (of the figure and its floor).
  std::function<bool(double value, double floor)> met = nullptr;
  bool needs_floor = false;
};

}  // namespace
}  // namespace atelier

int main(int argc, char** argv) {
  using namespace atelier;
  int runs = 5;
  std::string only;
  fs::path dir = fs::temp_directory_path() / "atelier-bench";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--runs N] [--dir PATH] [--only chain|fanout|gates|map|validate]\n", argv[0]);
      return 64;
    }
  }
  std::vector<Row> rows;
  if (only.empty() || only == "chain") {
    Row r{"chain of 1,000 no-op steps", "us/step", "<= 1.3x", {}, false};
    r.met = [](double v, double floor) { return v <= 1.3 * floor; };
    r.needs_floor = true;
    for (int i = 0; i < runs; ++i) {
      r.values.push_back(RunChain(dir / "chain"));
      if (WithFloors()) r.floor.push_back(bench::ChainFloorUsPerStep(dir / "chain-floor", 1000));
    }
    rows.push_back(r);
  }
  if (only.empty() || only == "fanout") {
    const int n = FanoutSize();
    const std::string count = n == 20000 ? "20,000" : std::to_string(n);
    Row r{count + " one-step executions", "steps/s", ">= 1e5|x4", {}, true};
    r.met = [](double v, double floor) { return v >= 100000 || v * 4 >= floor; };
    r.needs_floor = true;
    Row r1{"  floor, 1 execution per transaction", "steps/s", "", {}, true};
    for (int i = 0; i < runs; ++i) {
      r.values.push_back(RunFanout(dir / "fanout"));
      if (!WithFloors()) continue;
      r.floor.push_back(bench::FanoutFloorPerSecond(dir / "fanout-floor", n, 100));
      r1.values.push_back(bench::FanoutFloorPerSecond(dir / "fanout-floor", n, 1));
    }
    rows.push_back(r);
    if (!r1.values.empty()) rows.push_back(r1);
  }
  if (only.empty() || only == "gates") {
    const int n = GatesSize();
    const std::string count = n == 10000 ? "10,000" : std::to_string(n);
    Row mem{count + " executions at approval gates", "KB each", "<= 2", {}, false};
    mem.met = [](double v, double) { return v <= 2; };
    Row cache{"  of which SQLite's heap (page cache)", "KB each", "", {}, false};
    Row other{"  of which the rest of the heap in use", "KB each", "", {}, false};
    Row restart{"  restart taking over " + count + " queued", "ms", "<= 1000", {}, false};
    restart.met = [](double v, double) { return v <= 1000; };
    for (int i = 0; i < runs; ++i) {
      const GatesResult g = RunGates(dir / ("gates-" + std::to_string(i)));
      mem.values.push_back(g.kb_each);
      cache.values.push_back(g.sqlite_kb_each);
      other.values.push_back(g.other_heap_kb_each);
      restart.values.push_back(g.restart_ms);
      if (WithFloors()) restart.floor.push_back(g.floor_ms);
    }
    rows.push_back(mem);
    rows.push_back(cache);
    rows.push_back(other);
    rows.push_back(restart);
  }
  if (only.empty() || only == "map") {
    Row r{"map of 2,000 images, 50 ms, x32", "x ideal", "<= 1.1", {}, false};
    r.met = [](double v, double) { return v <= 1.1; };
    // A folder per run, removed only at the end: ext4 searches slowly for free inodes right
    // after thousands were deleted, which would charge one run's clean-up to the next.
    for (int i = 0; i < runs; ++i) r.values.push_back(RunMap(dir / ("map-" + std::to_string(i))));
    rows.push_back(r);
  }
  if (only.empty() || only == "validate") {
    std::string text = Layered(100000);
    Json doc = Json::parse(text);
    Row r{"validate 100,000-node template", "ms", "<= 200", {}, false};
    r.met = [](double v, double) { return v <= 200; };
    for (int i = 0; i < runs; ++i) r.values.push_back(RunValidateOnly(doc));
    rows.push_back(r);
    Row r2{"  the same from JSON text (+ parsing)", "ms", "", {}, false};
    for (int i = 0; i < runs; ++i) r2.values.push_back(RunValidate(text));
    rows.push_back(r2);
  }
  fs::remove_all(dir);
  std::printf("\n%-38s %10s %10s %10s %-8s %10s %7s %-10s %s\n", "benchmark", "median", "min",
              "max", "unit", "floor", "ratio", "target", "met");
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : "%.1f", v);
    return std::string(buf);
  };
  for (const auto& r : rows) {
    const double med = bench::Median(r.values);
    const double mn = *std::min_element(r.values.begin(), r.values.end());
    const double mx = *std::max_element(r.values.begin(), r.values.end());
    std::string floor, ratio;
    double floor_med = 0;
    if (!r.floor.empty()) {
      floor_med = bench::Median(r.floor);
      floor = num(floor_med);
      ratio = num(r.higher_is_better ? floor_med / med : med / floor_med) + "x";
    }
    // A target stated against the floor is not judged without it.
    const bool judged = r.met && (!r.floor.empty() || !r.needs_floor);
    const char* met = !judged ? "" : r.met(med, floor_med) ? "yes" : "NO";
    std::printf("%-38s %10s %10s %10s %-8s %10s %7s %-10s %s\n", r.name.c_str(), num(med).c_str(),
                num(mn).c_str(), num(mx).c_str(), r.unit.c_str(), floor.c_str(), ratio.c_str(),
                r.target.c_str(), met);
  }
  std::printf(
      "\n%d runs each; SQLite WAL, synchronous=NORMAL; %u hardware threads. floor: the same rows\n"
      "with bare statements in the same schema (chain: one transaction per step; executions: 100\n"
      "per transaction); ratio: times the floor's cost\n",
      runs, std::thread::hardware_concurrency());
  return 0;
}
