// Composite steps: steps that contain or wait on other work. A map runs its items, a subworkflow
// its sub-execution, an approval waits for a person. They share one life cycle, and the loop
// drives all three through this interface (engine_schedule.cc): it starts one when the scheduler
// says kStart, and hands it back to Follow while the scheduler says kFollow; each finishes itself
// when what it waits on is done (a map collects its items, a subworkflow its sub-execution's
// outputs), or is finished by a command (an approval by a decision, commands.cc).
//
// Stateless: one instance per kind (Get), used on the loop thread only. Private to src/engine.
#pragma once

#include <vector>

#include "engine_impl.h"
#include "scheduler.h"

namespace atelier {

class Engine::Impl::CompositeStep {
 public:
  virtual ~CompositeStep() = default;

  // Starts node `node`'s step in `ex`: `row` is the step as it should be once started (status
  // ready), `expected` and `expected_attempt` what is stored; `p` holds the transition's guard
  // (and a retry's event). Adds what to commit to `batch`.
  virtual void Start(Impl& e, ExecState& ex, int node, StepRecord row, StepStatus expected,
                     int expected_attempt, int64_t now, Pending p,
                     std::vector<Pending>& batch) const = 0;

  // Follows a started step (`cur`) in a later round: starts what it contains within `slots`,
  // notices what it waits on, and finishes it when that is done.
  virtual void Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur, Slots& slots,
                      int64_t now, std::vector<Pending>& batch) const = 0;
};

// map_step.cc: renders the items once, runs them (at most `concurrency` at a time) and collects
// their results (on_item_error: fail or continue).
class Engine::Impl::MapStep final : public CompositeStep {
 public:
  static const MapStep& Get();
  void Start(Impl& e, ExecState& ex, int node, StepRecord row, StepStatus expected,
             int expected_attempt, int64_t now, Pending p,
             std::vector<Pending>& batch) const override;
  void Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur, Slots& slots, int64_t now,
              std::vector<Pending>& batch) const override;
};

// subworkflow_step.cc: launches its sub-execution (or finds the one it launched), drives it when
// nobody does, waits while it waits, and finishes as it finishes.
class Engine::Impl::SubworkflowStep final : public CompositeStep {
 public:
  static const SubworkflowStep& Get();
  void Start(Impl& e, ExecState& ex, int node, StepRecord row, StepStatus expected,
             int expected_attempt, int64_t now, Pending p,
             std::vector<Pending>& batch) const override;
  void Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur, Slots& slots, int64_t now,
              std::vector<Pending>& batch) const override;
};

// approval_step.cc: asks (approval_requested, the step waiting) and leaves the rest to a
// decision (Engine::Decide); nothing to follow.
class Engine::Impl::ApprovalStep final : public CompositeStep {
 public:
  static const ApprovalStep& Get();
  void Start(Impl& e, ExecState& ex, int node, StepRecord row, StepStatus expected,
             int expected_attempt, int64_t now, Pending p,
             std::vector<Pending>& batch) const override;
  void Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur, Slots& slots, int64_t now,
              std::vector<Pending>& batch) const override;
};

}  // namespace atelier
