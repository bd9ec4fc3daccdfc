// AccountService: the workspace's account use cases that change it, one path for the server, the
// CLI and the MCP server. Today: granting credits (the grant is a ledger entry, and executions
// paused for want of credits carry on).
//
// Implementations: EngineAccountService (engine_account_service.h); tests hand fakes.
// Thread-safety: every method may be called from any thread at once; each blocks on the store.
#pragma once

#include <cstdint>
#include <string>

#include "atelier/app/service_error.h"
#include "atelier/store/accounts.h"

namespace atelier {

struct GrantOutcome {
  LedgerEntry entry;      // the grant as recorded
  CreditBalance balance;  // the workspace's balance after it
  int resumed = 0;        // executions that were paused for want of credits and carry on
};

class AccountService {
 public:
  virtual ~AccountService() = default;

  // Grants `amount` micro-credits (1 to 2^52; InvalidArgument naming "amount" otherwise) to
  // workspace `ws`, with `note` ("" = "granted by " + `granted_by`), then resumes the
  // executions paused for want of credits (each pauses again if still short).
  virtual ServiceResult<GrantOutcome> Grant(const std::string& ws, int64_t amount,
                                            const std::string& note,
                                            const std::string& granted_by) = 0;
};

}  // namespace atelier
