// `atelier notifications`: the outbound notification endpoints of the default workspace and the
// deliveries made to them (NotificationService, docs/notifications.md). `atelier serve` sends
// them; these commands list, make, change and resend.
#include <iomanip>
#include <iostream>

#include "atelier/app/notifications.h"
#include "commands.h"

namespace atelier {
namespace {

struct NotificationsOptions {
  Common common;
  CLI::App* list = nullptr;
  CLI::App* create = nullptr;
  CLI::App* show = nullptr;
  CLI::App* pause = nullptr;
  CLI::App* resume = nullptr;
  CLI::App* rotate = nullptr;
  CLI::App* del = nullptr;
  CLI::App* deliveries = nullptr;
  CLI::App* delivery = nullptr;
  CLI::App* resend = nullptr;
  std::string id;
  std::string name, url, tmpl;
  std::vector<std::string> events;
  bool paused = false;
  std::string endpoint, execution, status;
  int limit = 20;
};

void PrintEndpoint(const Json& e) {
  std::cout << "endpoint " << e["id"].get<std::string>() << " '" << e["name"].get<std::string>()
            << "'\n  url        "
            << (e["url"].is_string() ? e["url"].get<std::string>() : "each launch's notify.url")
            << "\n  events     ";
  for (size_t i = 0; i < e["events"].size(); ++i)
    std::cout << (i ? ", " : "") << e["events"][i].get<std::string>();
  std::cout << "\n  template   "
            << (e["template"].is_string() ? e["template"].get<std::string>() : "any")
            << (e["paused"].get<bool>() ? "\n  paused (deliveries wait)" : "") << "\n";
  if (e.contains("secret"))
    std::cout << "  secret     " << e["secret"].get<std::string>()
              << "\n             (shown only now; check signatures with it, "
                 "docs/notifications.md)\n";
}

void PrintDelivery(const Json& d) {
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : "-"; };
  std::cout << "delivery " << d["id"].get<std::string>() << " (" << d["status"].get<std::string>()
            << ")\n  event      " << d["event"].get<std::string>() << " of "
            << d["execution_id"].get<std::string>() << "\n  to         "
            << d["url"].get<std::string>() << " (endpoint " << d["endpoint_id"].get<std::string>()
            << ")\n  attempts   " << d["attempts"] << ", last " << text(d["last_attempt_at"]);
  if (d["last_status_code"].is_number()) std::cout << " -> HTTP " << d["last_status_code"];
  if (d["last_error"].is_string()) std::cout << "\n  error      " << text(d["last_error"]);
  if (d["next_attempt_at"].is_string()) std::cout << "\n  next       " << text(d["next_attempt_at"]);
  if (d["delivered_at"].is_string()) std::cout << "\n  delivered  " << text(d["delivered_at"]);
  std::cout << "\n";
}

int Notifications(const NotificationsOptions& o) {
  return WithApp(o.common, [&](App& app) {
    SystemClock clock;
    NotificationService svc(&app, &clock);
    const std::string ws = App::kWorkspace;
    auto endpoint = [&](const ServiceResult<EndpointRecord>& r, const char* verb, bool secret) {
      if (!r) return Fail(r.error());
      Json j = svc.ToJson(*r, secret);
      if (o.common.json) {
        std::cout << j.dump(2) << "\n";
      } else {
        if (*verb) std::cerr << verb << " endpoint " << r->id << "\n";
        PrintEndpoint(j);
      }
      return kExitOk;
    };
    auto delivery = [&](const ServiceResult<DeliveryRecord>& r, const char* verb) {
      if (!r) return Fail(r.error());
      Json j = svc.ToJson(*r, /*with_body=*/o.common.json);
      if (o.common.json) {
        std::cout << j.dump(2) << "\n";
      } else {
        if (*verb) std::cerr << verb << " delivery " << r->id << "\n";
        PrintDelivery(j);
      }
      return kExitOk;
    };
    if (o.create->parsed()) {
      Json body = {{"name", o.name}, {"url", o.url}};
      if (!o.events.empty()) body["events"] = o.events;
      if (!o.tmpl.empty()) body["template"] = o.tmpl;
      if (o.paused) body["paused"] = true;
      return endpoint(svc.Create(ws, body), "created", true);
    }
    if (o.show->parsed()) return endpoint(svc.Get(ws, o.id), "", false);
    if (o.pause->parsed())
      return endpoint(svc.Update(ws, o.id, {{"paused", true}}), "paused", false);
    if (o.resume->parsed())
      return endpoint(svc.Update(ws, o.id, {{"paused", false}}), "resumed", false);
    if (o.rotate->parsed()) return endpoint(svc.RotateSecret(ws, o.id), "rotated the secret of", true);
    if (o.del->parsed()) {
      auto r = svc.Delete(ws, o.id);
      if (!r) return Fail(r.error());
      std::cerr << "deleted endpoint " << o.id << "\n";
      return kExitOk;
    }
    if (o.delivery->parsed()) return delivery(svc.GetDelivery(ws, o.id), "");
    if (o.resend->parsed())
      return delivery(svc.Resend(ws, o.id), "will send again (by atelier serve)");
    if (o.deliveries->parsed()) {
      DeliveryFilter f;
      f.endpoint_id = o.endpoint;
      f.execution_id = o.execution;
      f.status = o.status;
      f.limit = o.limit;
      auto list = svc.ListDeliveries(ws, f);
      if (!list) return Fail(list.error());
      Json rows = Json::array();
      for (const auto& d : *list) rows.push_back(svc.ToJson(d));
      if (o.common.json) {
        std::cout << rows.dump(2) << "\n";
      } else if (rows.empty()) {
        std::cout << "No deliveries.\n";
      } else {
        std::cout << std::left << std::setw(30) << "ID" << std::setw(11) << "STATUS"
                  << std::setw(9) << "ATTEMPTS" << std::setw(21) << "EVENT"
                  << "EXECUTION\n";
        for (const Json& d : rows)
          std::cout << std::left << std::setw(30) << d["id"].get<std::string>() << std::setw(11)
                    << d["status"].get<std::string>() << std::setw(9)
                    << d["attempts"].get<int64_t>() << std::setw(21)
                    << d["event"].get<std::string>() << d["execution_id"].get<std::string>()
                    << "\n";
      }
      return kExitOk;
    }
    auto list = svc.List(ws);
    if (!list) return Fail(list.error());
    Json rows = Json::array();
    for (const auto& e : *list) rows.push_back(svc.ToJson(e));
    if (o.common.json) {
      std::cout << rows.dump(2) << "\n";
    } else {
      std::cout << std::left << std::setw(30) << "ID" << std::setw(20) << "NAME" << "URL\n";
      for (const Json& e : rows)
        std::cout << std::left << std::setw(30) << e["id"].get<std::string>() << std::setw(20)
                  << e["name"].get<std::string>()
                  << (e["url"].is_string() ? e["url"].get<std::string>()
                                           : "(each launch's notify.url)")
                  << (e["paused"].get<bool>() ? " (paused)" : "") << "\n";
    }
    return kExitOk;
  });
}

}  // namespace

