// The credit grant route over a fake AccountService: no engine, no database.
#include <gtest/gtest.h>

#include "api.h"

namespace atelier::api {
namespace {

class FakeAccounts : public AccountService {
 public:
  ServiceResult<GrantOutcome> Grant(const std::string& ws, int64_t amount, const std::string& note,
                                    const std::string& granted_by) override {
    seen = ws + " " + std::to_string(amount) + " '" + note + "' " + granted_by;
    return answer;
  }
  std::string seen;
  ServiceResult<GrantOutcome> answer = GrantOutcome{};
};

struct Answer {
  int status = 0;
  Json body;
};

Answer Grant(FakeAccounts* fake, const std::string& body) {
  Services svc;
  svc.accounts = fake;
  const Route* route = nullptr;
  for (const auto& r : AllRoutes())
    if (r.info.method == "POST" && r.info.pattern == "/api/v1/credits/grants") route = &r;
  EXPECT_NE(route, nullptr);
  if (!route) return {};
  HttpRequest req;
  req.method = "POST";
  req.body = body;
  HttpResponse res;
  ApiKeyRecord key;
  key.id = "key_admin";
  key.workspace_id = "ws_1";
  Call call{req, res, svc, {}, key};
  ApiResult r = route->handler(call);
  if (!r) return {r.error().status, ErrorBody(r.error())};
  return {r->status, r->body};
}

TEST(AccountRoutesOverFakes, AGrantAnswers201WithTheEntryTheBalanceAndWhatResumed) {
  FakeAccounts fake;
  GrantOutcome out;
  out.entry.id = 7;
  out.entry.kind = LedgerKind::kGrant;
  out.entry.amount = 5000;
  out.entry.key = "grant_abc";
  out.entry.note = "granted by key_admin";
  out.balance.balance = 5000;
  out.balance.granted = 5000;
  out.resumed = 2;
  fake.answer = out;
  Answer a = Grant(&fake, R"({"amount": 5000})");
  EXPECT_EQ(fake.seen, "ws_1 5000 '' key_admin");
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(a.body["entry"]["id"], 7);
  EXPECT_EQ(a.body["entry"]["kind"], "grant");
  EXPECT_EQ(a.body["entry"]["key"], "grant_abc");
  EXPECT_EQ(a.body["balance"]["balance"], 5000);
  EXPECT_EQ(a.body["balance"]["unit"], "micro-credits");
  EXPECT_EQ(a.body["resumed"], 2);
}

TEST(AccountRoutesOverFakes, ARefusedGrantAnswers400NamingTheField) {
  FakeAccounts fake;
  fake.answer = ServiceFail(
      {InvalidArgument("field 'amount' must be a positive number of micro-credits"), "amount"});
  Answer a = Grant(&fake, R"({"amount": -1, "note": "x"})");
  EXPECT_EQ(fake.seen, "ws_1 -1 'x' key_admin");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body,
            (Json{{"error",
                   {{"code", "invalid_argument"},
                    {"message", "field 'amount' must be a positive number of micro-credits"},
                    {"details", {{"field", "amount"}}}}}}));
}

}  // namespace
}  // namespace atelier::api
