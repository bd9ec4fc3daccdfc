#include "providers_config.h"

#include <filesystem>

#include "atelier/app/files.h"
#include "atelier/core/validation.h"
#include "atelier/engine/limited_provider.h"
#include "atelier/providers/comfyui/comfyui_provider.h"
#include "atelier/providers/gemini/gemini_provider.h"
#include "atelier/providers/http/curl_http_client.h"
#include "atelier/providers/openai/openai_provider.h"

namespace atelier {
namespace {

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgument(where + ": " + what);
}

// Reads an optional field of the given JSON type; an error names it.
template <class T>
Status Field(const Json& obj, const std::string& where, const char* key, T* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  try {
    *out = it->get<T>();
  } catch (const std::exception&) {
    return Bad(where + "." + key, "has the wrong type (" + std::string(it->type_name()) + ")");
  }
  return Status::Ok();
}

Status CheckKeys(const Json& obj, const std::string& where, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok |= it.key() == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Bad(where + "." + it.key(), "unknown field; allowed: " + list);
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<Provider>> MakeProvider(const std::string& name, const Json& spec,
                                               const std::string& where,
                                               const std::string& base_dir,
                                               const std::shared_ptr<HttpClient>& http,
                                               const EnvLookup& env) {
  if (!spec.is_object()) return Err(Bad(where, "must be an object"));
  std::string type;
  if (Status s = Field(spec, where, "type", &type); !s.ok()) return Err(s);
  if (Status s = CheckKeys(spec, where,
                           {"type", "base_url", "api_key_env", "timeout_ms", "limits", "workflow",
                            "inject", "poll_interval_ms", "image_response_format", "stream"});
      !s.ok())
    return Err(s);
  std::string base_url, key_env;
  int64_t timeout_ms = 120000;
  if (Status s = Field(spec, where, "base_url", &base_url); !s.ok()) return Err(s);
  if (Status s = Field(spec, where, "api_key_env", &key_env); !s.ok()) return Err(s);
  if (Status s = Field(spec, where, "timeout_ms", &timeout_ms); !s.ok()) return Err(s);
  std::string key;
  if (!key_env.empty()) {
    key = env(key_env);
    if (key.empty())
      return Err(Bad(where + ".api_key_env", "environment variable " + key_env + " is not set"));
  }
  // What every HTTP provider takes; each config keeps its defaults where the file is silent.
  auto endpoint = [&](HttpEndpoint& e) {
    if (!base_url.empty()) e.base_url = base_url;
    e.api_key = key;
    if (spec.contains("timeout_ms")) e.timeout_ms = timeout_ms;
  };
  if (type == "openai") {
    OpenAiConfig c;
    endpoint(c);
    if (Status s = Field(spec, where, "image_response_format", &c.image_response_format); !s.ok())
      return Err(s);
    if (Status s = Field(spec, where, "stream", &c.stream); !s.ok()) return Err(s);
    return std::shared_ptr<Provider>(std::make_shared<OpenAiProvider>(name, c, http));
  }
  if (type == "gemini") {
    GeminiConfig c;
    endpoint(c);
    if (Status s = Field(spec, where, "stream", &c.stream); !s.ok()) return Err(s);
    return std::shared_ptr<Provider>(std::make_shared<GeminiProvider>(name, c, http));
  }
  if (type == "comfyui") {
    ComfyUiConfig c;
    endpoint(c);
    if (Status s = Field(spec, where, "poll_interval_ms", &c.poll_interval_ms); !s.ok())
      return Err(s);
    if (Status s = Field(spec, where, "stream", &c.progress); !s.ok()) return Err(s);
    auto wf = spec.find("workflow");
    if (wf == spec.end()) return Err(Bad(where + ".workflow", "is required for a comfyui provider"));
    if (wf->is_string()) {
      std::filesystem::path p(wf->get<std::string>());
      if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
      auto text = ReadWholeFile(p.string());
      if (!text) return Err(Bad(where + ".workflow", text.error().message()));
      auto doc = ParseJsonText(*text);
      if (!doc) return Err(Bad(where + ".workflow", p.string() + ": " + doc.error().message()));
      c.workflow = std::move(*doc);
    } else if (wf->is_object()) {
      c.workflow = *wf;
    } else {
      return Err(Bad(where + ".workflow", "must be a file path or an API-format graph object"));
    }
    if (auto inj = spec.find("inject"); inj != spec.end()) {
      if (!inj->is_object()) return Err(Bad(where + ".inject", "must be an object"));
      for (auto it = inj->begin(); it != inj->end(); ++it) {
        if (!it->is_string())
          return Err(Bad(where + ".inject." + it.key(), "must be a \"NODE.inputs.FIELD\" string"));
        c.inject[it.key()] = it->get<std::string>();
      }
    }
    return std::shared_ptr<Provider>(std::make_shared<ComfyUiProvider>(name, c, http));
  }
  return Err(Bad(where + ".type", "unknown provider type '" + type +
                                      "'; use openai, gemini or comfyui (offline is built in)"));
}

}  // namespace

Status LoadProvidersConfig(const Json& doc, const std::string& base_dir,
                           ProviderRegistry* registry, Clock* clock, const EnvLookup& env,
                           PriceTable* prices, std::vector<std::string>* http_allow,
                           std::shared_ptr<LimitCounter> limits_counter) {
  if (!doc.is_object()) return Bad("providers file", "must be a JSON object");
  if (Status s = CheckKeys(doc, "providers file", {"providers", "models", "prices", "http"});
      !s.ok())
    return s;
  std::vector<std::string> allow;
  if (auto h = doc.find("http"); h != doc.end()) {
    if (!h->is_object()) return Bad("http", "must be an object");
    if (Status s = CheckKeys(*h, "http", {"allow_hosts"}); !s.ok()) return s;
    if (auto a = h->find("allow_hosts"); a != h->end()) {
      if (!a->is_array()) return Bad("http.allow_hosts", "must be a list of \"host\" or \"host:port\"");
      for (size_t i = 0; i < a->size(); ++i) {
        if (!(*a)[i].is_string() || (*a)[i].get<std::string>().empty())
          return Bad("http.allow_hosts[" + std::to_string(i) + "]", "must be a host name");
        allow.push_back((*a)[i].get<std::string>());
      }
    }
  }
  PriceTable table;
  if (auto ps = doc.find("prices"); ps != doc.end()) {
    if (!ps->is_object()) return Bad("prices", "must be an object of \"provider/model\" -> price");
    for (auto it = ps->begin(); it != ps->end(); ++it) {
      const std::string where = "prices." + it.key();
      if (!it->is_object()) return Bad(where, "must be an object");
      if (Status s = CheckKeys(*it, where, {"input_per_1k", "output_per_1k", "per_image"}); !s.ok())
        return s;
      Price p;
      if (Status s = Field(*it, where, "input_per_1k", &p.input_per_1k); !s.ok()) return s;
      if (Status s = Field(*it, where, "output_per_1k", &p.output_per_1k); !s.ok()) return s;
      if (Status s = Field(*it, where, "per_image", &p.per_image); !s.ok()) return s;
      if (p.input_per_1k < 0 || p.output_per_1k < 0 || p.per_image < 0)
        return Bad(where, "prices must not be negative");
      table.Set(it.key(), p);
    }
  }
  auto http = std::make_shared<CurlHttpClient>();
  std::vector<std::shared_ptr<Provider>> made;
  if (auto ps = doc.find("providers"); ps != doc.end()) {
    if (!ps->is_object()) return Bad("providers", "must be an object of name -> provider");
    for (auto it = ps->begin(); it != ps->end(); ++it) {
      const std::string where = "providers." + it.key();
      if (it.key() == "offline") return Bad(where, "the offline provider is built in");
      auto p = MakeProvider(it.key(), *it, where, base_dir, http, env);
      if (!p) return p.error();
      ProviderLimits limits;
      if (auto l = it->find("limits"); l != it->end()) {
        if (!l->is_object()) return Bad(where + ".limits", "must be an object");
        if (Status s = CheckKeys(*l, where + ".limits",
                                 {"requests_per_minute", "tokens_per_minute", "concurrent"});
            !s.ok())
          return s;
        if (Status s = Field(*l, where + ".limits", "requests_per_minute",
                             &limits.requests_per_minute);
            !s.ok())
          return s;
        if (Status s = Field(*l, where + ".limits", "tokens_per_minute", &limits.tokens_per_minute);
            !s.ok())
          return s;
        if (Status s = Field(*l, where + ".limits", "concurrent", &limits.concurrent); !s.ok())
          return s;
        if (limits.requests_per_minute < 0 || limits.tokens_per_minute < 0 || limits.concurrent < 0)
          return Bad(where + ".limits", "limits must not be negative (0 means no limit)");
      }
      made.push_back(std::make_shared<LimitedProvider>(*p, limits, clock, limits_counter));
    }
  }
  // Check the aliases against the providers before touching the registry.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> aliases;
  if (auto ms = doc.find("models"); ms != doc.end()) {
    if (!ms->is_object()) return Bad("models", "must be an object of alias -> routes");
    for (auto it = ms->begin(); it != ms->end(); ++it) {
      const std::string where = "models." + it.key();
      if (!it->is_array() || it->empty())
        return Bad(where, "must be a non-empty list of {\"provider\", \"model\"}");
      std::vector<std::pair<std::string, std::string>> routes;
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& r = (*it)[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!r.is_object() || !r.contains("provider") || !r["provider"].is_string())
          return Bad(at, "needs \"provider\" (a name) and \"model\"");
        std::string provider = r["provider"], model = r.value("model", it.key());
        bool known = provider == "offline";
        for (const auto& p : made) known |= p->name() == provider;
        if (!known) return Bad(at + ".provider", "'" + provider + "' is not configured");
        routes.emplace_back(provider, model);
      }
      aliases.emplace_back(it.key(), std::move(routes));
    }
  }
  for (auto& p : made) registry->Add(p);
  for (const auto& [alias, routes] : aliases)
    if (Status s = registry->SetAlias(alias, routes); !s.ok()) return s;
  if (prices) *prices = std::move(table);
  if (http_allow) *http_allow = std::move(allow);
  return Status::Ok();
}

Status LoadProvidersFile(const std::string& path, ProviderRegistry* registry, Clock* clock,
                         const EnvLookup& env, PriceTable* prices,
                         std::vector<std::string>* http_allow,
                         std::shared_ptr<LimitCounter> limits) {
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  auto doc = ParseJsonText(*text);
  if (!doc) return InvalidArgument(path + ": " + doc.error().message());
  Status s = LoadProvidersConfig(*doc, std::filesystem::path(path).parent_path().string(),
                                 registry, clock, env, prices, http_allow, std::move(limits));
  if (!s.ok()) return InvalidArgument(path + ": " + s.message());
  return s;
}

}  // namespace atelier
