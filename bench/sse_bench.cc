// Server benchmark client, run by bench/server.sh against a running `atelier serve`:
// N subscribers hold the event stream of one running execution, and each must receive every
// event; the delay of an event is the time it arrives minus its commit timestamp (`ts`).
// Prints one JSON object: the execution measured, subscribers, events, delivery and delays.
//
// With --idle N it measures what idle streams cost the server instead: N subscribers (plain
// sockets, no thread each) connect to the stream of an execution waiting at an approval, and the
// server's resident memory (/proc/PID/status) before and after is divided by N.
//
// Usage: atelier_sse_bench --port P --key SECRET [--subscribers N] [--steps S]
//        atelier_sse_bench --port P --key SECRET --idle N --server-pid PID
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Json = nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-21T06:03:27.123Z" -> ms since the epoch.
int64_t ParseTs(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

// An event of an execution's stream ("id: SEQ\nevent: TYPE\ndata: {...}"): its seq from the id
// line and its commit time from the data's top-level "ts", found without parsing the JSON. The
// 1,000 subscribers' threads share the two cores with the server; parsing every event whole in
// each of them (80,000 parses a run) held up the server's writes that the delays measure. The
// data is nlohmann::json's dump, keys in order, so the top-level "ts" is the last one: only
// "type" follows it.
bool ReadEvent(std::string_view block, int64_t* seq, int64_t* ts) {
  if (block.rfind("id: ", 0) != 0) return false;
  *seq = std::strtoll(block.data() + 4, nullptr, 10);
  const size_t data = block.find("\ndata: ");
  const size_t at = block.rfind("\"ts\":\"");
  if (data == std::string_view::npos || at == std::string_view::npos || at < data) return false;
  const size_t from = at + 6, to = block.find('"', from);
  if (to == std::string_view::npos) return false;
  *ts = ParseTs(std::string(block.substr(from, to - from)));
  return *ts > 0;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sse_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Api {
  int port;
  std::string key;
  Json Call(const std::string& method, const std::string& path, const Json& body = nullptr,
            int expect = 0) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(30, 0);
    httplib::Headers h = {{"Authorization", "Bearer " + key}};
    auto r = method == "GET" ? cli.Get(path.c_str(), h)
                             : cli.Post(path.c_str(), h, body.is_null() ? "{}" : body.dump(),
                                        "application/json");
    if (!r) Die(method + " " + path + ": no answer");
    if (expect && r->status != expect)
      Die(method + " " + path + ": " + std::to_string(r->status) + " " + r->body);
    return Json::parse(r->body, nullptr, false);
  }
};

// A line of /proc/PID/status ("VmRSS:", "Threads:") as a number (kB for VmRSS).
int64_t ProcStatus(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + field.size());
  Die("no " + field + " in /proc/" + std::to_string(pid) + "/status");
}

