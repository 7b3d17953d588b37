// Greedy-by-size offset assignment (as in TFLite's arena planner): place the largest buffers
// first, each at the lowest offset that does not collide with an already placed buffer whose
// lifetime overlaps.
#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace lacuna::runtime {

MemoryLayout plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryLayout layout;
  layout.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  auto aligned = [](int64_t b) { return (b + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment; };
  struct Placed {
    int64_t begin, end;
    int first, last;
  };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    const int64_t size = aligned(std::max<int64_t>(r.bytes, 1));
    // Collect the intervals of live-overlapping buffers, sorted by offset, and find a gap.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Placed& p : placed) {
      if (p.first <= r.last_step && r.first_step <= p.last) busy.emplace_back(p.begin, p.end);
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [b, e] : busy) {
      if (offset + size <= b) break;
      offset = std::max(offset, e);
    }
    layout.offsets[idx] = offset;
    placed.push_back({offset, offset + size, r.first_step, r.last_step});
    layout.total_bytes = std::max(layout.total_bytes, offset + size);
  }
  return layout;
}

}  // namespace lacuna::runtime
