// Batch splitting: which graphs compute each sample on its own, and a split batch gives the same
// outputs as the whole batch.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/batch_split.h"
#include "ir/builder.h"
#include "lacuna/session.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

// x[N,3,8,8] -> conv -> relu -> [tail] -> GAP -> flatten -> gemm -> softmax
using Tail = std::function<ir::ValueId(ir::GraphBuilder&, ir::ValueId)>;
ir::Graph cnn(int64_t batch, const Tail& tail = nullptr) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{batch, ""}, {3, ""}, {8, ""}, {8, ""}});
  const ir::ValueId w = b.constant("w", test::random_tensor(DType::kFloat32, {batch, 3, 3, 3}, 1));  // K == N on purpose
  const ir::ValueId bias = b.constant("b", test::random_tensor(DType::kFloat32, {batch}, 2));
  ir::ValueId y = b.op("Relu", {b.op("Conv", {x, w, bias}, {{"pads", Attribute::of_ints({1, 1, 1, 1})}})});
  if (tail) y = tail(b, y);
  y = b.op("Flatten", {b.op("GlobalAveragePool", {y})});
  const ir::ValueId fc = b.constant("fc", test::random_tensor(DType::kFloat32, {10, batch}, 3));
  y = b.op("Gemm", {y, fc}, {{"transB", Attribute::of_int(1)}});
  b.output(b.op("Softmax", {y}, {{"axis", Attribute::of_int(-1)}}), "probs");
  return b.finish();
}

TEST(BatchSplit, PerSampleGraphsAreSeparable) {
  EXPECT_EQ(engine::separable_batch(test::shaped(cnn(4))), 4);
  EXPECT_EQ(engine::separable_batch(test::shaped(cnn(1))), 0);  // nothing to split
  // A constant operand with a per-sample first dimension, a reduction over the batch and a
  // transpose that moves it mix samples; a transpose and reshape that keep dimension 0 do not
  // (the session still keeps the batch there: the reshape's constant shape fixes it at 4).
  const std::vector<Tail> mixing = {
      [](ir::GraphBuilder& b, ir::ValueId y) {
        return b.op("Add", {y, b.constant("c", test::random_tensor(DType::kFloat32, {4, 4, 8, 8}, 5))});
      },
      [](ir::GraphBuilder& b, ir::ValueId y) {
        return b.op("Sub", {y, b.op("ReduceMean", {y}, {{"axes", Attribute::of_ints({0})}, {"keepdims", Attribute::of_int(1)}})});
      },
      [](ir::GraphBuilder& b, ir::ValueId y) {
        return b.op("Transpose", {y}, {{"perm", Attribute::of_ints({1, 0, 2, 3})}});
      },
      [](ir::GraphBuilder& b, ir::ValueId y) {
        const ir::ValueId s = b.constant("s", Tensor::from_vector<int64_t>({4}, {4, 4, 4, 16}));
        return b.op("Reshape", {b.op("Transpose", {y}, {{"perm", Attribute::of_ints({0, 2, 1, 3})}}), s});
      },
  };
  for (size_t i = 0; i < mixing.size(); ++i) {
    EXPECT_EQ(engine::separable_batch(test::shaped(cnn(4, mixing[i]))), i == 3 ? 4 : 0) << "tail " << i;
  }
  // Per-sample tails: a constant broadcast along the batch, a reduction over channels.
  EXPECT_EQ(engine::separable_batch(test::shaped(cnn(4, [](ir::GraphBuilder& b, ir::ValueId y) {
              return b.op("Mul", {y, b.constant("c", test::random_tensor(DType::kFloat32, {1, 4, 1, 1}, 6))});
            }))),
            4);
  EXPECT_EQ(engine::separable_batch(test::shaped(cnn(4, [](ir::GraphBuilder& b, ir::ValueId y) {
              return b.op("Sub", {y, b.op("ReduceMean", {y}, {{"axes", Attribute::of_ints({1})}})});
            }))),
            4);
}

// x [N, 4] ids -> word embedding + token-type embedding of ConstantOfShape(Shape(x)) (BERT's
// export: folded into an [N, 4, 6] constant, the same for every sample) -> MatMul -> [N, 4, 3].
ir::Graph embedding_model(int64_t batch) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kInt64, {{batch, batch < 0 ? "N" : ""}, {4, ""}});
  const ir::ValueId words = b.constant("words", test::random_tensor(DType::kFloat32, {10, 6}, 1));
  const ir::ValueId types = b.constant("types", test::random_tensor(DType::kFloat32, {2, 6}, 2));
  const ir::ValueId zeros = b.op("Cast", {b.op("ConstantOfShape", {b.op("Shape", {x})})}, {{"to", Attribute::of_int(7)}});
  const ir::ValueId e = b.op("Add", {b.op("Gather", {words, x}), b.op("Gather", {types, zeros})});
  const ir::ValueId w = b.constant("w", test::sparsify(test::random_tensor(DType::kFloat32, {6, 3}, 3), 0.9, 4));
  b.output(b.op("MatMul", {e, w}), "y", DType::kFloat32, {{batch, batch < 0 ? "N" : ""}, {4, ""}, {3, ""}});
  return b.finish();
}

