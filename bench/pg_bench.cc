// Scale-out benchmark on PostgreSQL (bench/pg.sh): real `atelier worker` processes sharing one
// database whose commits are durable (fsync on, synchronous_commit on), 1, 2 and 4 of them.
//   chain    a chain of 1,000 no-op (transform) steps, launched once the workers are up (as
//            `serve --workers 0` launches: queued, the doorbell rings, a worker takes it over):
//            microseconds per step from the launch to the execution's completion
//   fanout   20,000 executions of one no-op step, queued before the workers start (the launch is
//            not timed): steps per second from the workers' start to the last completion. Below
//            it, what starting the same workers on an empty database takes (their share of the
//            figure), and how long until the first execution completed (what a full queue
//            makes the first waiter wait)
// Each is beside its floor, measured in the same run by pgbench on the same tables: the writes a
// step needs (update the step, append its event with a position from event_positions, insert the
// next step), one transaction per step; one client for the chain, one per worker for fanout
// (2,000 transactions: a rate). The event position is one row every transaction that appends
// events updates (what keeps streams gap-free, docs/architecture.md), so the floor's
// transactions commit one after another, as the store's do.
// Every figure is the median of --runs runs, each on a fresh schema.
// Usage: atelier_pg_bench --url URL --atelier PATH [--pgbench PATH] [--runs N] [--workers 1,2,4]
//                         [--only chain|fanout]
// ATELIER_BENCH_FANOUT=N sets the number of executions of fanout.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/core/validation.h"
#include "bench_util.h"

extern char** environ;

namespace atelier {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The worker processes running now (Workers adds and removes them): Die stops them too.
std::vector<pid_t>& Running() {
  static std::vector<pid_t> pids;
  return pids;
}

// Stops `pid` (SIGTERM; SIGKILL after 10 s) and waits for it; its exit status.
int Stop(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return status;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "atelier_pg_bench: %s\n", what.c_str());
  for (pid_t pid : Running()) Stop(pid);
  std::exit(1);
}

struct Options {
  std::string url;
  std::string atelier;
  std::string pgbench = "/usr/lib/postgresql/15/bin/pgbench";
  int runs = 3;
  std::vector<int> workers = {1, 2, 4};
  std::string only;
  fs::path dir;
};

