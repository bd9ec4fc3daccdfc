// The executor of every pure node type: a type whose descriptor has an `evaluate` hook
// (NodeTypeSpec::evaluate) computes its output from its rendered data alone, so one executor runs
// them all inline. A new pure type needs no executor of its own: its descriptor is enough.
// Stateless and thread-safe.
#pragma once

#include "atelier/core/node_types.h"
#include "atelier/engine/node_executor.h"

namespace atelier {

class PureNode final : public NodeExecutor {
 public:
  // `spec` must have an evaluate hook and outlive the executor (catalogue entries do).
  explicit PureNode(const NodeTypeSpec* spec) : spec_(spec) {}
  bool inline_ok() const override { return true; }
  // Renders the type's own fields (RenderNodeData) and returns evaluate's output; both fail with
  // InvalidArgument.
  Result<NodeResult> Execute(const NodeContext& ctx) override;

 private:
  const NodeTypeSpec* spec_;
};

// Adds a PureNode for every catalogue type with an evaluate hook.
void RegisterPureNodes(NodeRegistry* registry);

}  // namespace atelier