TEST(BatchSplit, ConstantsFoldedFromTheInputShapeKeepSamplesApart) {
  // An initializer shaped like the batch mixes samples even when its rows are equal; the same
  // tensor folded from the input's shape does not.
  const ir::Graph g = test::shaped(cnn(4, [](ir::GraphBuilder& b, ir::ValueId y) {
    Tensor c = test::random_tensor(DType::kFloat32, {1, 4, 8, 8}, 5);
    Tensor rows = Tensor::create(DType::kFloat32, {4, 4, 8, 8}).value();
    for (int i = 0; i < 4; ++i) std::memcpy(rows.data<float>() + i * 256, c.data<float>(), 256 * sizeof(float));
    return b.op("Add", {y, b.constant("c", rows)});
  }));
  EXPECT_EQ(engine::separable_batch(g), 0);
  EXPECT_EQ(engine::separable_batch(g, {g.find("c")}), 4);

  const test::TempDir dir("batch_split_emb");
  const std::string path = test::write_model(dir, embedding_model(-1));
  Tensor ids = Tensor::create(DType::kInt64, {5, 4}).value();
  for (int64_t i = 0; i < 20; ++i) ids.data<int64_t>()[i] = (i * 7) % 10;
  Options split_opts, whole_opts;
  split_opts.num_threads = whole_opts.num_threads = 1;
  split_opts.sparse = whole_opts.sparse = "sparse";
  whole_opts.batch_split = "off";
  auto split = Session::load(path, split_opts);
  auto whole = Session::load(path, whole_opts);
  ASSERT_TRUE(split.has_value() && whole.has_value());
  auto a = (*split)->run({ids});
  auto c = (*whole)->run({ids});
  ASSERT_TRUE(a.has_value()) << a.status().to_string();
  ASSERT_TRUE(c.has_value()) << c.status().to_string();
  ASSERT_EQ((*a)[0].shape(), (Shape{5, 4, 3}));
  test::expect_close((*a)[0], (*c)[0], 1e-5, 1e-6, "split vs whole batch");
  EXPECT_LT((*split)->activation_bytes(), (*whole)->activation_bytes());  // it did split
}

TEST(BatchSplit, DecidesWithTheGemvCostModelForFewRows) {
  // [3, 64] -> MatMul (60% zeros) -> Relu -> MatMul (60% zeros): with 3 rows the layers run the
  // sparse GEMV (from 55% zeros), so the split decision must count them as sparse too.
  const test::TempDir dir("batch_split_mlp");
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{-1, "N"}, {64, ""}});
  const ir::ValueId w1 = b.constant("w1", test::sparsify(test::random_tensor(DType::kFloat32, {64, 32}, 1), 0.6, 2));
  const ir::ValueId w2 = b.constant("w2", test::sparsify(test::random_tensor(DType::kFloat32, {32, 8}, 3), 0.6, 4));
  b.output(b.op("MatMul", {b.op("Relu", {b.op("MatMul", {x, w1})}), w2}), "y", DType::kFloat32, {{-1, "N"}, {8, ""}});
  const std::string path = test::write_model(dir, b.finish());
  Options split_opts, whole_opts;
  split_opts.num_threads = whole_opts.num_threads = 1;
  whole_opts.batch_split = "off";
  auto split = Session::load(path, split_opts);
  auto whole = Session::load(path, whole_opts);
  ASSERT_TRUE(split.has_value() && whole.has_value());
  const Tensor batch = test::random_tensor(DType::kFloat32, {3, 64}, 9);
  auto a = (*split)->run({batch});
  auto c = (*whole)->run({batch});
  ASSERT_TRUE(a.has_value() && c.has_value());
  test::expect_close((*a)[0], (*c)[0], 1e-5, 1e-6, "split vs whole batch");
  EXPECT_LT((*split)->activation_bytes(), (*whole)->activation_bytes());  // it did split
}

TEST(BatchSplit, StringTensorsKeepTheBatch) {
  // Samples are moved as bytes, which std::string elements must not be (found by the fuzzer).
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kString, {{3, ""}, {2, ""}});
  b.output(b.op("Identity", {x}), "y");
  EXPECT_EQ(engine::separable_batch(test::shaped(b.finish())), 0);
}

