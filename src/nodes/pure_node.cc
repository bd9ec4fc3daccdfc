#include "pure_node.h"

namespace atelier {

Result<NodeResult> PureNode::Execute(const NodeContext& ctx) {
  auto rendered = RenderNodeData(*spec_, *ctx.data, *ctx.scope);
  if (!rendered) return Err(rendered.error());
  auto output = spec_->evaluate(*rendered);
  if (!output) return Err(output.error());
  NodeResult r;
  r.output = std::move(*output);
  return r;
}

void RegisterPureNodes(NodeRegistry* registry) {
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.evaluate != nullptr) registry->Add(t.name, std::make_shared<PureNode>(&t));
}

}  // namespace atelier
