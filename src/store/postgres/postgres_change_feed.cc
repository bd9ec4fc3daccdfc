#include "postgres_change_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <pqxx/pqxx>

namespace atelier::postgres {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, unsigned bit, unsigned* rung)
      : pqxx::notification_receiver(c, channel), bit_(bit), rung_(rung) {}
  void operator()(const std::string&, int) override { *rung_ |= bit_; }

 private:
  unsigned bit_;
  unsigned* rung_;
};

class PostgresChangeFeed final : public ChangeFeed {
 public:
  explicit PostgresChangeFeed(std::string url)
      : url_(std::move(url)), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~PostgresChangeFeed() override {
    Drop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  unsigned Wait(int64_t timeout_ms) override {
    const int64_t deadline = SteadyMs() + std::max<int64_t>(timeout_ms, 0);
    for (;;) {
      const int64_t now = SteadyMs();
      if (!conn_ && now >= retry_at_) Connect(now);
      if (rung_ != 0 || now >= deadline) return Take();
      pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {conn_ ? conn_->sock() : -1, POLLIN, 0}};
      const int64_t until = conn_ ? deadline : std::min(deadline, retry_at_);
      const int n = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(until - now, 0)));
      if (n > 0 && (fds[0].revents & POLLIN) != 0) {
        uint64_t count = 0;
        (void)!::read(wake_fd_, &count, sizeof count);
        return Take();
      }
      if (n > 0 && fds[1].revents != 0) Consume(SteadyMs());
    }
  }

  void Interrupt() override {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

 private:
  unsigned Take() {
    const unsigned r = rung_;
    rung_ = 0;
    return r;
  }

  void Connect(int64_t now) {
    try {
      conn_ = std::make_unique<pqxx::connection>(url_);
      std::string events;
      std::string work;
      {
        pqxx::nontransaction q(*conn_, "channels");
        pqxx::row names =
            q.exec1(std::string("SELECT ") + kEventsChannelSql + ", " + kWorkChannelSql);
        events = names[0].c_str();
        work = names[1].c_str();
      }
      events_ = std::make_unique<Receiver>(*conn_, events, kChangeEvents, &rung_);
      work_ = std::make_unique<Receiver>(*conn_, work, kChangeWork, &rung_);
      // What rang while there was no connection is unknown: everything may have changed.
      if (connected_before_) rung_ |= kChangeAll;
      connected_before_ = true;
      backoff_ms_ = 0;
    } catch (const std::exception&) {
      Drop();
      backoff_ms_ = std::clamp<int64_t>(backoff_ms_ * 2, 100, 5000);
      retry_at_ = now + backoff_ms_;
    }
  }

  // Reads what the server sent; a lost connection is dropped, to be made again.
  void Consume(int64_t now) {
    try {
      conn_->get_notifs();
      if (conn_->is_open()) return;
    } catch (const std::exception&) {
    }
    Drop();
    connected_before_ = true;
    retry_at_ = now;  // at once; the backoff applies when connecting fails
  }

  // The receivers go before their connection (their destructors UNLISTEN); destructors do not
  // throw.
  void Drop() noexcept {
    events_.reset();
    work_.reset();
    conn_.reset();
  }

  std::string url_;
  int wake_fd_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Receiver> events_;
  std::unique_ptr<Receiver> work_;
  unsigned rung_ = 0;
  bool connected_before_ = false;
  int64_t retry_at_ = 0;
  int64_t backoff_ms_ = 0;
};

}  // namespace

std::unique_ptr<ChangeFeed> OpenPostgresChangeFeed(const std::string& url) {
  return std::make_unique<PostgresChangeFeed>(url);
}

}  // namespace atelier::postgres
