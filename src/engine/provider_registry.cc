#include "atelier/engine/provider.h"

namespace atelier {

Status ProviderRegistry::SetAlias(const std::string& alias,
                                  const std::vector<std::pair<std::string, std::string>>& targets) {
  if (targets.empty()) return InvalidArgument("model alias '" + alias + "' lists no provider");
  for (const auto& [provider, model] : targets)
    if (!Find(provider))
      return InvalidArgument("model alias '" + alias + "' names provider '" + provider +
                             "', which is not configured");
  aliases_[alias] = targets;
  return Status::Ok();
}

Result<std::vector<ModelRoute>> ProviderRegistry::Routes(const std::string& model) const {
  std::vector<ModelRoute> out;
  if (auto it = aliases_.find(model); it != aliases_.end()) {
    for (const auto& [provider, name] : it->second) out.push_back({Find(provider), name});
    return out;
  }
  if (auto slash = model.find('/'); slash != std::string::npos) {
    std::string provider = model.substr(0, slash);
    if (Provider* p = Find(provider)) return std::vector<ModelRoute>{{p, model.substr(slash + 1)}};
    return Err(NotFound("no provider named '" + provider + "' for model '" + model + "'"));
  }
  if (Provider* p = Find(model)) return std::vector<ModelRoute>{{p, model}};
  if (Provider* p = Find("offline")) return std::vector<ModelRoute>{{p, model}};
  return Err(NotFound("no provider configured for model '" + model +
                      "'; add it to the providers file or use PROVIDER/MODEL"));
}

}  // namespace atelier
