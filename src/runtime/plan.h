// A compiled, runnable plan: the steps (one kernel each) and the slots (values) they read and
// write, with the static memory layout the planner chose.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/value.h"
#include "lacuna/tensor.h"
#include "runtime/op_kernel.h"

namespace lacuna::runtime {

struct SlotInfo {
  std::string name;
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  bool static_shape = false;
  Shape shape;
  int64_t arena_offset = -1;  // byte offset of its planned buffer, or -1
  Tensor constant;            // bound constant (initializers, folded values)
  bool is_input = false;
  bool is_output = false;
};

struct Step {
  std::unique_ptr<OpKernel> kernel;
  std::vector<int> in;   // slot ids (explicit inputs, then implicit ones); -1 if omitted
  int explicit_inputs = 0;  // how many of `in` the op's schema defines
  std::vector<int> out;  // slot ids; -1 for an omitted optional output
  std::vector<int> alias;  // per output: the input index whose buffer it views, or -1
  bool dynamic = false;    // output shapes are only known at run time
  size_t scratch_bytes = 0;
  std::string name;     // node name
  std::string op_type;  // op type (with domain prefix for non-default domains)
  std::string impl;     // chosen implementation
  std::string decision; // why this implementation (for `lacuna analyze`)
  double flops = 0;     // floating-point (or integer) ops per run, for profiles
  std::string label;    // "node 'x' (Op)", for messages
  std::string describe() const { return "node '" + name + "' (" + op_type + ")"; }
};

struct Plan {
  std::vector<SlotInfo> slots;
  std::vector<Step> steps;
  std::vector<int> inputs;   // slots the caller provides, in order
  std::vector<int> outputs;  // slots returned to the caller, in order
  size_t arena_bytes = 0;    // planned activations
  size_t scratch_bytes = 0;  // the largest per-step scratch (one region, reused)
  size_t constant_bytes() const;
};

}  // namespace lacuna::runtime
