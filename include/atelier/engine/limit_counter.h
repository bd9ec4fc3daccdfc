// LimitCounter: where the calls of a provider are counted against its limits (requests and tokens
// per minute, calls at once). LocalLimitCounter counts in this process; a store for a cluster
// (PostgreSQL) offers one that counts in the database, so that every process sharing it shares the
// limits (Store::OpenLimitCounter). LimitedProvider asks it before each call and tells it after.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "atelier/core/status.h"

namespace atelier {

struct ProviderLimits {
  int requests_per_minute = 0;  // 0 = no limit
  int64_t tokens_per_minute = 0;
  int concurrent = 0;
};

class LimitCounter {
 public:
  virtual ~LimitCounter() = default;

  // A call slot, or when to ask again.
  struct Answer {
    bool granted = false;
    int64_t ticket = 0;       // granted: what Release takes
    int64_t retry_in_ms = 0;  // not granted: when room may have come (at most a short poll)
  };
  // Takes a slot for a call of `provider` estimated at `tokens` if every limit has room at `now`
  // (ms). A call larger than the whole token budget still runs once the window is empty.
  virtual Result<Answer> TryAcquire(const std::string& provider, const ProviderLimits& limits,
                                    int64_t tokens, int64_t now) = 0;
  // Ends the call of `ticket`, replacing its estimate with the tokens it used (0: keep it).
  virtual void Release(const std::string& provider, int64_t ticket, int64_t used_tokens) = 0;
};

// Counts in this process: what one process's calls to each provider have used in the last
// minute.
std::unique_ptr<LimitCounter> MakeLocalLimitCounter();

}  // namespace atelier
