// StringNormalizer and TfIdfVectorizer: attribute parsing (stopwords, n-gram pools) and shapes.
// StringNormalizer's output length depends on the data, so its shape is deferred to run().
#include <algorithm>

#include "kernels/ref/text.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class StringNormalizerKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const std::string action = attr_string("case_change_action", "NONE");
    if (action == "NONE")
      p_.case_change = ref::CaseChange::kNone;
    else if (action == "LOWER")
      p_.case_change = ref::CaseChange::kLower;
    else if (action == "UPPER")
      p_.case_change = ref::CaseChange::kUpper;
    else
      return error("case_change_action must be NONE, LOWER or UPPER, not '" + action + "'");
    p_.case_sensitive = attr_int("is_case_sensitive", 0) != 0;
    if (const ir::Attribute* s = attr("stopwords")) p_.stopwords = s->strings;
    // `locale` only matters beyond ASCII, where this reference leaves letters unchanged.
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kString}));
    const Shape& x = ctx.shape(0);
    if (!(x.size() == 1 || (x.size() == 2 && x[0] == 1))) {
      return ctx.bad_input("input must be [C] or [1, C], not " + shape_to_string(x));
    }
    ctx.set_output_deferred(0, DType::kString);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    std::vector<std::string> kept = ref::normalize_strings(p_, x.data<std::string>(), x.numel());
    // Nothing left: a single empty string, as ONNX Runtime does, rather than an empty tensor.
    if (kept.empty()) kept.emplace_back();
    const auto n = static_cast<int64_t>(kept.size());
    LACUNA_RETURN_IF_ERROR(ctx.allocate_output(0, DType::kString, x.rank() == 1 ? Shape{n} : Shape{1, n}));
    std::move(kept.begin(), kept.end(), ctx.output(0).data<std::string>());
    return Status::ok();
  }

 private:
  ref::NormalizeParams p_;
};

class TfIdfVectorizerKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const std::string mode = attr_string("mode", "");
    if (mode == "TF")
      p_.mode = ref::TfIdfMode::kTf;
    else if (mode == "IDF")
      p_.mode = ref::TfIdfMode::kIdf;
    else if (mode == "TFIDF")
      p_.mode = ref::TfIdfMode::kTfIdf;
    else
      return error("mode must be TF, IDF or TFIDF, not '" + mode + "'");
    p_.min_n = attr_int("min_gram_length", 0);
    p_.max_n = attr_int("max_gram_length", 0);
    p_.max_skip = attr_int("max_skip_count", 0);
    if (p_.min_n < 1 || p_.max_n < p_.min_n) return error("needs 1 <= min_gram_length <= max_gram_length");
    if (p_.max_skip < 0) return error("max_skip_count must not be negative");
    const std::vector<int64_t> counts = attr_ints("ngram_counts");
    const std::vector<int64_t> slots = attr_ints("ngram_indexes");
    const std::vector<float> weights = attr_floats("weights");
    if (!weights.empty() && weights.size() != slots.size())
      return error("weights must match ngram_indexes in length");
    const ir::Attribute* strings = attr("pool_strings");
    const ir::Attribute* ints = attr("pool_int64s");
    if ((strings != nullptr) == (ints != nullptr))
      return error("needs exactly one of pool_strings and pool_int64s");
    string_pool_ = strings != nullptr;
    const int64_t pool_size = string_pool_ ? static_cast<int64_t>(strings->strings.size())
                                           : static_cast<int64_t>(ints->ints.size());
    // ngram_counts[i] is where the (i+1)-grams start in the pool; the i-th n-gram of the pool
    // (all lengths together) goes to output slot ngram_indexes[i].
    size_t gram = 0;
    for (size_t len = 1; len <= counts.size(); ++len) {
      const int64_t begin = counts[len - 1];
      const int64_t end = len < counts.size() ? counts[len] : pool_size;
      if (begin < 0 || end < begin || end > pool_size || (end - begin) % static_cast<int64_t>(len) != 0) {
        return error("ngram_counts does not split the pool into whole n-grams");
      }
      for (int64_t at = begin; at < end; at += static_cast<int64_t>(len), ++gram) {
        if (gram >= slots.size()) return error("ngram_indexes is shorter than the pool's n-grams");
        const int64_t slot = slots[gram];
        if (slot < 0) return error("ngram_indexes has a negative index");
        const float w = weights.empty() ? 1.f : weights[gram];
        if (string_pool_) {
          const auto& s = strings->strings;
          str_pool_.add({s.begin() + at, s.begin() + at + static_cast<int64_t>(len)}, slot, w);
        } else {
          const auto& s = ints->ints;
          int_pool_.add({s.begin() + at, s.begin() + at + static_cast<int64_t>(len)}, slot, w);
        }
      }
    }
    if (gram != slots.size()) return error("ngram_indexes is longer than the pool's n-grams");
    p_.out_size = slots.empty() ? 0 : *std::max_element(slots.begin(), slots.end()) + 1;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    if (string_pool_)
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kString}));
    else
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt32, DType::kInt64}));
    const Shape& x = ctx.shape(0);
    if (x.size() != 1 && x.size() != 2)
      return ctx.bad_input("input must be [C] or [N, C], not " + shape_to_string(x));
    Shape y = x.size() == 1 ? Shape{p_.out_size} : Shape{x[0], p_.out_size};
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    ctx.set_output(0, DType::kFloat32, std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t rows = x.rank() == 2 ? x.shape()[0] : 1;
    const int64_t len = x.shape().back();
    float* y = ctx.output(0).data<float>();
    std::vector<int64_t> ids;
    if (!string_pool_) ids = x.to_int64_vector();
    for (int64_t r = 0; r < rows; ++r) {
      if (string_pool_)
        ref::ngram_vector(p_, str_pool_, x.data<std::string>() + r * len, len, y + r * p_.out_size);
      else
        ref::ngram_vector(p_, int_pool_, ids.data() + r * len, len, y + r * p_.out_size);
    }
    return Status::ok();
  }

 private:
  ref::NgramParams p_;
  bool string_pool_ = false;
  ref::NgramPool<std::string> str_pool_;
  ref::NgramPool<int64_t> int_pool_;
};

}  // namespace

void register_string_ops(Registry& r) {
  r.add("", "StringNormalizer", make_impl<StringNormalizerKernel>("string_normalizer_ref"));
  r.add("", "TfIdfVectorizer", make_impl<TfIdfVectorizerKernel>("tfidf_vectorizer_ref"));
}

}  // namespace lacuna::ops
