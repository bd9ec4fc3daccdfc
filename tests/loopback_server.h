// Test servers on loopback, shared by the suites that talk HTTP: a cpp-httplib server on
// 127.0.0.1 and a free port (stopped and joined on destruction), and a raw listener that drops
// every connection without a byte. Handlers that wait should use HandlerWait so that Stop()
// does not wait for them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace atelier::testing {

class LoopbackServer {
 public:
  LoopbackServer() = default;
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  ~LoopbackServer() { Stop(); }

  httplib::Server& svr() { return svr_; }
  // Binds a free port and serves; handlers must be registered before.
  void Start() {
    port_ = svr_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!svr_.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(svr_.is_running());
  }
  void Stop() {
    released = true;
    if (thread_.joinable()) {
      svr_.stop();
      thread_.join();
    }
  }
  // Sleeps up to `ms`, returning early once the server is stopping.
  void HandlerWait(int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!released && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string base_url() const { return Url(""); }
  int port() const { return port_; }

  std::atomic<bool> released{false};

 private:
  httplib::Server svr_;
  int port_ = -1;
  std::thread thread_;
};

// A raw TCP listener that accepts each connection and closes it at once, without a byte.
class DroppingListener {
 public:
  DroppingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 16) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) {
          int c = accept(fd_, nullptr, nullptr);
          if (c >= 0) {
            accepted_++;
            close(c);
          }
        }
      }
    });
  }
  ~DroppingListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};


// Two tiny 8-bit RGB PNGs for adapters to send and receive: a 2x2 red one and a 3x1 blue one.
inline const std::string& RedPng() {
  static const char kBytes[] =
      "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00"
      "\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x10\x49\x44\x41\x54\x78\xda\x63\xf8\xcf"
      "\xc0\x00\x44\x0c\x10\x0a\x00\x1f\xee\x03\xfd\x63\x5e\xbb\x5b\x00\x00\x00\x00\x49\x45\x4e\x44"
      "\xae\x42\x60\x82";
  static const std::string png(kBytes, sizeof(kBytes) - 1);
  return png;
}
inline const std::string& BluePng() {
  static const char kBytes[] =
      "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00\x00"
      "\x01\x08\x02\x00\x00\x00\x94\x82\x83\xe3\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\x60\x60"
      "\xf8\x0f\x41\x00\x0b\xfe\x02\xfe\x4e\x93\x8b\xee\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60"
      "\x82";
  static const std::string png(kBytes, sizeof(kBytes) - 1);
  return png;
}

}  // namespace atelier::testing
