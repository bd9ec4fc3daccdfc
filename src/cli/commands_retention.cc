// `atelier retention`: the default workspace's retention policy (RetentionService,
// docs/retention.md). Show it, set it, see what it would delete (nothing is deleted), or sweep
// now; `atelier serve` applies it in the background.
#include <iostream>

#include "atelier/app/retention.h"
#include "commands.h"

namespace atelier {
namespace {

struct RetentionCliOptions {
  Common common;
  CLI::App* show = nullptr;
  CLI::App* set = nullptr;
  CLI::App* preview = nullptr;
  CLI::App* run = nullptr;
  int max_age_days = 0;
  int keep_last = 0;
  bool forever = false;
};

std::string Bytes(int64_t n) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void PrintPolicy(const Json& p) {
  if (p["keeps_everything"].get<bool>()) {
    std::cout << "keeps everything (no retention rule)\n";
  } else {
    if (p["max_age_days"].is_number())
      std::cout << "delete finished executions older than " << p["max_age_days"] << " days"
                << (p["keep_last"].is_number() ? "," : "") << "\n";
    if (p["keep_last"].is_number())
      std::cout << (p["max_age_days"].is_number() ? "but keep" : "keep") << " the newest "
                << p["keep_last"] << " finished executions of each template\n";
  }
  const Json& last = p["last_sweep"];
  if (last.is_object())
    std::cout << "last sweep " << last["at"].get<std::string>() << ": deleted " << last["deleted"]
              << ", freed " << Bytes(last["freed"]["bytes"].get<int64_t>()) << "\n";
  std::cout << "deleted so far: " << p["totals"]["executions"] << " executions, "
            << Bytes(p["totals"]["bytes"].get<int64_t>()) << "\n";
}

void PrintKept(const Json& kept) {
  for (const auto& [why, n] : kept.items())
    std::cout << "  kept " << n << " for now (" << why << ")\n";
}

int Retention(const RetentionCliOptions& o) {
  return WithApp(o.common, [&](App& app) {
    SystemClock clock;
    RetentionService svc(&app, &clock);
    const std::string ws = App::kWorkspace;
    auto print = [&](const ServiceResult<Json>& r, void (*human)(const Json&)) {
      if (!r) return Fail(r.error());
      if (o.common.json) {
        std::cout << r->dump(2) << "\n";
      } else {
        human(*r);
      }
      return kExitOk;
    };
    // The policy the options give: a rule per option given, none with --forever.
    auto policy = [&] {
      Json p = Json::object();
      if (o.max_age_days > 0) p["max_age_days"] = o.max_age_days;
      if (o.keep_last > 0) p["keep_last"] = o.keep_last;
      return p;
    };
    if (o.set->parsed()) {
      if (!o.forever && o.max_age_days == 0 && o.keep_last == 0)
        return Fail("give --max-age-days, --keep-last (or both), or --forever", kExitUsage);
      if (o.forever && (o.max_age_days > 0 || o.keep_last > 0))
        return Fail("--forever keeps everything; it takes no other rule", kExitUsage);
      return print(svc.Set(ws, policy()), PrintPolicy);
    }
    if (o.preview->parsed()) {
      const bool proposed = o.max_age_days > 0 || o.keep_last > 0;
      return print(svc.Preview(ws, proposed ? policy() : Json()), [](const Json& r) {
        std::cout << "would delete "
                  << r["executions"].get<int64_t>() - r["sub_executions"].get<int64_t>()
                  << " executions (and " << r["sub_executions"]
                  << " sub-executions): " << r["steps"] << " steps, " << r["events"] << " events, "
                  << r["artifacts"] << " artifacts; frees " << r["blobs"] << " stored files, "
                  << Bytes(r["bytes"].get<int64_t>())
                  << (r["truncated"].get<bool>() ? " (the first 10,000 only)" : "") << "\n";
        for (const Json& e : r["examples"])
          std::cout << "  " << e["id"].get<std::string>() << "  " << e["status"].get<std::string>()
                    << "  finished "
                    << (e["finished_at"].is_string() ? e["finished_at"].get<std::string>() : "-")
                    << "\n";
      });
    }
    if (o.run->parsed()) {
      return print(svc.RunNow(ws), [](const Json& r) {
        std::cout << "deleted " << r["deleted"] << " executions (" << r["freed"]["executions"]
                  << " with sub-executions), removed " << r["blobs_removed"] << " stored files, "
                  << Bytes(r["bytes_removed"].get<int64_t>())
                  << (r["complete"].get<bool>() ? "" : "; more remain for the next sweep") << "\n";
        PrintKept(r["kept"]);
      });
    }
    return print(svc.Get(ws), PrintPolicy);
  });
}

}  // namespace

Command AddRetention(CLI::App& cli) {
  return MakeCommand(
      cli, "retention",
      "Retention: delete finished executions older than N days or beyond the newest K per "
      "template",
      [](CLI::App* c, RetentionCliOptions& o) {
        c->require_subcommand(0, 1);
        AddDbAndJsonOptions(c, o.common);
        o.show = c->add_subcommand("show", "Show the policy and what its sweeps deleted");
        AddDbAndJsonOptions(o.show, o.common);
        o.set = c->add_subcommand("set", "Set the policy (rules not given are cleared)");
        o.preview = c->add_subcommand(
            "preview", "Dry run: what the policy (or the rules given) would delete now");
        for (CLI::App* sub : {o.set, o.preview}) {
          sub->add_option("--max-age-days", o.max_age_days,
                          "Delete finished executions that finished more than N days ago")
              ->check(CLI::Range(1, 36500));
          sub->add_option("--keep-last", o.keep_last,
                          "Keep the newest K finished executions of each template")
              ->check(CLI::Range(1, 1000000));
          AddDbAndJsonOptions(sub, o.common);
        }
        o.set->add_flag("--forever", o.forever, "Keep everything (no rule)");
        o.run = c->add_subcommand("run", "Sweep now (atelier serve also does, every 5 minutes)");
        AddDbAndJsonOptions(o.run, o.common);
      },
      Retention);
}

}  // namespace atelier