Command AddNotifications(CLI::App& cli) {
  return MakeCommand(
      cli, "notifications",
      "Outbound notifications: endpoints told of finished executions, and their deliveries",
      [](CLI::App* c, NotificationsOptions& o) {
        c->require_subcommand(0, 1);
        AddDbAndJsonOptions(c, o.common);
        o.list = c->add_subcommand("list", "List the endpoints");
        AddDbAndJsonOptions(o.list, o.common);
        o.create = c->add_subcommand("create", "Make an endpoint; prints its secret once");
        o.create->add_option("NAME", o.name, "A name, unique in the workspace")->required();
        o.create->add_option("--url", o.url, "Where to POST (its host on the allow-list)")
            ->required();
        o.create->add_option("--event,-e", o.events,
                             "execution_completed, execution_failed, execution_stopped or "
                             "approval_requested (repeatable; none: all four)");
        o.create->add_option("--template,-t", o.tmpl, "Only executions of this template");
        o.create->add_flag("--paused", o.paused, "Create it paused (deliveries wait)");
        AddDbAndJsonOptions(o.create, o.common);
        for (auto [sub, name, help] :
             {std::tuple{&o.show, "show", "Show an endpoint (not its secret)"},
              std::tuple{&o.pause, "pause", "Hold its deliveries until resumed"},
              std::tuple{&o.resume, "resume", "Send again, the held deliveries first"},
              std::tuple{&o.rotate, "rotate", "A new signing secret, printed once"},
              std::tuple{&o.del, "delete", "Delete an endpoint (its deliveries stay)"}}) {
          *sub = c->add_subcommand(name, help);
          (*sub)->add_option("ID", o.id, "Endpoint id")->required();
          AddDbAndJsonOptions(*sub, o.common);
        }
        o.deliveries = c->add_subcommand("deliveries", "List deliveries, newest first");
        o.deliveries->add_option("--endpoint", o.endpoint, "Of this endpoint");
        o.deliveries->add_option("--execution", o.execution, "Of this execution");
        o.deliveries->add_option("--status", o.status, "pending, delivered or failed")
            ->check(CLI::IsMember({"pending", "delivered", "failed"}));
        o.deliveries->add_option("--limit,-n", o.limit, "At most this many (default 20)")
            ->check(CLI::Range(1, 500));
        AddDbAndJsonOptions(o.deliveries, o.common);
        for (auto [sub, name, help] :
             {std::tuple{&o.delivery, "delivery", "Show a delivery (--json: with its body)"},
              std::tuple{&o.resend, "resend",
                         "Send a delivered or failed delivery again (same id and body)"}}) {
          *sub = c->add_subcommand(name, help);
          (*sub)->add_option("ID", o.id, "Delivery id")->required();
          AddDbAndJsonOptions(*sub, o.common);
        }
      },
      &Notifications);
}

}  // namespace atelier
