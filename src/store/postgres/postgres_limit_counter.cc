// PostgresLimitCounter: the calls of every process sharing the database, counted in table
// provider_calls against each provider's limits. A decision for one provider is taken under a
// transaction-scoped advisory lock keyed by the schema and the provider, so two processes never
// both take the last slot; the rows of the last minute say how many requests and tokens went, the
// rows not ended and not expired how many calls are in flight. Runs on a connection of its own,
// opened at the first question (Guarded: reconnects, maps errors), so that asking about limits
// never waits behind the store's commits, nor a commit behind a question.
#include <memory>
#include <mutex>
#include <vector>

#include "atelier/engine/limit_window.h"
#include "postgres_impl.h"

namespace atelier {
namespace postgres {

using limit_window::kWindowMs;

class PostgresLimitCounter final : public LimitCounter {
 public:
  PostgresLimitCounter(std::unique_ptr<PostgresStore::Impl> impl, std::string owner,
                       int64_t lease_ms)
      : impl_(std::move(impl)), owner_(std::move(owner)), lease_ms_(lease_ms) {}

  Result<Answer> TryAcquire(const std::string& provider, const ProviderLimits& limits,
                            int64_t tokens, int64_t now) override {
    FlushReleases();
    std::lock_guard lock(impl_->mu);
    return impl_->Guarded([&]() -> Result<Answer> {
      PostgresStore::Impl::Txn txn(*impl_, /*write=*/true);
      impl_->Exec(
          "SELECT pg_advisory_xact_lock(hashtext('atelier.provider_calls.' || current_schema() "
          "|| '.' || $1))",
          Params().S(provider));
      impl_->Exec(
          "DELETE FROM provider_calls WHERE provider = $1 AND started_at <= $2 AND (ended OR "
          "expires_at <= $3)",
          Params().S(provider).I(now - kWindowMs).I(now));
      pqxx::result r = impl_->Exec(
          "SELECT count(*) FILTER (WHERE NOT ended AND expires_at > $3), "
          "count(*) FILTER (WHERE started_at > $2), "
          "COALESCE(sum(tokens) FILTER (WHERE started_at > $2), 0), "
          "COALESCE(min(started_at) FILTER (WHERE started_at > $2), 0) "
          "FROM provider_calls WHERE provider = $1",
          Params().S(provider).I(now - kWindowMs).I(now));
      limit_window::Held held;
      held.in_flight = I64(r[0][0]);
      held.requests = I64(r[0][1]);
      held.tokens = I64(r[0][2]);
      held.oldest = I64(r[0][3]);
      Answer a = limit_window::Decide(limits, held, tokens, now);
      if (a.granted) {
        pqxx::result id = impl_->Exec(
            "INSERT INTO provider_calls (provider, owner, started_at, tokens, expires_at) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
            Params().S(provider).S(owner_).I(now).I(tokens).I(now + lease_ms_));
        a.ticket = I64(id[0][0]);
      }
      txn.Commit();
      return a;
    });
  }

  // One the database could not take is tried again with the next call, so that a slot never
  // stays taken (this process's lease renewals would keep it) after a moment of lost connection.
  void Release(const std::string& provider, int64_t ticket, int64_t used_tokens) override {
    (void)provider;
    {
      std::lock_guard l(mu_);
      unreleased_.push_back({ticket, used_tokens});
    }
    FlushReleases();
  }

 private:
  void FlushReleases() {
    std::vector<std::pair<int64_t, int64_t>> todo;
    {
      std::lock_guard l(mu_);
      todo.swap(unreleased_);
    }
    if (todo.empty()) return;
    std::vector<std::pair<int64_t, int64_t>> failed;
    {
      std::lock_guard lock(impl_->mu);
      for (const auto& call : todo) {
        const int64_t ticket = call.first, used = call.second;
        Status s = impl_->Guarded([&]() -> Status {
          impl_->Exec(
              "UPDATE provider_calls SET ended = TRUE, tokens = CASE WHEN $2 > 0 THEN $2 ELSE "
              "tokens END WHERE id = $1",
              Params().I(ticket).I(used));
          return Status::Ok();
        });
        if (!s.ok()) failed.push_back({ticket, used});
      }
    }
    if (failed.empty()) return;
    std::lock_guard l(mu_);
    unreleased_.insert(unreleased_.end(), failed.begin(), failed.end());
  }

  const std::unique_ptr<PostgresStore::Impl> impl_;  // its own connection
  const std::string owner_;
  const int64_t lease_ms_;
  std::mutex mu_;
  std::vector<std::pair<int64_t, int64_t>> unreleased_;  // GUARDED_BY(mu_): (ticket, tokens)
};

}  // namespace postgres

std::shared_ptr<LimitCounter> PostgresStore::OpenLimitCounter(const std::string& owner,
                                                              int64_t lease_ms) {
  return std::make_shared<postgres::PostgresLimitCounter>(
      std::make_unique<PostgresStore::Impl>(impl_->url), owner, lease_ms);
}

}  // namespace atelier
