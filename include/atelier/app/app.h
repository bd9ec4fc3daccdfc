// App: the one place that names the concrete classes and wires them together: SQLite store, local
// blob directory, offline provider, built-in nodes, system clock, and the engine over them.
// Owned by the CLI; the engine inside is thread-safe, the rest is set up once.
#pragma once

#include <memory>
#include <string>

#include "atelier/app/builtin_catalog.h"
#include "atelier/core/status.h"
#include "atelier/store/accounts.h"
#include "atelier/engine/engine.h"
#include "atelier/engine/price_table.h"

namespace atelier {

class HostAllowList;

struct AppOptions {
  std::string db_path = "atelier.db";
  std::string blob_dir;  // "" = beside the database: <dir>/<stem>-blobs
  // Worker threads for steps; 0: this process runs no steps at all (EngineOptions::drive false,
  // `atelier serve --workers 0`), a worker process on the same database runs them.
  int workers = 8;
  int max_concurrency = 8;
  int max_step_crashes = 3;  // see EngineOptions::max_step_crashes
  int64_t lease_ms = 30000;  // see EngineOptions::lease_ms
  // The providers file (see providers_config.h); "" = only the built-in offline provider.
  std::string providers_file;
  // Charge provider calls to the workspace's credits (reserve, settle, pause when short): on for
  // `atelier serve`, off for the CLI's own runs. See EngineOptions::credits.
  bool credits = false;
};

class App {
 public:
  static constexpr const char* kWorkspace = "default";

  // Opens the database (migrating it) and gives the default workspace the built-in templates.
  static Result<std::unique_ptr<App>> Open(const AppOptions& opts);
  ~App();

  // Makes sure the workspace exists (created with `name`) and has the built-in templates.
  Result<std::vector<SeedOutcome>> EnsureWorkspace(const std::string& id, const std::string& name);
  // Brings the workspace's built-in templates up to the catalog in this binary (idempotent).
  Result<std::vector<SeedOutcome>> SeedCatalog(const std::string& ws);
  // What Open's seeding of the default workspace did (for the server's log).
  const std::vector<SeedOutcome>& seeded_at_open() const { return seeded_at_open_; }

  Engine& engine() { return *engine_; }
  Store& store() { return *store_; }
  // The same backend as store(), seen through its accounts interface (keys, ledger, catalog).
  AccountStore& accounts() { return *accounts_; }
  BlobStore& blobs() { return *blobs_; }
  const std::string& owner() const { return owner_; }
  const ProviderRegistry& providers() const { return providers_; }
  const PriceTable& prices() const { return *prices_; }
  // Whether provider calls are charged to workspace credits (AppOptions::credits).
  bool charges_credits() const { return charges_credits_; }
  // The hosts outbound calls may reach (the providers file's "http": {"allow_hosts"}): the `http`
  // node's and the notifications' list.
  const HostAllowList& http_allow() const { return *http_allow_; }
  std::shared_ptr<const HostAllowList> shared_http_allow() const { return http_allow_; }

 private:
  App() = default;
  std::string owner_;
  bool charges_credits_ = false;
  std::vector<SeedOutcome> seeded_at_open_;
  std::unique_ptr<Store> store_;
  AccountStore* accounts_ = nullptr;  // store_ itself
  std::unique_ptr<BlobStore> blobs_;
  NodeRegistry nodes_;
  ProviderRegistry providers_;
  std::shared_ptr<const PriceTable> prices_;
  std::shared_ptr<const HostAllowList> http_allow_;
  SystemClock clock_;
  RandomIdGenerator ids_;
  std::unique_ptr<Engine> engine_;  // last: destroyed first
};

// This process's lease owner id: "HOST:PID:NONCE".
std::string ProcessOwnerId();
// True when `owner` names a process on this host that no longer exists.
bool OwnerProcessIsGone(const std::string& owner);

}  // namespace atelier
