#include "fault_injection.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

namespace atelier {
namespace {

class AbortAtStep final : public NodeExecutor {
 public:
  AbortAtStep(std::shared_ptr<NodeExecutor> inner, std::string node)
      : inner_(std::move(inner)), node_(std::move(node)) {}

  bool inline_ok() const override { return false; }

  Result<NodeResult> Execute(const NodeContext& ctx) override {
    // A map item's step id is "MAP[INDEX]"; node ids never hold '['.
    const std::string node = ctx.step_id.substr(0, ctx.step_id.find('['));
    if (node == node_) {
      const std::string line = Json{{"level", "fatal"},
                                    {"msg", std::string("fault injection: ") + kFaultAbortStepEnv +
                                                " aborts the process"},
                                    {"execution_id", ctx.execution_id},
                                    {"step", ctx.step_id},
                                    {"attempt", ctx.attempt}}
                                   .dump() +
                               "\n";
      (void)!::write(STDERR_FILENO, line.data(), line.size());
      rlimit none{0, 0};
      (void)setrlimit(RLIMIT_CORE, &none);  // no core file for a planned abort
      std::abort();
    }
    return inner_->Execute(ctx);
  }

 private:
  std::shared_ptr<NodeExecutor> inner_;
  std::string node_;
};

}  // namespace

void InjectAbortAtStep(NodeRegistry* nodes, const std::string& node_id) {
  nodes->WrapAll([&](const std::string&, std::shared_ptr<NodeExecutor> e) {
    return std::static_pointer_cast<NodeExecutor>(
        std::make_shared<AbortAtStep>(std::move(e), node_id));
  });
}

}  // namespace atelier
