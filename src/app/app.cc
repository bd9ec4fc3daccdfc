#include "atelier/app/app.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "fault_injection.h"
#include "providers_config.h"
#include "atelier/nodes/builtin.h"
#include "atelier/blob/local_blob_store.h"
#include "atelier/nodes/code/code_node.h"
#include "atelier/nodes/export/export_node.h"
#include "atelier/nodes/http/http_node.h"
#include "atelier/providers/http/curl_http_client.h"
#include "atelier/providers/http/host_allow_list.h"
#include "atelier/nodes/review/review_node.h"
#include "atelier/providers/offline/offline_provider.h"
#include "atelier/store/postgres/postgres_blob_store.h"
#include "atelier/store/postgres/postgres_store.h"
#include "atelier/store/sqlite/sqlite_store.h"

namespace atelier {
namespace {
std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}
}  // namespace

std::string ProcessOwnerId() {
  static const std::string id = [] {
    std::random_device rd;
    char nonce[16];
    std::snprintf(nonce, sizeof nonce, "%08x", static_cast<unsigned>(rd()));
    return HostName() + ":" + std::to_string(getpid()) + ":" + nonce;
  }();
  return id;
}

bool OwnerProcessIsGone(const std::string& owner) {
  auto first = owner.find(':');
  if (first == std::string::npos) return false;
  auto second = owner.find(':', first + 1);
  if (second == std::string::npos) return false;
  if (owner.substr(0, first) != HostName()) return false;  // another machine: wait for the lease
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(owner.substr(first + 1, second - first - 1)));
  } catch (...) {
    return false;
  }
  if (pid <= 0) return false;
  if (pid == getpid()) return owner != ProcessOwnerId();  // our pid, an earlier life
  if (kill(pid, 0) != 0) return errno == ESRCH;
  // A zombie (exited, not yet reaped by its parent) runs nothing either.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return false;
  char state = text[paren + 2];
  return state == 'Z' || state == 'X';
}

Result<std::unique_ptr<App>> App::Open(const AppOptions& opts) {
  std::unique_ptr<App> app(new App());
  app->owner_ = ProcessOwnerId();
  // --db names a SQLite file, or a PostgreSQL database by URL (libpq fills in what the URL
  // leaves out from the PG* environment variables).
  const bool postgres = PostgresStore::IsUrl(opts.db_path);
  if (postgres) {
    auto store = PostgresStore::Open(opts.db_path);
    if (!store) return Err(store.error());
    app->store_ = std::move(*store);
  } else {
    auto store = SqliteStore::Open(opts.db_path);
    if (!store) return Err(store.error());
    app->store_ = std::move(*store);
  }
  app->accounts_ = dynamic_cast<AccountStore*>(app->store_.get());
  if (!app->accounts_)
    return Err(Internal("the store backend does not implement AccountStore (workspaces, API keys, "
                        "credits); this build cannot serve the API"));

  std::string blob_dir = opts.blob_dir;
  if (blob_dir.empty() && postgres) {
    // On PostgreSQL artifacts live in the database too, so processes share nothing else; a
    // blob folder given explicitly still wins.
    auto blobs = PostgresBlobStore::Open(opts.db_path);
    if (!blobs) return Err(blobs.error());
    app->blobs_ = std::move(*blobs);
  } else {
    if (blob_dir.empty()) {
      std::filesystem::path db(opts.db_path);
      blob_dir = (db.parent_path() / (db.stem().string() + "-blobs")).string();
    }
    auto blobs = LocalBlobStore::Open(blob_dir);
    if (!blobs) return Err(blobs.error());
    app->blobs_ = std::move(*blobs);
  }

  RegisterBuiltinNodes(&app->nodes_);
  RegisterCodeNode(&app->nodes_);
  RegisterReviewNodes(&app->nodes_);
  RegisterExportNodes(&app->nodes_);
  app->providers_.Add(std::make_shared<OfflineProvider>());
  auto prices = std::make_shared<PriceTable>();
  std::vector<std::string> http_allow;
  if (!opts.providers_file.empty()) {
    Status s = LoadProvidersFile(opts.providers_file, &app->providers_, &app->clock_,
                                 [](const std::string& name) {
                                   const char* v = std::getenv(name.c_str());
                                   return std::string(v ? v : "");
                                 },
                                 prices.get(), &http_allow,
                                 app->store_->OpenLimitCounter(app->owner_, opts.lease_ms));
    if (!s.ok()) return Err(s);
  }
  app->prices_ = prices;
  app->charges_credits_ = opts.credits;
  app->http_allow_ = std::make_shared<const HostAllowList>(http_allow);
  RegisterHttpNode(&app->nodes_, std::make_shared<CurlHttpClient>(), http_allow);
  // Crash tests only (see fault_injection.h): read once, here.
  if (const char* node = std::getenv(kFaultAbortStepEnv); node && *node)
    InjectAbortAtStep(&app->nodes_, node);

  EngineOptions eo;
  eo.workers = std::max(opts.workers, 1);  // the pool is never used when it drives nothing
  eo.drive = opts.workers > 0;
  eo.max_concurrency = opts.max_concurrency;
  eo.max_step_crashes = opts.max_step_crashes;
  eo.lease_ms = opts.lease_ms;
  eo.owner = app->owner_;
  eo.owner_is_dead = OwnerProcessIsGone;
  eo.prices = prices;
  eo.credits = opts.credits;
  app->engine_ = std::make_unique<Engine>(app->store_.get(), app->blobs_.get(), &app->nodes_,
                                          &app->providers_, &app->clock_, &app->ids_, eo);
  auto seeded = app->EnsureWorkspace(kWorkspace, "Default workspace");
  if (!seeded) return Err(seeded.error());
  app->seeded_at_open_ = std::move(*seeded);
  return app;
}

Result<std::vector<SeedOutcome>> App::EnsureWorkspace(const std::string& id,
                                                      const std::string& name) {
  if (Status s = store_->EnsureWorkspace(id, name); !s.ok()) return Err(s);
  return SeedCatalog(id);
}

Result<std::vector<SeedOutcome>> App::SeedCatalog(const std::string& ws) {
  auto catalog = BuiltinCatalog();
  if (!catalog) return Err(Internal(catalog.error().message()));
  return SeedBuiltinTemplates(*engine_, *store_, ws, *catalog);
}

App::~App() {
  if (engine_) engine_->Shutdown();
}

}  // namespace atelier
