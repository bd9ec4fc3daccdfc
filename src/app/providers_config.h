// The providers file: which model providers this process may call, their keys (by environment
// variable name, never the key itself), limits, and the model aliases with their fallbacks.
//
// {
//   "providers": {
//     "openai": {"type": "openai", "base_url": "https://api.openai.com",
//                "api_key_env": "OPENAI_API_KEY", "timeout_ms": 120000,
//                "limits": {"requests_per_minute": 500, "tokens_per_minute": 200000, "concurrent": 8}},
//     "gemini": {"type": "gemini", "api_key_env": "GEMINI_API_KEY"},
//     "local":  {"type": "openai", "base_url": "http://127.0.0.1:8080"},
//     "comfy":  {"type": "comfyui", "base_url": "http://127.0.0.1:8188", "workflow": "sdxl.json",
//                "inject": {"prompt": "6.inputs.text", "seed": "3.inputs.seed"}}
//   },
//   "models": {
//     "default": [{"provider": "openai", "model": "gpt-4o-mini"}, {"provider": "offline", "model": "offline"}],
//     "image":   [{"provider": "gemini", "model": "gemini-2.5-flash-image"}]
//   },
//   "prices": {
//     "openai/gpt-4o-mini": {"input_per_1k": 0.00015, "output_per_1k": 0.0006},
//     "gemini": {"per_image": 0.039}
//   },
//   "http": {"allow_hosts": ["hooks.example.com", "127.0.0.1:9000"]}
// }
//
// The built-in "offline" provider is always there. Relative workflow paths are read from the
// providers file's folder.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/engine/clock.h"
#include "atelier/engine/limit_counter.h"
#include "atelier/engine/price_table.h"
#include "atelier/engine/provider.h"

namespace atelier {

using EnvLookup = std::function<std::string(const std::string& name)>;  // "" when unset

// Adds every configured provider (wrapped in its limits) and alias to `registry`.
// InvalidArgument naming the offending field ("providers.openai.api_key_env: environment
// variable OPENAI_API_KEY is not set") for anything wrong; nothing is added then.
// `prices` (optional) receives the price table, `http_allow` (optional) the hosts the http
// node may call. `limits` (optional) counts the providers' calls against their limits (a
// cluster's, shared through its database: Store::OpenLimitCounter); null: each provider counts
// in this process.
Status LoadProvidersFile(const std::string& path, ProviderRegistry* registry, Clock* clock,
                         const EnvLookup& env, PriceTable* prices = nullptr,
                         std::vector<std::string>* http_allow = nullptr,
                         std::shared_ptr<LimitCounter> limits = nullptr);
// The same from a parsed document; `base_dir` resolves relative workflow paths.
Status LoadProvidersConfig(const Json& doc, const std::string& base_dir,
                           ProviderRegistry* registry, Clock* clock, const EnvLookup& env,
                           PriceTable* prices = nullptr,
                           std::vector<std::string>* http_allow = nullptr,
                           std::shared_ptr<LimitCounter> limits = nullptr);

}  // namespace atelier