// A template that starts and waits at an approval; its execution, once it waits there.
std::string WaitingExecution(Api& api, const Json& nodes, const Json& edges) {
  Json tmpl = {{"name", "sse bench " + std::to_string(NowMs())}, {"nodes", nodes}, {"edges", edges}};
  Json created = api.Call("POST", "/api/v1/templates", tmpl, 201);
  Json ex = api.Call("POST", "/api/v1/executions",
                     {{"template_id", created["id"]}, {"inputs", Json::object()}}, 201);
  const std::string id = ex["id"];
  std::string status;
  for (int i = 0; i < 500 && status != "waiting"; ++i) {
    status = api.Call("GET", "/api/v1/executions/" + id).value("status", "");
    if (status != "waiting") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (status != "waiting") Die("the execution did not reach its approval");
  return id;
}

// Opens `n` event streams on one waiting execution, each on a plain socket that has read its
// stream's first bytes, and prints the server's memory per stream.
int IdleMemory(Api& api, int n, int server_pid) {
  Json nodes = Json::array({{{"id", "start"}, {"type", "start"}},
                            {{"id", "gate"}, {"type", "approval"}}});
  Json edges = Json::array({{{"id", "e0"}, {"source", "start"}, {"target", "gate"}}});
  const std::string id = WaitingExecution(api, nodes, edges);
  const std::string request = "GET /api/v1/executions/" + id +
                              "/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                              api.key + "\r\n\r\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the launch's work settles
  const int64_t before = ProcStatus(server_pid, "VmRSS:");
  std::vector<int> fds;
  fds.reserve(static_cast<size_t>(n));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(api.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) Die("socket " + std::to_string(i) + ": " + std::strerror(errno) +
                    " (raise the open-file limit)");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      Die("connect " + std::to_string(i) + ": " + std::strerror(errno));
    if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size()))
      Die("send " + std::to_string(i) + ": " + std::strerror(errno));
    fds.push_back(fd);
  }
  // Each stream answered 200 and sent its opening comment.
  timeval tv{30, 0};
  for (int fd : fds) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    char buf[4096];
    while (got.find("stream open") == std::string::npos) {
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) Die("a stream closed or stayed silent before it opened: " + got.substr(0, 200));
      got.append(buf, static_cast<size_t>(r));
    }
    if (got.rfind("HTTP/1.1 200", 0) != 0) Die("a stream was refused: " + got.substr(0, 200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // replays written, buffers idle
  const int64_t after = ProcStatus(server_pid, "VmRSS:");
  const int64_t threads = ProcStatus(server_pid, "Threads:");
  for (int fd : fds) ::close(fd);
  api.Call("POST", "/api/v1/executions/" + id + "/steps/gate/approve", Json::object(), 200);
  Json out = {{"execution_id", id},
              {"idle_subscribers", n},
              {"rss_before_kb", before},
              {"rss_after_kb", after},
              {"bytes_per_subscriber", (after - before) * 1024 / n},
              {"server_threads", threads}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, subscribers = 1000, steps = 40, idle = 0, server_pid = 0;
  std::string key;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--port") port = std::atoi(argv[i + 1]);
    else if (a == "--key") key = argv[i + 1];
    else if (a == "--subscribers") subscribers = std::atoi(argv[i + 1]);
    else if (a == "--steps") steps = std::atoi(argv[i + 1]);
    else if (a == "--idle") idle = std::atoi(argv[i + 1]);
    else if (a == "--server-pid") server_pid = std::atoi(argv[i + 1]);
    else Die("unknown option " + a);
  }
  if (!port || key.empty()) Die("usage: atelier_sse_bench --port P --key SECRET [--subscribers N]");
  Api api{port, key};
  if (idle > 0) {
    if (server_pid <= 0) Die("--idle needs --server-pid");
    return IdleMemory(api, idle, server_pid);
  }

  // An approval first, so every subscriber is connected before the measured events exist; then
  // a chain of quick text steps, each making a step_started and a step_succeeded event.
  Json nodes = Json::array({{{"id", "start"}, {"type", "start"}},
                            {{"id", "gate"}, {"type", "approval"}}});
  Json edges = Json::array({{{"id", "e0"}, {"source", "start"}, {"target", "gate"}}});
  std::string prev = "gate";
  for (int i = 0; i < steps; ++i) {
    std::string id = "s" + std::to_string(i);
    nodes.push_back({{"id", id},
                     {"type", "generate_text"},
                     {"data", {{"prompt", "line " + std::to_string(i)}, {"latency_ms", 20},
                               {"cache", false}}}});
    edges.push_back({{"id", "e" + std::to_string(i + 1)}, {"source", prev}, {"target", id}});
    prev = id;
  }
  const std::string id = WaitingExecution(api, nodes, edges);
  Json before = api.Call("GET", "/api/v1/executions/" + id + "/events?limit=1000", nullptr, 200);
  const int64_t baseline = before["items"].empty() ? 0 : before["items"].back()["seq"].get<int64_t>();

  std::mutex mu;
  std::vector<int64_t> delays;
  std::vector<int> received(subscribers, 0);
  std::atomic<int> connected{0}, failed{0};
  std::vector<std::thread> threads;
  threads.reserve(subscribers);
  const std::string path = "/api/v1/executions/" + id + "/events/stream";
  for (int s = 0; s < subscribers; ++s) {
    threads.emplace_back([&, s] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(120, 0);
      cli.set_connection_timeout(30, 0);
      std::string buf;
      bool counted = false;
      std::vector<int64_t> mine;
      auto r = cli.Get(path.c_str(), {{"Authorization", "Bearer " + key}},
                       [&](const char* data, size_t len) {
                         const int64_t now = NowMs();
                         if (!counted) {
                           counted = true;
                           ++connected;
                         }
                         buf.append(data, len);
                         size_t end;
                         while ((end = buf.find("\n\n")) != std::string::npos) {
                           const std::string_view block(buf.data(), end);
                           int64_t seq = 0, ts = 0;
                           if (ReadEvent(block, &seq, &ts) && seq > baseline)
                             mine.push_back(now - ts);
                           buf.erase(0, end + 2);
                         }
                         return true;
                       });
      if (!r) ++failed;
      std::lock_guard<std::mutex> l(mu);
      received[s] = static_cast<int>(mine.size());
      delays.insert(delays.end(), mine.begin(), mine.end());
    });
  }
  for (int i = 0; i < 6000 && connected < subscribers; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const int ready = connected;
  api.Call("POST", "/api/v1/executions/" + id + "/steps/gate/approve", Json::object(), 200);
  for (auto& t : threads) t.join();

  Json after = api.Call("GET", "/api/v1/executions/" + id + "/events?limit=10000", nullptr, 200);
  int expected = 0;
  for (const auto& e : after["items"]) expected += e["seq"].get<int64_t>() > baseline;
  int complete = 0;
  for (int n : received) complete += n == expected;
  std::sort(delays.begin(), delays.end());
  auto pct = [&](double p) -> int64_t {
    if (delays.empty()) return -1;
    size_t i = static_cast<size_t>(p * static_cast<double>(delays.size() - 1));
    return delays[i];
  };
  Json out = {{"execution_id", id},
              {"subscribers", subscribers},
              {"connected_before_start", ready},
              {"failed_connections", failed.load()},
              {"events", expected},
              {"subscribers_with_every_event", complete},
              {"deliveries", delays.size()},
              {"delay_ms_p50", pct(0.50)},
              {"delay_ms_p99", pct(0.99)},
              {"delay_ms_max", delays.empty() ? -1 : delays.back()}};
  std::printf("%s\n", out.dump().c_str());
  return complete == subscribers ? 0 : 2;
}
