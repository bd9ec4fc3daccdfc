// Metrics: what the server counts from observed events and requests, rendered with gauges read
// from the store at scrape time in the Prometheus text format. Thread-safe; Observe is called on
// the engine's loop thread and only takes a short lock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "atelier/app/app.h"

namespace atelier::api {

class Metrics {
 public:
  Metrics();
  void Observe(const Event& e);
  void CountRequest(int status);
  // The text exposition: counters above plus executions by status, queue depth and reserved
  // credits over every workspace of the store.
  std::string Render(App& app);

 private:
  std::mutex mu_;
  std::vector<double> bounds_;     // histogram bucket upper bounds, seconds
  std::vector<uint64_t> buckets_;  // cumulative counts per bound
  uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::map<std::string, uint64_t> steps_;            // outcome -> count
  std::map<std::string, uint64_t> provider_calls_;   // provider -> calls
  std::map<std::string, uint64_t> provider_tokens_;  // provider -> tokens in + out
  std::map<std::string, uint64_t> failures_;         // error code -> count
  std::map<std::string, uint64_t> provider_errors_;  // provider -> failed attempts
  std::map<std::string, uint64_t> requests_;         // status class -> count
};

}  // namespace atelier::api
