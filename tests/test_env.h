// Shared helpers for the cross-module suites: temporary folders, an engine over real SQLite and
// the offline provider, and running the atelier binary.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

#include "atelier/core/validation.h"
#include "atelier/engine/engine.h"
#include "atelier/nodes/builtin.h"
#include "atelier/blob/local_blob_store.h"
#include "atelier/nodes/code/code_node.h"
#include "atelier/nodes/export/export_node.h"
#include "atelier/nodes/review/review_node.h"
#include "atelier/providers/offline/offline_provider.h"
#include "atelier/store/sqlite/sqlite_store.h"

namespace atelier::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("atelier-test-" + std::to_string(getpid()) + "-" +
                                         std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// An engine over a fresh SQLite file (or the store it is given), the local blob store and the
// offline provider.
class Harness {
 public:
  static constexpr const char* kWs = "default";

  // `store`: what the engine runs over, which two harnesses may share (as two processes share a
  // database); a fresh SQLite file in the harness's folder when null.
  explicit Harness(EngineOptions opts = {}, Clock* clock = nullptr,
                   std::vector<std::shared_ptr<Provider>> extra_providers = {},
                   std::shared_ptr<Store> store = nullptr) {
    if (store) {
      store_ = std::move(store);
    } else {
      auto opened = SqliteStore::Open(dir_ / "atelier.db");
      EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
      store_ = std::move(*opened);
    }
    EXPECT_TRUE(store_->EnsureWorkspace(kWs, "Default").ok());
    auto blobs = LocalBlobStore::Open(dir_ / "blobs");
    EXPECT_TRUE(blobs.has_value());
    blobs_ = std::move(*blobs);
    RegisterBuiltinNodes(&nodes_);
    RegisterCodeNode(&nodes_);
    RegisterReviewNodes(&nodes_);
    RegisterExportNodes(&nodes_);
    providers_.Add(std::make_shared<OfflineProvider>());
    for (auto& p : extra_providers) providers_.Add(p);
    if (opts.owner == "engine") opts.owner = "test:" + std::to_string(getpid()) + ":1";
    opts.poll_ms = 20;
    engine_ = std::make_unique<Engine>(store_.get(), blobs_.get(), &nodes_, &providers_,
                                       clock ? clock : &clock_, &ids_, opts);
  }
  ~Harness() { engine_.reset(); }

  Engine& engine() { return *engine_; }
  // For setup before anything runs (aliases); the engine reads it while executions run.
  ProviderRegistry& providers() { return providers_; }
  Store& store() { return *store_; }
  BlobStore& blobs() { return *blobs_; }

  // Parses, registers and launches a template given as JSON text.
  ExecutionRecord Launch(const std::string& tmpl_json, Json inputs = Json::object()) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(tmpl_json, &errors);
    std::string all;
    for (const auto& e : errors) all += e.ToString() + "\n";
    EXPECT_TRUE(t.has_value()) << all;
    auto rec = engine_->RegisterTemplate(kWs, *t);
    EXPECT_TRUE(rec.has_value()) << rec.error().ToString();
    auto ex = engine_->Launch(kWs, *rec, inputs);
    EXPECT_TRUE(ex.has_value()) << ex.error().ToString();
    return *ex;
  }

  ExecutionRecord RunToRest(const std::string& id) {
    Status s = engine_->Drive(kWs, id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto rec = engine_->WaitUntilRest(kWs, id);
    EXPECT_TRUE(rec.has_value());
    return *rec;
  }

  ExecutionRecord Run(const std::string& tmpl_json, Json inputs = Json::object()) {
    return RunToRest(Launch(tmpl_json, std::move(inputs)).id);
  }

  std::vector<StepRecord> Steps(const std::string& id) {
    auto s = store_->GetSteps(kWs, id);
    EXPECT_TRUE(s.has_value());
    return *s;
  }
  StepRecord Step(const std::string& id, const std::string& step) {
    for (auto& s : Steps(id))
      if (s.step_id == step) return s;
    ADD_FAILURE() << "no step " << step;
    return {};
  }
  std::vector<Event> Events(const std::string& id) {
    auto e = store_->ReadEvents(kWs, id, 0, 1000000);
    EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().ToString());
    return *e;
  }

 private:
  TempDir dir_;
  std::shared_ptr<Store> store_;
  std::unique_ptr<LocalBlobStore> blobs_;
  NodeRegistry nodes_;
  ProviderRegistry providers_;
  SystemClock clock_;
  RandomIdGenerator ids_;
  std::unique_ptr<Engine> engine_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Starts the atelier binary with `args` in `cwd`, stdout and stderr going to the given files, and
// `env` ("NAME=VALUE") added to this process's environment.
inline pid_t SpawnAtelier(const std::vector<std::string>& args, const std::string& cwd,
                          const std::string& out_path, const std::string& err_path,
                          const std::vector<std::string>& env = {}) {
  // Built before fork: the child only calls what is safe after forking a threaded process.
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  std::string bin = ATELIER_BIN;
  argv.push_back(bin.data());
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    bool replaced = false;
    for (const auto& mine : env_copy)
      replaced |= std::string_view(*e).starts_with(mine.substr(0, mine.find('=') + 1));
    if (!replaced) envp.push_back(*e);
  }
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    if (!freopen(out_path.c_str(), "w", stdout)) _exit(127);
    if (!freopen(err_path.c_str(), "w", stderr)) _exit(127);
    execve(bin.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for a child and returns its exit code (128 + signal when killed).
inline int Reap(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A spawned process that a failed assertion never leaves behind: killed and reaped on
// destruction unless Stop or Wait already reaped it.
struct ChildProcess {
  pid_t pid = -1;
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      Reap(pid);
    }
  }
  // Sends `sig` and returns the exit code (128 + signal when killed).
  int Stop(int sig) {
    kill(pid, sig);
    return Wait();
  }
  // Waits for the process to end by itself.
  int Wait() {
    int rc = Reap(pid);
    pid = -1;
    return rc;
  }
};

// What `atelier serve` prints when it is up: its port, and the admin key on a first start.
struct ServeBanner {
  int port = 0;  // 0: the server never said it was listening
  std::string admin_key;
};

// Reads the stdout file of a starting `atelier serve` until it says where it listens (at most
// `timeout_ms`).
inline ServeBanner WaitForServeBanner(const std::string& out_path, int timeout_ms = 20000) {
  ServeBanner b;
  for (int waited = 0; waited < timeout_ms && b.port == 0; waited += 10) {
    const std::string text = ReadAll(out_path);
    auto key = text.find("atl_");
    if (key != std::string::npos && text.size() >= key + 44) b.admin_key = text.substr(key, 44);
    auto p = text.find("listening on http://127.0.0.1:");
    if (p != std::string::npos && text.find('\n', p) != std::string::npos)
      b.port = std::stoi(text.substr(p + 30));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return b;
}

// Runs the atelier binary with `args` in `cwd` (and `env` added), capturing stdout and stderr.
inline CommandResult RunAtelier(const std::vector<std::string>& args, const std::string& cwd,
                                const std::vector<std::string>& env = {}) {
  TempDir tmp;
  std::string out_path = tmp / "stdout", err_path = tmp / "stderr";
  CommandResult r;
  r.exit_code = Reap(SpawnAtelier(args, cwd, out_path, err_path, env));
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  return r;
}

inline std::string SourcePath(const std::string& rel) {
  return std::string(ATELIER_SOURCE_DIR) + "/" + rel;
}

}  // namespace atelier::testing
