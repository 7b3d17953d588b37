// Static memory planning: assigns arena offsets to buffers so that buffers whose lifetimes
// overlap never overlap in memory (greedy by size, first fit).
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::runtime {

struct BufferRequest {
  int64_t bytes = 0;
  int first_step = 0;  // written by this step
  int last_step = 0;   // last read by this step (inclusive)
};

struct MemoryLayout {
  std::vector<int64_t> offsets;  // per request
  int64_t total_bytes = 0;
};

constexpr int64_t kBufferAlignment = 64;

MemoryLayout plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace lacuna::runtime
