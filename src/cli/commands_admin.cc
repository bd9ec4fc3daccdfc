// Commands on the workspace and the service: templates (and templates clone), serve, keys create.
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "atelier/engine/clock.h"
#include "commands.h"
#include "output.h"
#include "atelier/server/api_keys.h"
#include "atelier/server/server.h"

namespace atelier {
namespace {

// `templates` and `templates clone` share these, so an option given before `clone` counts too.
struct TemplatesOptions {
  Common common;
  CLI::App* clone = nullptr;
  std::string tmpl;  // clone: id or name
  std::string clone_name;
};

int ListAll(App& app, const TemplatesOptions& o) {
  TemplateFilter f;
  f.limit = 0;
  auto list = app.accounts().ListTemplates(App::kWorkspace, f);
  if (!list) return Fail(list.error());
  PrintTemplates(*list, o.common.json);
  return kExitOk;
}

int CloneOne(App& app, const TemplatesOptions& o) {
  std::string tid = o.tmpl;
  if (auto by_name = app.store().FindTemplate(App::kWorkspace, o.tmpl)) tid = by_name->id;
  auto rec = CloneTemplate(app.engine(), app.store(), App::kWorkspace, tid, 0, o.clone_name);
  if (!rec) return Fail(rec.error());
  PrintTemplates({*rec}, o.common.json);
  return kExitOk;
}

int Templates(const TemplatesOptions& o) {
  return WithApp(o.common,
                 [&](App& app) { return o.clone->parsed() ? CloneOne(app, o) : ListAll(app, o); });
}

struct ServeOptions {
  Common common;
  std::string listen = "127.0.0.1:8080";
  ServerOptions server;
  int64_t grace_ms = 5000;
  bool no_credits = false;
};

// The API until SIGTERM, SIGINT or SIGHUP (a closed terminal), then a graceful shutdown (exit 0).
int Serve(const ServeOptions& o) {
  ServerOptions opts = o.server;
  if (Status s = ParseListenAddress(o.listen, &opts.host, &opts.port); !s.ok())
    return Fail(s.message(), kExitUsage);
  // Blocked before any thread starts, so only sigwait below receives them.
  const sigset_t set = BlockStopSignals();
  Common common = o.common;
  common.credits = !o.no_credits;
  auto app = OpenApp(common);
  if (!app) return Fail(app.error());
  auto first = BootstrapAdminKey(**app, SystemClock().NowMs());
  if (!first) return Fail(first.error());
  if (*first) {
    std::cout << "No API keys yet: created an admin key for workspace '" << App::kWorkspace
              << "'. It is shown only this once:\n"
              << (*first)->secret << std::endl;
  }
  Server server(app->get(), opts);
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  std::cout << "listening on http://" << opts.host << ":" << server.port() << std::endl;
  const std::string base = "http://" + opts.host + ":" + std::to_string(server.port());
  std::cout << "web UI: " << base << "/" << std::endl;
  // On a fresh start, one click signs a browser in (the link works once).
  if (*first)
    std::cout << "sign in (this link works once): " << base
              << server.SignInPath((*first)->secret) << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop(o.grace_ms);
  return kExitOk;
}

void AddServerOptions(CLI::App* c, ServerOptions& s) {
  c->add_option("--http-threads", s.threads,
                "Threads that run request handlers (connections and event streams hold none)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  c->add_option("--max-connections", s.max_connections, "Open connections in all (more answer 503)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  c->add_option("--max-connections-per-client", s.max_connections_per_client,
                "Open connections per client address (more answer 503)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  c->add_option("--max-unauthenticated-per-client", s.max_unauthenticated_per_client,
                "Per client address, connections that have not shown an API key; over it the "
                "oldest idle one is closed")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  c->add_option("--header-timeout-ms", s.header_timeout_ms,
                "Time for a request's headers to arrive (and keep-alive idle time)")
      ->check(CLI::Range(int64_t{100}, int64_t{3600000}))
      ->capture_default_str();
  c->add_option("--max-body", s.max_body_bytes, "Largest request body, bytes")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  c->add_option("--ui-dir", s.ui_dir,
                "Serve the web UI from this folder (e.g. web/dist) instead of the copy built into "
                "the binary")
      ->check(CLI::ExistingDirectory);
  c->add_option("--cors-origin", s.cors_origins,
                "Let pages of this origin (scheme://host[:port]) call the API cross-origin with "
                "an API key; repeatable. By default no other origin may")
      ->check([](const std::string& o) -> std::string {
        if (o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0)
          return "'" + o + "' is not an origin such as https://dash.example.com";
        if (o.back() == '/') return "'" + o + "' ends with '/'; an origin has no path";
        return "";
      });
  c->add_option("--heartbeat-ms", s.heartbeat_ms, "Heartbeat interval of idle event streams")
      ->check(CLI::Range(int64_t{10}, int64_t{3600000}))
      ->capture_default_str();
  c->add_option("--stream-poll-ms", s.stream_poll_ms,
                "How often event streams look for events committed by other processes on the "
                "database (on PostgreSQL their commits also ring at once; this is the safety net)")
      ->check(CLI::Range(int64_t{10}, int64_t{3600000}))
      ->capture_default_str();
  c->add_option("--adopt-interval-ms", s.adopt_interval_ms,
                "How often to look for executions to take over (left queued by a process that "
                "runs no steps, or by one that died)")
      ->check(CLI::Range(int64_t{50}, int64_t{600000}))
      ->capture_default_str();
  c->add_option("--retention-interval-ms", s.retention_interval_ms,
                "How often the workspaces' retention policies are applied (docs/retention.md)")
      ->check(CLI::Range(int64_t{1000}, int64_t{86400000}))
      ->capture_default_str();
  c->add_option("--retention-blob-grace-ms", s.retention_options.blob_grace_ms,
                "A stored file put within this time stays even when nothing names it yet "
                "(a step may be about to); longer than any step takes to commit what it stored")
      ->check(CLI::Range(int64_t{60000}, int64_t{604800000}))
      ->capture_default_str();
}

struct KeysOptions {
  Common common;
  std::string workspace, role, name;
};

// keys create: prints the new key's secret (once) on stdout, what it is on stderr.
int CreateKey(const KeysOptions& o) {
  return WithApp(o.common, [&](App& app) {
    if (auto made = app.EnsureWorkspace(o.workspace, o.workspace); !made) return Fail(made.error());
    auto key = CreateApiKey(app.accounts(), o.workspace, *RoleFromName(o.role), o.name,
                            SystemClock().NowMs());
    if (!key) return Fail(key.error());
    std::cout << key->secret << std::endl;
    std::cerr << "created " << o.role << " key " << key->record.id << " for workspace "
              << o.workspace << "; the secret above is shown only once\n";
    return kExitOk;
  });
}

}  // namespace

Command AddTemplates(CLI::App& cli) {
  return MakeCommand(
      cli, "templates", "List the templates (built-ins marked)",
      [](CLI::App* c, TemplatesOptions& o) {
        c->require_subcommand(0, 1);
        AddDbAndJsonOptions(c, o.common);
        o.clone = c->add_subcommand(
            "clone", "Copy a template (a built-in, say) under a new name, as an editable template");
        o.clone->add_option("TEMPLATE", o.tmpl, "Template id or name")->required();
        o.clone->add_option("NAME", o.clone_name, "Name of the copy")->required();
        AddDbAndJsonOptions(o.clone, o.common);
      },
      &Templates);
}

Command AddServe(CLI::App& cli) {
  return MakeCommand(
      cli, "serve", "Serve the REST API (docs/api.md) and run executions",
      [](CLI::App* c, ServeOptions& o) {
        AddDbOption(c, o.common);
        AddRunOptions(c, o.common, /*min_workers=*/0);
        c->add_option("--listen", o.listen, "HOST:PORT to listen on (PORT 0: any free port)")
            ->capture_default_str();
        AddServerOptions(c, o.server);
        c->add_flag("--no-credits", o.no_credits,
                    "Do not charge provider calls to workspace credits (by default a paid step "
                    "reserves its estimate first and pauses its execution when the workspace is "
                    "short)");
        c->add_option("--grace-ms", o.grace_ms,
                      "On SIGTERM/SIGINT: how long running steps get to commit before they are "
                      "handed back")
            ->check(CLI::Range(int64_t{0}, int64_t{600000}))
            ->capture_default_str();
      },
      &Serve);
}

// `keys` has one subcommand, create, which it requires.
Command AddKeys(CLI::App& cli) {
  return MakeCommand(
      cli, "keys", "Manage API keys",
      [](CLI::App* c, KeysOptions& o) {
        c->require_subcommand(1);
        CLI::App* create = c->add_subcommand("create", "Make an API key; prints its secret once");
        AddDbOption(create, o.common);
        create->add_option("--workspace", o.workspace, "Workspace id (created when absent)")
            ->required();
        create->add_option("--role", o.role, "viewer, editor or admin")
            ->required()
            ->check(CLI::IsMember({"viewer", "editor", "admin"}));
        create->add_option("--name", o.name, "A label for the key");
      },
      &CreateKey);
}

}  // namespace atelier
