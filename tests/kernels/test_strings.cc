// StringNormalizer and TfIdfVectorizer against hand-counted results, including empty results,
// 2-D inputs, string and integer pools, weights, and malformed attributes.
#include <gtest/gtest.h>

#include "../test_util.h"

namespace lacuna::test {
namespace {

Tensor strs(Shape s, std::vector<std::string> v) { return Tensor::from_vector<std::string>(std::move(s), v); }
Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }

ir::Attribute string_list(std::vector<std::string> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

void expect_strings(const Tensor& t, const Shape& shape, const std::vector<std::string>& want) {
  ASSERT_EQ(t.dtype(), DType::kString);
  ASSERT_EQ(t.shape(), shape);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t.data<std::string>()[i], want[i]) << i;
}

TEST(StringsRef, NormalizerStopwordsAndCase) {
  const Tensor x = strs({4}, {"Monday", "monday", "Tuesday", "wednesday"});
  ir::Attributes a = {{"stopwords", string_list({"monday"})},
                      {"is_case_sensitive", ir::Attribute::of_int(1)},
                      {"case_change_action", ir::Attribute::of_string("UPPER")}};
  expect_strings(run_op(make_node("StringNormalizer", 1, 1, a), {x})[0], {3},
                 {"MONDAY", "TUESDAY", "WEDNESDAY"});
  a["is_case_sensitive"] = ir::Attribute::of_int(0);
  a["case_change_action"] = ir::Attribute::of_string("LOWER");
  expect_strings(run_op(make_node("StringNormalizer", 1, 1, a), {x})[0], {2}, {"tuesday", "wednesday"});
  // No stopwords, no case change: unchanged. 2-D [1, C] input keeps its rank.
  expect_strings(run_op(make_node("StringNormalizer", 1, 1), {strs({1, 2}, {"a B", "c"})})[0], {1, 2},
                 {"a B", "c"});
}

TEST(StringsRef, NormalizerEverythingRemovedGivesOneEmptyString) {
  ir::Attributes a = {{"stopwords", string_list({"x"})}};
  expect_strings(run_op(make_node("StringNormalizer", 1, 1, a), {strs({2}, {"x", "X"})})[0], {1}, {""});
  expect_strings(run_op(make_node("StringNormalizer", 1, 1, a), {strs({1, 1}, {"x"})})[0], {1, 1}, {""});
}

TEST(StringsRef, NormalizerErrors) {
  EXPECT_FALSE(try_run_op(make_node("StringNormalizer", 1, 1), {strs({2, 2}, {"a", "b", "c", "d"})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("StringNormalizer", 1, 1), {f32({2}, {1, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("StringNormalizer", 1, 1,
                                    {{"case_change_action", ir::Attribute::of_string("TITLE")}}),
                          {strs({1}, {"a"})})
                   .is_ok());
}

// The ONNX documentation example: unigrams 2,3,5,4 and bigrams (5,6), (7,8), (6,7).
ir::Attributes tfidf_attrs(const std::string& mode, int64_t min_n, int64_t max_n, int64_t skip) {
  return {{"mode", ir::Attribute::of_string(mode)},
          {"min_gram_length", ir::Attribute::of_int(min_n)},
          {"max_gram_length", ir::Attribute::of_int(max_n)},
          {"max_skip_count", ir::Attribute::of_int(skip)},
          {"ngram_counts", ir::Attribute::of_ints({0, 4})},
          {"ngram_indexes", ir::Attribute::of_ints({0, 1, 2, 3, 4, 5, 6})},
          {"pool_int64s", ir::Attribute::of_ints({2, 3, 5, 4, 5, 6, 7, 8, 6, 7})}};
}
const Tensor kIds = Tensor::from_vector<int32_t>({12}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8});

TEST(StringsRef, TfIdfCounts) {
  auto tf = run_op(make_node("TfIdfVectorizer", 1, 1, tfidf_attrs("TF", 1, 2, 5)), {kIds});
  expect_equal(tf[0], f32({7}, {0, 3, 1, 0, 1, 3, 1}));
  tf = run_op(make_node("TfIdfVectorizer", 1, 1, tfidf_attrs("TF", 2, 2, 0)), {kIds});
  expect_equal(tf[0], f32({7}, {0, 0, 0, 0, 1, 1, 1}));
  // A batch of two rows of six: n-grams never cross rows.
  auto batch = run_op(make_node("TfIdfVectorizer", 1, 1, tfidf_attrs("TF", 1, 2, 0)),
                      {Tensor::from_vector<int64_t>({2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8})});
  expect_equal(batch[0], f32({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1}));
}

TEST(StringsRef, TfIdfWeights) {
  ir::Attributes a = tfidf_attrs("IDF", 1, 2, 5);
  a["weights"] = ir::Attribute::of_floats({0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f});
  expect_equal(run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds})[0],
               f32({7}, {0, 1, 1.5f, 0, 2.5f, 3, 3.5f}));
  a["mode"] = ir::Attribute::of_string("TFIDF");
  expect_equal(run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds})[0],
               f32({7}, {0, 3, 1.5f, 0, 2.5f, 9, 3.5f}));
}

TEST(StringsRef, TfIdfStringPool) {
  ir::Attributes a = {{"mode", ir::Attribute::of_string("TF")},
                      {"min_gram_length", ir::Attribute::of_int(1)},
                      {"max_gram_length", ir::Attribute::of_int(2)},
                      {"ngram_counts", ir::Attribute::of_ints({0, 2})},
                      {"ngram_indexes", ir::Attribute::of_ints({0, 1, 2})},
                      {"pool_strings", string_list({"a", "b", "b", "c"})}};
  auto y = run_op(make_node("TfIdfVectorizer", 1, 1, a), {strs({4}, {"a", "b", "c", "b"})});
  expect_equal(y[0], f32({3}, {1, 2, 1}));
  y = run_op(make_node("TfIdfVectorizer", 1, 1, a), {strs({2, 2}, {"a", "b", "c", "b"})});
  expect_equal(y[0], f32({2, 3}, {1, 1, 0, 0, 1, 0}));
  // An integer input cannot match a string pool.
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds}).is_ok());
}

TEST(StringsRef, TfIdfMalformedAttributes) {
  ir::Attributes a = tfidf_attrs("TF", 1, 2, 0);
  a["ngram_counts"] = ir::Attribute::of_ints({0, 3});  // 7 ints cannot form bigrams
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds}).is_ok());
  a = tfidf_attrs("TF", 1, 2, 0);
  a["pool_strings"] = string_list({"a"});
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, tfidf_attrs("BM25", 1, 2, 0)), {kIds}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, tfidf_attrs("TF", 3, 2, 0)), {kIds}).is_ok());
  a = tfidf_attrs("TF", 1, 2, 0);
  a["ngram_indexes"] = ir::Attribute::of_ints({0, 1, 2});
  EXPECT_FALSE(try_run_op(make_node("TfIdfVectorizer", 1, 1, a), {kIds}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
