// The workspace: who is calling, credits (balance, ledger, grants) and API keys.
#include "atelier/api/records_json.h"
#include "api.h"
#include "atelier/server/api_keys.h"

namespace atelier::api {
namespace {

Json KeyJson(const ApiKeyRecord& k) {
  return {{"id", k.id},
          {"role", RoleName(k.role)},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", FormatTimestamp(k.created_at)},
          {"revoked_at", k.revoked_at ? Json(FormatTimestamp(k.revoked_at)) : Json()}};
}

Json EntryJson(const LedgerEntry& e) {
  return {{"id", e.id},
          {"kind", LedgerKindName(e.kind)},
          {"amount", e.amount},
          {"key", e.key},
          {"reservation_key", e.reservation_key},
          {"execution_id", e.execution_id},
          {"step", e.step_id},
          {"note", e.note},
          {"created_at", FormatTimestamp(e.created_at)}};
}

Json BalanceJson(const CreditBalance& b) {
  return {{"unit", "micro-credits"},
          {"balance", b.balance},
          {"reserved", b.reserved},
          {"granted", b.granted},
          {"spent", b.spent}};
}

ApiResult Workspace(Call& c) {
  auto ws = c.app().accounts().GetWorkspace(c.ws());
  if (!ws) return Fail(ws.error());
  return Ok({{"id", ws->id},
             {"name", ws->name},
             {"created_at", FormatTimestamp(ws->created_at)},
             {"key", {{"id", c.key.id}, {"role", RoleName(c.key.role)}, {"name", c.key.name}}}});
}

ApiResult Balance(Call& c) {
  auto b = c.app().accounts().GetBalance(c.ws());
  if (!b) return Fail(b.error());
  return Ok(BalanceJson(*b));
}

ApiResult Ledger(Call& c) {
  LedgerFilter f;
  auto after = QueryInt(c, "cursor", 0, 0, int64_t{1} << 53);
  if (!after) return Fail(after.error());
  auto limit = QueryInt(c, "limit", 100, 1, 1000);
  if (!limit) return Fail(limit.error());
  std::string order = Query(c, "order");
  if (!order.empty() && order != "oldest" && order != "newest")
    return Fail(BadRequest("query parameter 'order' must be oldest or newest, got '" + order + "'",
                           "order"));
  f.newest_first = order == "newest";
  (f.newest_first ? f.before_id : f.after_id) = *after;
  f.execution_id = Query(c, "execution_id");
  f.limit = static_cast<int>(*limit) + 1;
  auto list = c.app().accounts().ListLedger(c.ws(), f);
  if (!list) return Fail(list.error());
  return Ok(PageOf(
      *list, *limit, [](const LedgerEntry& e) { return EntryJson(e); },
      [](const LedgerEntry& e) { return std::to_string(e.id); }));
}

ApiResult Grant(Call& c) {
  auto body = ParseBody(c, {{"amount", JType::kInteger, true}, {"note", JType::kString}});
  if (!body) return Fail(body.error());
  auto granted = c.svc.accounts->Grant(c.ws(), (*body)["amount"].get<int64_t>(),
                                       body->value("note", ""), c.key.id);
  if (!granted) return Fail(granted.error());
  return Ok({{"entry", EntryJson(granted->entry)},
             {"balance", BalanceJson(granted->balance)},
             {"resumed", granted->resumed}},
            201);
}

ApiResult ListKeys(Call& c) {
  auto list = c.app().accounts().ListApiKeys(c.ws());
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& k : *list) items.push_back(KeyJson(k));
  return Ok({{"items", items}});
}

ApiResult CreateKey(Call& c) {
  auto body = ParseBody(c, {{"role", JType::kString, true}, {"name", JType::kString}});
  if (!body) return Fail(body.error());
  std::string role_name = (*body)["role"].get<std::string>();
  auto role = RoleFromName(role_name);
  if (!role)
    return Fail(BadRequest("field 'role' must be viewer, editor or admin, got '" + role_name + "'",
                           "role"));
  auto key = CreateApiKey(c.app().accounts(), c.ws(), *role, body->value("name", ""), NowMs());
  if (!key) return Fail(key.error());
  Json j = KeyJson(key->record);
  j["secret"] = key->secret;  // shown once; only its SHA-256 is stored
  return Ok(j, 201);
}

ApiResult RevokeKey(Call& c) {
  auto k = c.app().accounts().RevokeApiKey(c.ws(), c.param("id"), NowMs());
  if (!k) return Fail(k.error());
  c.svc.keys.Invalidate();  // committed: from the next request on, the key is refused
  return Ok(KeyJson(*k));
}

}  // namespace

void AddAccountRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, A = Role::kAdmin;
  r->push_back(
      {{"GET", "/api/v1/workspace", true, V, "The caller's workspace and key"}, Workspace});
  r->push_back({{"GET", "/api/v1/credits", true, V, "Credit balance (micro-credits)"}, Balance});
  r->push_back({{"GET", "/api/v1/credits/ledger", true, V,
                 "Ledger entries, oldest first (order=newest: newest first)"},
                Ledger,
                {"cursor", "execution_id", "limit", "order"}});
  r->push_back(
      {{"POST", "/api/v1/credits/grants", true, A, "Grant credits to the workspace"},
       Grant,
       {},
       {{"type", "object"},
        {"additionalProperties", false},
        {"required", {"amount"}},
        {"properties",
         {{"amount", {{"type", "integer"}, {"minimum", 1}}}, {"note", {{"type", "string"}}}}}},
       201});
  r->push_back({{"GET", "/api/v1/keys", true, A, "API keys of the workspace"}, ListKeys});
  r->push_back({{"POST", "/api/v1/keys", true, A, "Create an API key (the secret is shown once)"},
                CreateKey,
                {},
                {{"type", "object"},
                 {"additionalProperties", false},
                 {"required", {"role"}},
                 {"properties",
                  {{"role", {{"type", "string"}, {"enum", {"viewer", "editor", "admin"}}}},
                   {"name", {{"type", "string"}}}}}},
                201});
  r->push_back({{"DELETE", "/api/v1/keys/{id}", true, A, "Revoke an API key"}, RevokeKey});
}

}  // namespace atelier::api
