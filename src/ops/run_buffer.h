// Temporary memory for run(): the planned scratch area when prepare() could size it, otherwise
// heap memory (nodes whose shapes are only known at run time are prepared without shapes).
#pragma once

#include <cstddef>
#include <vector>

#include "runtime/op_kernel.h"

namespace lacuna::ops {

class RunBuffer {
 public:
  // For prepare(): whether shapes are known, so that scratch_bytes can be sized.
  static bool can_plan(const runtime::PrepareContext& ctx) {
    return ctx.num_inputs() > 0 && ctx.inputs[0].shape != nullptr;
  }

  // Rounds a part of a scratch layout up to 64 bytes (each part starts cache-line aligned).
  static size_t align64(size_t bytes) { return (bytes + 63) / 64 * 64; }

  RunBuffer() = default;
  // `planned`: prepare() reserved at least `bytes` of scratch.
  RunBuffer(const runtime::RunContext& ctx, bool planned, size_t bytes) {
    if (planned) {
      data_ = ctx.scratch;
    } else {
      heap_.resize(bytes / sizeof(std::max_align_t) + 1);
      data_ = heap_.data();
    }
  }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  std::vector<std::max_align_t> heap_;
  void* data_ = nullptr;
};

}  // namespace lacuna::ops
