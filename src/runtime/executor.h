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
  // Spare vectors for a caller that runs the plan several times per request (batch splitting:
  // one sample's input views and outputs), kept here so that they stop allocating once grown.
  std::vector<Tensor> split_inputs, split_outputs;
  // Run states of the same plan for the other threads of a split batch run side by side: they
  // travel with this one, so every run finds as many as it had (none created after the first).
  std::vector<std::unique_ptr<RunState>> side_states;

 private:
  friend Status run_steps(const Plan&, RunState&, ThreadPool&, StepTimes*);
  friend Status execute(const Plan&, RunState&, ThreadPool&, const std::vector<Tensor>&,
                        std::vector<Tensor>*, StepTimes*);
  friend Status execute_values(const Plan&, RunState&, ThreadPool&,
                               const std::vector<const RtValue*>&, std::vector<RtValue>*);
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
// Any kind of values in and out (sequences, optionals): used for control-flow bodies. Outputs
// share their buffers with the run state's values, so plans run this way must be dynamic.
Status execute_values(const Plan& plan, RunState& state, ThreadPool& pool,
                      const std::vector<const RtValue*>& inputs, std::vector<RtValue>* outputs);
Status run_steps(const Plan& plan, RunState& state, ThreadPool& pool, StepTimes* times);

}  // namespace lacuna::runtime