TEST(BatchSplit, BigFullyConnectedWeightsKeepTheBatch) {
  const ir::Graph g = test::shaped(cnn(4));
  auto all_sparse = [](const ir::Graph&, const ir::Node&) { return true; };
  EXPECT_TRUE(engine::split_pays_off(g, 1 << 20, all_sparse));
  EXPECT_FALSE(engine::split_pays_off(g, 16, all_sparse));  // the 10x4 classifier is 160 bytes
}

TEST(BatchSplit, MostlyDenseLayersKeepTheBatch) {
  const ir::Graph g = test::shaped(cnn(4));
  EXPECT_FALSE(engine::split_pays_off(g, 1 << 20, [](const ir::Graph&, const ir::Node&) { return false; }));
  // The convolution holds most multiply-adds: it decides.
  EXPECT_TRUE(engine::split_pays_off(g, 1 << 20, [](const ir::Graph&, const ir::Node& n) { return n.op_type == "Conv"; }));
  EXPECT_FALSE(engine::split_pays_off(g, 1 << 20, [](const ir::Graph&, const ir::Node& n) { return n.op_type != "Conv"; }));
}

TEST(BatchSplit, PartsStreamingAHugeSparseLinearKeepTheBatch) {
  const ir::Graph g = test::shaped(cnn(4));
  const auto none = [](const ir::Graph&, const ir::Node&) { return false; };
  const auto linear_sparse = [](const ir::Graph&, const ir::Node& n) { return n.op_type == "Gemm"; };
  EXPECT_TRUE(engine::parts_pay_off(g, 16, none));               // huge but dense: each part reuses it
  EXPECT_TRUE(engine::parts_pay_off(g, 1 << 20, linear_sparse));  // sparse but small
  EXPECT_FALSE(engine::parts_pay_off(g, 16, linear_sparse));      // the 160-byte classifier
}

// x[N,8,6,6] -> sparse conv -> relu -> GAP -> flatten -> matmul, with a symbolic batch.
std::string split_model(const test::TempDir& dir) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{-1, "N"}, {8, ""}, {6, ""}, {6, ""}});
  const ir::ValueId w = b.constant("w", test::sparsify(test::random_tensor(DType::kFloat32, {16, 8, 3, 3}, 1), 0.9, 2));
  ir::ValueId y = b.op("Relu", {b.op("Conv", {x, w}, {{"pads", Attribute::of_ints({1, 1, 1, 1})}})});
  y = b.op("Flatten", {b.op("GlobalAveragePool", {y})});
  const ir::ValueId fc = b.constant("fc", test::random_tensor(DType::kFloat32, {16, 3}, 3));
  b.output(b.op("MatMul", {y, fc}), "logits", DType::kFloat32, {{-1, "N"}, {3, ""}});
  return test::write_model(dir, b.finish());
}

Options options(int threads, const char* sparse, const char* batch_split) {
  Options o;
  o.num_threads = threads;
  o.sparse = sparse;
  o.batch_split = batch_split;
  return o;
}

// Sessions of one model under each of `opts`.
std::vector<std::unique_ptr<Session>> load_all(const std::string& path, const std::vector<Options>& opts) {
  std::vector<std::unique_ptr<Session>> out;
  for (const Options& o : opts) {
    auto s = Session::load(path, o);
    EXPECT_TRUE(s.has_value()) << s.status().to_string();
    if (s.has_value()) out.push_back(std::move(*s));
  }
  return out;
}

// Runs a random batch of n (split_model's input) through both sessions: the outputs agree.
void expect_same_outputs(Session& split, Session& whole, int64_t n, uint64_t seed, const std::string& what) {
  const Tensor batch = test::random_tensor(DType::kFloat32, {n, 8, 6, 6}, seed);
  auto a = split.run({batch});
  auto c = whole.run({batch});
  ASSERT_TRUE(a.has_value()) << a.status().to_string();
  ASSERT_TRUE(c.has_value()) << c.status().to_string();
  ASSERT_EQ((*a)[0].shape(), (Shape{n, 3}));
  test::expect_close((*a)[0], (*c)[0], 1e-5, 1e-6, what + ", n=" + std::to_string(n));
}

