// Reference text kernels: string normalization (stopword removal, ASCII case folding) and
// n-gram counting with skips for TF/IDF vectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace lacuna::kernels::ref {

enum class CaseChange { kNone, kLower, kUpper };

std::string ascii_lower(std::string s);
std::string ascii_upper(std::string s);

struct NormalizeParams {
  CaseChange case_change = CaseChange::kNone;
  bool case_sensitive = false;  // whether stopwords must match case exactly
  std::vector<std::string> stopwords;
};

// Drops the stopwords from in[0..n) and changes the case of what remains.
std::vector<std::string> normalize_strings(const NormalizeParams& p, const std::string* in, int64_t n);

enum class TfIdfMode { kTf, kIdf, kTfIdf };

// The n-grams to count: each maps to an output slot and carries a weight.
template <class Key>
struct NgramPool {
  struct Entry {
    int64_t slot;
    float weight;
  };
  std::map<std::vector<Key>, std::vector<Entry>> grams;
  void add(std::vector<Key> gram, int64_t slot, float weight) {
    grams[std::move(gram)].push_back({slot, weight});
  }
};

struct NgramParams {
  int64_t min_n = 1;
  int64_t max_n = 1;
  int64_t max_skip = 0;  // n-grams may skip up to this many items between their elements
  TfIdfMode mode = TfIdfMode::kTf;
  int64_t out_size = 0;
};

// Counts the pool's n-grams in row[0..len) and writes out[0..out_size): TF = count,
// IDF = weight if seen, TFIDF = count * weight. Unigrams are counted once per position,
// longer n-grams once per (start, skip) pair.
template <class Key>
void ngram_vector(const NgramParams& p, const NgramPool<Key>& pool, const Key* row, int64_t len, float* out);

}  // namespace lacuna::kernels::ref
