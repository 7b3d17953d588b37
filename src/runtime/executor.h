// Runs a Plan: binds inputs, executes the steps in order and copies out the outputs. A RunState
// holds everything one concurrent run needs, so inference allocates nothing after the first run
// (except outputs whose shapes only the data decides).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "runtime/plan.h"
#include "runtime/thread_pool.h"

namespace lacuna::runtime {

struct StepTimes {
  std::vector<double> seconds;  // accumulated per step
  std::vector<int64_t> calls;
};

class RunState {
 public:
  static Expected<std::unique_ptr<RunState>> create(const Plan& plan);

 private:
  friend Status execute(const Plan&, RunState&, ThreadPool&, const std::vector<Tensor>&,
                        std::vector<Tensor>*, StepTimes*);
  friend Status execute_values(const Plan&, RunState&, ThreadPool&, const std::vector<RtValue>&,
                               std::vector<RtValue>*, StepTimes*);
  friend Status run_steps(const Plan&, RunState&, ThreadPool&, StepTimes*);  // the shared step loop
  std::shared_ptr<void> arena_;
  std::vector<RtValue> values_;
  std::vector<RtValue*> in_ptrs_;   // all steps' input slots, flattened
  std::vector<RtValue*> out_ptrs_;  // all steps' output slots, flattened
  std::vector<size_t> in_base_, out_base_;
  std::vector<InferContext> infer_;  // reused by dynamic steps
  void* scratch_ = nullptr;
};

// `inputs` are in plan.inputs order and already validated against the plan. Outputs are written
// into `outputs`, reusing its tensors when their shape matches and nobody else holds them.
Status execute(const Plan& plan, RunState& state, ThreadPool& pool,
               const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
               StepTimes* times = nullptr);
// The same for plans whose inputs or outputs may be sequences or optionals. Tensor outputs are
// copies; sequence items are shared (they are immutable once built).
Status execute_values(const Plan& plan, RunState& state, ThreadPool& pool,
                      const std::vector<RtValue>& inputs, std::vector<RtValue>* outputs,
                      StepTimes* times = nullptr);

}  // namespace lacuna::runtime
