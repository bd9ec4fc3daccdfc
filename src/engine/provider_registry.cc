#include "atelier/engine/provider.h"

namespace atelier {

Result<Provider*> ProviderRegistry::Resolve(const std::string& model) const {
  // "provider/model" names a provider explicitly.
  if (auto slash = model.find('/'); slash != std::string::npos) {
    auto it = providers_.find(model.substr(0, slash));
    if (it != providers_.end()) return it->second.get();
    return Err(NotFound("no provider named '" + model.substr(0, slash) + "' for model '" + model +
                        "'"));
  }
  if (auto it = providers_.find(model); it != providers_.end()) return it->second.get();
  if (auto it = providers_.find("offline"); it != providers_.end()) return it->second.get();
  return Err(NotFound("no provider configured for model '" + model + "'"));
}

}  // namespace atelier
