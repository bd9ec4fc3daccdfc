// NodeExecutor: the behaviour of one node type. The engine resolves nothing itself: it hands the
// executor the node's raw data and the scope to render it against, and commits what comes back.
// Executors never touch the store. Execute may be called concurrently for different steps.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"
#include "atelier/engine/blob_store.h"
#include "atelier/engine/cancel.h"
#include "atelier/engine/provider.h"

namespace atelier {

struct NodeContext {
  std::string execution_id;
  std::string step_id;
  std::string node_type;
  int attempt = 1;
  int version = 1;
  const Json* data = nullptr;   // the node's data, unrendered
  const Json* scope = nullptr;  // {"inputs":..., "steps": {ID: output}, ["item", "index"]}
  // The step's stored session (null when it has none). While a tweak or regeneration is due it
  // holds "pending": {"mode": "tweak"|"regenerate", "instruction": TEXT}; a generative executor
  // then continues (tweak) or repeats (regenerate) instead of starting over.
  const Json* session = nullptr;
  CancelToken* cancel = nullptr;
  BlobStore* blobs = nullptr;
  const ProviderRegistry* providers = nullptr;
  // Where the step's provider calls report live progress (CallInfo::progress), or null when no
  // one watches. Borrowed for the call to Execute; used from the thread that runs it.
  ProgressSink* progress = nullptr;
  std::string idempotency_key() const {
    return execution_id + "/" + step_id + "/v" + std::to_string(version) + "/a" +
           std::to_string(attempt);
  }
  // The id of this attempt's index-th artifact: stable for (execution, step, version, attempt,
  // index), so a re-committed result never creates a second row.
  std::string ArtifactId(int index) const;
};

// An artifact whose bytes are already in the BlobStore; the engine records its metadata.
struct ArtifactDraft {
  std::string id;    // from NodeContext::ArtifactId
  std::string kind;  // "document" | "image"
  std::string mime;
  std::string sha256;
  int64_t size = 0;
  std::string name;  // suggested file name
  Json meta = Json::object();
};

struct NodeResult {
  Json output = Json::object();
  std::vector<ArtifactDraft> artifacts;
  Usage usage;
  Json session;  // the step's session after this call (null: the step keeps none)
};

class NodeExecutor {
 public:
  virtual ~NodeExecutor() = default;
  // True when Execute is cheap and does no I/O, so the engine may run it on its own thread.
  virtual bool inline_ok() const = 0;
  // InvalidArgument for data that does not render or make sense at run time (not retried);
  // retryable codes for transient failures; Cancelled when ctx.cancel fires.
  virtual Result<NodeResult> Execute(const NodeContext& ctx) = 0;
};

class NodeRegistry {
 public:
  void Add(const std::string& type, std::shared_ptr<NodeExecutor> e) { by_type_[type] = std::move(e); }
  // nullptr when no executor is registered for the type.
  NodeExecutor* Find(const std::string& type) const {
    auto it = by_type_.find(type);
    return it == by_type_.end() ? nullptr : it->second.get();
  }
  // Replaces every executor with `wrap(type, executor)`: a decorator around them all (fault
  // injection for tests, say). Call before the registry is in use.
  template <class Wrap>
  void WrapAll(Wrap wrap) {
    for (auto& [type, e] : by_type_) e = wrap(type, e);
  }

 private:
  std::unordered_map<std::string, std::shared_ptr<NodeExecutor>> by_type_;
};

}  // namespace atelier
