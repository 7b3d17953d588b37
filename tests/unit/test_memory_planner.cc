// The memory planner never overlaps two buffers whose lifetimes overlap, and reuses memory.
#include <gtest/gtest.h>

#include <random>

#include "runtime/memory_planner.h"

namespace lacuna::runtime {
namespace {

void check_no_overlap(const std::vector<BufferRequest>& reqs, const MemoryLayout& l) {
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(l.offsets[i] % kBufferAlignment, 0);
    EXPECT_LE(l.offsets[i] + reqs[i].bytes, l.total_bytes);
    for (size_t j = i + 1; j < reqs.size(); ++j) {
      const bool live = reqs[i].first_step <= reqs[j].last_step && reqs[j].first_step <= reqs[i].last_step;
      const bool mem = l.offsets[i] < l.offsets[j] + reqs[j].bytes && l.offsets[j] < l.offsets[i] + reqs[i].bytes;
      EXPECT_FALSE(live && mem) << "buffers " << i << " and " << j << " collide";
    }
  }
}

TEST(MemoryPlanner, ChainReusesMemory) {
  // a -> b -> c -> d: each buffer lives for two steps, so two slots suffice.
  std::vector<BufferRequest> reqs = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryLayout l = plan_memory(reqs);
  check_no_overlap(reqs, l);
  EXPECT_LE(l.total_bytes, 2 * 1024);
}

TEST(MemoryPlanner, RandomLifetimes) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferRequest> reqs;
    for (int i = 0; i < 40; ++i) {
      const int a = static_cast<int>(rng() % 30);
      reqs.push_back({static_cast<int64_t>(rng() % 5000 + 1), a, a + static_cast<int>(rng() % 6)});
    }
    check_no_overlap(reqs, plan_memory(reqs));
  }
}

TEST(MemoryPlanner, Empty) { EXPECT_EQ(plan_memory({}).total_bytes, 0); }

}  // namespace
}  // namespace lacuna::runtime