TEST(BatchSplit, SplitRunsMatchTheWholeBatch) {
  const test::TempDir dir("batch_split");
  // Symbolic batch: one model, run at batch 5 both ways and at batch 1.
  const std::string path = split_model(dir);

  const Tensor batch = test::random_tensor(DType::kFloat32, {5, 8, 6, 6}, 9);
  Options split_opts, whole_opts;
  split_opts.num_threads = whole_opts.num_threads = 1;
  split_opts.sparse = whole_opts.sparse = "sparse";  // splitting is for sparse layers
  whole_opts.batch_split = "off";
  auto split = Session::load(path, split_opts);
  auto whole = Session::load(path, whole_opts);
  ASSERT_TRUE(split.has_value() && whole.has_value());
  for (int rep = 0; rep < 2; ++rep) {  // the second run reuses the outputs
    expect_same_outputs(**split, **whole, 5, 9, "split vs whole batch");
  }
  // The split session runs the batch-1 plan: its activations are one sample's.
  EXPECT_LT((*split)->activation_bytes(), (*whole)->activation_bytes());
  // Each row equals that sample run alone.
  for (int64_t s = 0; s < 5; ++s) {
    Tensor one = Tensor::create(DType::kFloat32, {1, 8, 6, 6}).value();
    std::memcpy(one.raw(), batch.data<float>() + s * 8 * 36, 8 * 36 * sizeof(float));
    auto r = (*split)->run({one});
    ASSERT_TRUE(r.has_value());
    for (int64_t j = 0; j < 3; ++j) {
      auto full = (*split)->run({batch});
      EXPECT_NEAR((*r)[0].data<float>()[j], (*full)[0].data<float>()[s * 3 + j], 1e-5);
    }
  }
}

TEST(BatchSplit, SamplesSideBySideMatchTheWholeBatch) {
  // Two threads: a batch of 6 (or 5) runs one sample per thread on a single-threaded plan, a
  // batch of 3 one sample at a time over both threads; every way matches the whole batch.
  const test::TempDir dir("batch_split_side");
  const std::string path = split_model(dir);
  const auto ss = load_all(path, {options(2, "sparse", "auto"), options(2, "sparse", "off"), options(1, "sparse", "auto")});
  ASSERT_EQ(ss.size(), 3u);
  Session &split = *ss[0], &whole = *ss[1], &serial = *ss[2];
  for (int64_t n : {6, 5, 3, 6}) {
    expect_same_outputs(split, whole, n, static_cast<uint64_t>(10 + n), "split (2 threads) vs whole batch");
    if (n != 3) {
      // Side by side: two run states of the single-threaded batch-1 plan, which the one-thread
      // session also splits into.
      ASSERT_TRUE(serial.run({test::random_tensor(DType::kFloat32, {n, 8, 6, 6}, 1)}).has_value());
      EXPECT_EQ(split.activation_bytes(), 2 * serial.activation_bytes()) << "n=" << n;
    }
  }
  // Profiles count each step once per sample.
  Options prof = options(2, "sparse", "auto");
  prof.profile = true;
  auto profiled = Session::load(path, prof);
  ASSERT_TRUE(profiled.has_value());
  ASSERT_TRUE((*profiled)->run({test::random_tensor(DType::kFloat32, {4, 8, 6, 6}, 3)}).has_value());
  const auto steps = (*profiled)->profile();
  ASSERT_FALSE(steps.empty());
  for (const NodeProfile& p : steps) {
    EXPECT_EQ(p.calls, 1) << p.name;
    EXPECT_GE(p.seconds, 0.0) << p.name;
  }
}

TEST(BatchSplit, MostlyDenseBatchesRunAPartPerThread) {
  // Dense layers keep a part of the batch (weight reuse): a batch of 8 on 2 threads runs as two
  // parts of 4 side by side, each on a single-threaded plan; batches of 6 (parts of 3, too
  // small) and 9 (uneven) keep the whole batch. All match the unsplit batch.
  const test::TempDir dir("batch_split_parts");
  const std::string path = split_model(dir);
  const auto ss = load_all(path, {options(2, "dense", "auto"), options(2, "dense", "off"), options(1, "dense", "off")});
  ASSERT_EQ(ss.size(), 3u);
  Session &parts = *ss[0], &whole = *ss[1], &four = *ss[2];
  for (int64_t n : {8, 6, 9, 8}) {
    expect_same_outputs(parts, whole, n, static_cast<uint64_t>(20 + n), "parts vs whole batch");
    if (n == 8) {
      // Two run states of a one-thread batch-4 plan.
      ASSERT_TRUE(four.run({test::random_tensor(DType::kFloat32, {4, 8, 6, 6}, 1)}).has_value());
      EXPECT_EQ(parts.activation_bytes(), 2 * four.activation_bytes());
    } else {
      EXPECT_EQ(parts.activation_bytes(), whole.activation_bytes()) << "n=" << n;
    }
  }
}

}  // namespace
}  // namespace lacuna