// A schema of its own for one measurement, dropped when done.
class Schema {
 public:
  Schema(const std::string& server_url, const std::string& name)
      : server_(server_url), name_(name) {
    pqxx::connection c(server_);
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    tx.exec("CREATE SCHEMA " + name_);
  }
  ~Schema() {
    try {
      pqxx::connection c(server_);
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dropping schema %s: %s\n", name_.c_str(), e.what());
    }
  }
  const std::string& name() const { return name_; }
  // The server's URL with this schema as the search path (how a deployment names its schema).
  std::string url() const {
    return server_ + (server_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + name_;
  }

 private:
  std::string server_;
  std::string name_;
};

// The launching side, as `atelier serve --workers 0`: it runs no step.
std::unique_ptr<App> OpenLauncher(const std::string& url) {
  AppOptions o;
  o.db_path = url;
  o.workers = 0;
  auto app = App::Open(o);
  if (!app) Die("opening " + url + ": " + app.error().ToString());
  return std::move(*app);
}

TemplateRecord Register(App& app, const Json& doc) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(doc, &errors);
  if (!t) Die("bad bench template: " + errors.at(0).ToString());
  auto rec = app.engine().RegisterTemplate(App::kWorkspace, *t);
  if (!rec) Die("registering the template: " + rec.error().ToString());
  return *rec;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `atelier worker` processes on the schema, stopped (SIGTERM, then waited for) when destroyed.
class Workers {
 public:
  Workers(const Options& o, const std::string& url, int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) {
      const fs::path out = o.dir / (tag + "-" + std::to_string(i) + ".out");
      const fs::path err = o.dir / (tag + "-" + std::to_string(i) + ".err");
      std::vector<std::string> args = {o.atelier,      "worker",     "--db", url,
                                       "--no-credits", "--grace-ms", "1000", "--adopt-interval-ms",
                                       "2000"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      pid_t pid = -1;
      const int rc = posix_spawn(&pid, o.atelier.c_str(), &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (rc != 0) Die("starting " + o.atelier + ": " + std::strerror(rc));
      procs_.push_back({pid, out, err});
      Running().push_back(pid);
    }
  }
  ~Workers() {
    for (auto& p : procs_) kill(p.pid, SIGTERM);
    for (auto& p : procs_) {
      const int status = Stop(p.pid);
      auto& running = Running();
      running.erase(std::remove(running.begin(), running.end(), p.pid), running.end());
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        std::fprintf(stderr, "worker %d ended badly (status %d): %s\n", p.pid, status,
                     ReadAll(p.err).c_str());
    }
  }
  // Waits until every worker finished its first pass over the database (60 s at most).
  void WaitUp() {
    for (auto& p : procs_) {
      for (int i = 0;; ++i) {
        if (ReadAll(p.out).find("taken over at start") != std::string::npos) break;
        int status = 0;
        if (waitpid(p.pid, &status, WNOHANG) == p.pid) {
          auto& running = Running();
          running.erase(std::remove(running.begin(), running.end(), p.pid), running.end());
          Die("a worker ended: " + ReadAll(p.err));
        }
        if (i > 60000) Die("a worker did not come up: " + ReadAll(p.err));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }

 private:
  struct Proc {
    pid_t pid;
    fs::path out, err;
  };
  std::vector<Proc> procs_;
};

int64_t Count(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

// Microseconds per step of a 1,000-step chain run by `workers` workers (one of them takes it).
double RunChain(const Options& o, int workers, int run) {
  Schema schema(o.url, "bench_chain_" + std::to_string(workers) + "_" + std::to_string(run));
  auto app = OpenLauncher(schema.url());
  auto tmpl = Register(*app, bench::ChainTemplate(1000));
  Workers w(o, schema.url(), workers, "chain");
  w.WaitUp();
  const auto t0 = Clock::now();
  auto ex = app->engine().Launch(App::kWorkspace, tmpl, Json::object());
  if (!ex) Die("launch: " + ex.error().ToString());
  for (;;) {
    auto rec = app->store().GetExecution(App::kWorkspace, ex->id);
    if (!rec) Die("reading the execution: " + rec.error().ToString());
    if (rec->status == ExecStatus::kCompleted) break;
    if (rec->status == ExecStatus::kFailed || rec->status == ExecStatus::kStopped)
      Die("the chain ended " + std::string(ExecStatusName(rec->status)) + ": " + rec->error.dump());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Ms(Clock::now() - t0) * 1000.0 / 1000.0;
}

int FanoutSize() {
  const char* n = std::getenv("ATELIER_BENCH_FANOUT");
  return n ? std::max(1, std::atoi(n)) : 20000;
}

struct FanoutResult {
  double steps_per_s = 0;
  double startup_ms = 0;     // the same workers coming up on the same database with nothing queued
  double first_done_ms = 0;  // until the first execution completed (the queue full)
};

FanoutResult RunFanout(const Options& o, int workers, int run) {
  const int n = FanoutSize();
  Schema schema(o.url, "bench_fanout_" + std::to_string(workers) + "_" + std::to_string(run));
  auto app = OpenLauncher(schema.url());
  auto tmpl = Register(*app, bench::ChainTemplate(1));
  FanoutResult out;
  {
    const auto t0 = Clock::now();
    Workers idle(o, schema.url(), workers, "idle");
    idle.WaitUp();
    out.startup_ms = Ms(Clock::now() - t0);
  }
  // Queued from 8 threads at once (their commits share PostgreSQL's group commit); not timed.
  std::atomic<int> next{0};
  std::vector<std::thread> launchers;
  for (int t = 0; t < 8; ++t)
    launchers.emplace_back([&] {
      while (next.fetch_add(1) < n) {
        auto ex = app->engine().Launch(App::kWorkspace, tmpl, Json::object());
        if (!ex) Die("launch: " + ex.error().ToString());
      }
    });
  for (auto& t : launchers) t.join();
  pqxx::connection c(schema.url());
  const std::string done = "SELECT count(*) FROM executions WHERE status = 'completed'";
  const auto t0 = Clock::now();
  Workers w(o, schema.url(), workers, "fanout");
  for (;;) {
    const int64_t completed = Count(c, done);
    if (out.first_done_ms == 0 && completed > 0) out.first_done_ms = Ms(Clock::now() - t0);
    if (completed >= n) break;
    if (Clock::now() - t0 > std::chrono::minutes(10)) Die("fanout did not finish in 10 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out.steps_per_s = n / (Ms(Clock::now() - t0) / 1000.0);
  // Each step succeeded exactly once, whichever worker ran it.
  const int64_t succeeded =
      Count(c, "SELECT count(*) FROM events WHERE type = 'step_succeeded' AND step_id = 's0'");
  if (succeeded != n)
    Die(std::to_string(succeeded) + " step_succeeded events for " + std::to_string(n) + " steps");
  return out;
}

// pgbench on the store's own tables: per transaction, the step succeeds (its row updated), its
// event is appended at the next workspace position, the next step is inserted. Returns
// transactions per second.
double PgbenchFloor(const Options& o, const std::string& tag, int clients, int transactions) {
  Schema schema(o.url, "bench_floor_" + tag);
  { auto store = OpenLauncher(schema.url()); }  // the tables, by the store's migrations
  {
    pqxx::connection c(schema.url());
    pqxx::work tx(c);
    tx.exec(
        "INSERT INTO steps (execution_id, step_id, status) SELECT 'floor', 's' || g, 'ready' "
        "FROM generate_series(1, " +
        std::to_string(transactions) + ") g");
    tx.exec("CREATE SEQUENCE floor_k");
    tx.commit();
  }
  const fs::path script = o.dir / ("floor-" + tag + ".sql");
  std::ofstream(script)
      << "BEGIN;\n"
         "SELECT nextval('floor_k') AS k \\gset\n"
         "UPDATE steps SET status = 'succeeded', attempt = 1, output = '{\"text\":\"ok\"}', "
         "updated_at = :k, finished_at = :k WHERE execution_id = 'floor' AND step_id = 's' || :k;\n"
         "UPDATE event_positions SET last_gid = last_gid + 1 WHERE id = 1 RETURNING last_gid "
         "\\gset\n"
         "INSERT INTO events (gid, execution_id, seq, workspace_id, ts, type, step_id, payload) "
         "VALUES (:last_gid, 'floor', :k, 'default', :k, 'step_succeeded', 's' || :k, "
         "'{\"attempt\":1}');\n"
         "INSERT INTO steps (execution_id, step_id, status, created_at, updated_at) "
         "VALUES ('floor', 'n' || :k, 'ready', :k, :k);\n"
         "COMMIT;\n";
  const fs::path out = o.dir / ("floor-" + tag + ".out");
  const std::string cmd = "PGOPTIONS='-c search_path=" + schema.name() + "' " + o.pgbench +
                          " -n -f " + script.string() + " -c " + std::to_string(clients) + " -j " +
                          std::to_string(std::min(clients, 2)) + " -t " +
                          std::to_string(transactions / clients) + " '" + o.url + "' > " +
                          out.string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) Die("pgbench failed: " + ReadAll(out));
  const std::string text = ReadAll(out);
  const size_t at = text.find("tps = ");
  if (at == std::string::npos) Die("no tps in pgbench's output: " + text);
  if (text.find("number of failed transactions: 0") == std::string::npos &&
      text.find("failed") != std::string::npos)
    Die("pgbench transactions failed: " + text);
  return std::atof(text.c_str() + at + 6);
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : "%.0f", v);
  return buf;
}

void Print(const std::string& name, const std::vector<double>& values, const std::string& unit,
           const std::vector<double>& floor, bool higher_is_better) {
  const double med = bench::Median(values);
  std::string floor_text, ratio;
  if (!floor.empty()) {
    const double f = bench::Median(floor);
    floor_text = Num(f);
    ratio = Num(higher_is_better ? f / med : med / f) + "x";
  }
  std::printf("%-40s %10s %10s %10s %-8s %10s %7s\n", name.c_str(), Num(med).c_str(),
              Num(*std::min_element(values.begin(), values.end())).c_str(),
              Num(*std::max_element(values.begin(), values.end())).c_str(), unit.c_str(),
              floor_text.c_str(), ratio.c_str());
  std::fflush(stdout);
}

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const int v = std::atoi(item.c_str());
    if (v < 1 || v > 64) Die("--workers takes counts from 1 to 64, comma-separated: '" + s + "'");
    out.push_back(v);
  }
  if (out.empty()) Die("--workers needs at least one count");
  return out;
}

}  // namespace
}  // namespace atelier

int main(int argc, char** argv) {
  using namespace atelier;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--url" && has)
      o.url = argv[++i];
    else if (a == "--atelier" && has)
      o.atelier = argv[++i];
    else if (a == "--pgbench" && has)
      o.pgbench = argv[++i];
    else if (a == "--runs" && has)
      o.runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--workers" && has)
      o.workers = ParseList(argv[++i]);
    else if (a == "--only" && has)
      o.only = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: %s --url URL --atelier PATH [--pgbench PATH] [--runs N] "
                   "[--workers 1,2,4] [--only chain|fanout]\n",
                   argv[0]);
      return 64;
    }
  }
  if (o.url.empty() || o.atelier.empty()) Die("--url and --atelier are required");
  if (!o.only.empty() && o.only != "chain" && o.only != "fanout")
    Die("--only takes chain or fanout, not '" + o.only + "'");
  o.dir = fs::temp_directory_path() / ("atelier-pg-bench-" + std::to_string(getpid()));
  fs::create_directories(o.dir);
  const int n = FanoutSize();

  std::printf("\n%-40s %10s %10s %10s %-8s %10s %7s\n", "benchmark", "median", "min", "max", "unit",
              "floor", "ratio");
  for (const int w : o.workers) {
    const std::string ws = std::to_string(w) + (w == 1 ? " worker" : " workers");
    if (o.only.empty() || o.only == "chain") {
      std::vector<double> v, floor;
      for (int r = 0; r < o.runs; ++r) {
        v.push_back(RunChain(o, w, r));
        floor.push_back(1e6 / PgbenchFloor(o, "chain_" + std::to_string(r), 1, 1000));
      }
      Print("chain of 1,000 no-op steps, " + ws, v, "us/step", floor, false);
    }
    if (o.only.empty() || o.only == "fanout") {
      std::vector<double> v, startup, first_done, floor;
      for (int r = 0; r < o.runs; ++r) {
        const FanoutResult f = RunFanout(o, w, r);
        v.push_back(f.steps_per_s);
        startup.push_back(f.startup_ms);
        first_done.push_back(f.first_done_ms);
        // A rate: 2,000 transactions measure it as well as 20,000.
        floor.push_back(PgbenchFloor(o, "fanout_" + std::to_string(w) + "_" + std::to_string(r), w,
                                     std::min(n, 2000)));
      }
      Print(
          (n == 20000 ? std::string("20,000") : std::to_string(n)) + " one-step executions, " + ws,
          v, "steps/s", floor, true);
      Print("  starting the workers, nothing queued", startup, "ms", {}, false);
      Print("  until the first execution completed", first_done, "ms", {}, false);
    }
  }
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  std::printf(
      "\n%d runs each, medians; PostgreSQL with fsync and synchronous_commit on; %u hardware "
      "threads.\nfloor: pgbench on the same tables, one transaction per step (update the step, "
      "append its event\nat the next position, insert the next step); chain: 1 client; executions: "
      "one client per worker.\nratio: times the floor's cost\n",
      o.runs, std::thread::hardware_concurrency());
  return 0;
}
