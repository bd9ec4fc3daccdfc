// EngineAccountService: AccountService over the App's store, account store and engine.
// Borrows the App, which must outlive it. Thread-safe (as the engine and the store are).
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "atelier/app/account_service.h"
#include "atelier/app/app.h"

namespace atelier {

class EngineAccountService : public AccountService {
 public:
  // `new_grant_key`: a fresh, unique ledger key for each grant ("grant_" + random hex).
  EngineAccountService(App* app, std::function<std::string()> new_grant_key)
      : app_(app), new_grant_key_(std::move(new_grant_key)) {}

  ServiceResult<GrantOutcome> Grant(const std::string& ws, int64_t amount, const std::string& note,
                                    const std::string& granted_by) override;

 private:
  App* app_;
  std::function<std::string()> new_grant_key_;
};

}  // namespace atelier
