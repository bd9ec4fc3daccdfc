#include "metrics.h"

#include <iomanip>
#include <sstream>

namespace atelier::api {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}, buckets_(bounds_.size(), 0) {}

void Metrics::Observe(const Event& e) {
  if (e.type != "step_succeeded" && e.type != "step_failed") return;
  std::lock_guard<std::mutex> l(mu_);
  if (e.type == "step_failed") {
    ++steps_["failed"];
    std::string code = "unknown";
    if (e.payload.contains("error") && e.payload["error"].is_object())
      code = e.payload["error"].value("code", "unknown");
    ++failures_[code];
    if (std::string provider = e.payload.value("provider", std::string()); !provider.empty())
      ++provider_errors_[provider];
    return;
  }
  ++steps_["succeeded"];
  if (e.payload.contains("duration_ms") && e.payload["duration_ms"].is_number()) {
    double secs = e.payload["duration_ms"].get<double>() / 1000.0;
    ++duration_count_;
    duration_sum_ += secs;
    for (size_t i = 0; i < bounds_.size(); ++i)
      if (secs <= bounds_[i]) ++buckets_[i];
  }
  if (e.payload.contains("usage") && e.payload["usage"].is_object()) {
    const Json& u = e.payload["usage"];
    std::string provider = u.value("provider", std::string());
    if (provider.empty()) provider = "unknown";
    ++provider_calls_[provider];
    provider_tokens_[provider] +=
        u.value("input_tokens", uint64_t{0}) + u.value("output_tokens", uint64_t{0});
  }
}

void Metrics::CountRequest(int status) {
  std::lock_guard<std::mutex> l(mu_);
  ++requests_[std::to_string(status / 100) + "xx"];
}

std::string Metrics::Render(App& app) {
  std::ostringstream out;
  out << std::setprecision(10);
  // Gauges from the store, over every workspace.
  std::map<std::string, int64_t> by_status;
  for (auto s :
       {ExecStatus::kQueued, ExecStatus::kRunning, ExecStatus::kPaused, ExecStatus::kWaiting,
        ExecStatus::kCompleted, ExecStatus::kFailed, ExecStatus::kStopped})
    by_status[ExecStatusName(s)] = 0;
  int64_t reserved = 0;
  bool store_ok = true;
  auto workspaces = app.accounts().ListWorkspaces();
  if (workspaces) {
    for (const auto& ws : *workspaces) {
      for (auto& [name, count] : by_status) {
        ExecutionFilter f;
        f.status = ExecStatusFromName(name);
        f.limit = 1 << 30;
        auto list = app.store().ListExecutions(ws.id, f);
        if (list) count += static_cast<int64_t>(list->size());
        store_ok = store_ok && list.has_value();
      }
      auto balance = app.accounts().GetBalance(ws.id);
      if (balance) reserved += balance->reserved;
    }
  } else {
    store_ok = false;
  }
  out << "# HELP atelier_up Whether the store answered this scrape.\n"
      << "# TYPE atelier_up gauge\natelier_up " << (store_ok ? 1 : 0) << "\n";
  out << "# HELP atelier_executions Executions by status.\n# TYPE atelier_executions gauge\n";
  for (const auto& [name, count] : by_status)
    out << "atelier_executions{status=\"" << name << "\"} " << count << "\n";
  out << "# HELP atelier_queue_depth Executions queued or running.\n"
      << "# TYPE atelier_queue_depth gauge\natelier_queue_depth "
      << by_status["queued"] + by_status["running"] << "\n";
  out << "# HELP atelier_credits_reserved_micro Credits held by open reservations "
         "(micro-credits).\n"
      << "# TYPE atelier_credits_reserved_micro gauge\natelier_credits_reserved_micro " << reserved
      << "\n";

  std::lock_guard<std::mutex> l(mu_);
  out << "# HELP atelier_step_duration_seconds Duration of succeeded steps (observed events).\n"
      << "# TYPE atelier_step_duration_seconds histogram\n";
  for (size_t i = 0; i < bounds_.size(); ++i)
    out << "atelier_step_duration_seconds_bucket{le=\"" << bounds_[i] << "\"} " << buckets_[i]
        << "\n";
  out << "atelier_step_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << "\n"
      << "atelier_step_duration_seconds_sum " << duration_sum_ << "\n"
      << "atelier_step_duration_seconds_count " << duration_count_ << "\n";
  out << "# HELP atelier_steps_total Step outcomes observed.\n# TYPE atelier_steps_total counter\n";
  for (const auto& [k, v] : steps_)
    out << "atelier_steps_total{outcome=\"" << k << "\"} " << v << "\n";
  out << "# HELP atelier_provider_calls_total Succeeded steps that called a provider.\n"
      << "# TYPE atelier_provider_calls_total counter\n";
  for (const auto& [k, v] : provider_calls_)
    out << "atelier_provider_calls_total{provider=\"" << Escape(k) << "\"} " << v << "\n";
  out << "# HELP atelier_provider_tokens_total Tokens in and out by provider.\n"
      << "# TYPE atelier_provider_tokens_total counter\n";
  for (const auto& [k, v] : provider_tokens_)
    out << "atelier_provider_tokens_total{provider=\"" << Escape(k) << "\"} " << v << "\n";
  out << "# HELP atelier_provider_errors_total Failed attempts of steps that call a provider, by "
         "the provider their model routes to first.\n"
      << "# TYPE atelier_provider_errors_total counter\n";
  for (const auto& [k, v] : provider_errors_)
    out << "atelier_provider_errors_total{provider=\"" << Escape(k) << "\"} " << v << "\n";
  out << "# HELP atelier_step_errors_total Failed step attempts by error code.\n"
      << "# TYPE atelier_step_errors_total counter\n";
  for (const auto& [k, v] : failures_)
    out << "atelier_step_errors_total{code=\"" << Escape(k) << "\"} " << v << "\n";
  out << "# HELP atelier_http_requests_total Requests served by status class.\n"
      << "# TYPE atelier_http_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    out << "atelier_http_requests_total{class=\"" << k << "\"} " << v << "\n";
  return out.str();
}

}  // namespace atelier::api
