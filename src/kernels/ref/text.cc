// String normalization and n-gram counting.
#include "kernels/ref/text.h"

#include <algorithm>

namespace lacuna::kernels::ref {

std::string ascii_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string ascii_upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::vector<std::string> normalize_strings(const NormalizeParams& p, const std::string* in, int64_t n) {
  std::unordered_set<std::string> stop;
  for (const std::string& w : p.stopwords) stop.insert(p.case_sensitive ? w : ascii_lower(w));
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) {
    if (stop.count(p.case_sensitive ? in[i] : ascii_lower(in[i]))) continue;
    switch (p.case_change) {
      case CaseChange::kNone:
        out.push_back(in[i]);
        break;
      case CaseChange::kLower:
        out.push_back(ascii_lower(in[i]));
        break;
      case CaseChange::kUpper:
        out.push_back(ascii_upper(in[i]));
        break;
    }
  }
  return out;
}

template <class Key>
void ngram_vector(const NgramParams& p, const NgramPool<Key>& pool, const Key* row, int64_t len, float* out) {
  using Entries = typename NgramPool<Key>::Entry;
  std::map<const std::vector<Entries>*, int64_t> counts;  // per pool n-gram seen
  std::vector<Key> gram;
  auto look_up = [&]() {
    auto it = pool.grams.find(gram);
    if (it != pool.grams.end()) ++counts[&it->second];
  };
  for (int64_t start = 0; start < len; ++start) {
    if (p.min_n <= 1 && p.max_n >= 1) {
      gram.assign(1, row[start]);
      look_up();
    }
    for (int64_t skip = 0; skip <= p.max_skip; ++skip) {
      const int64_t stride = skip + 1;
      for (int64_t n = std::max<int64_t>(p.min_n, 2); n <= p.max_n; ++n) {
        if ((n - 1) * stride >= len - start) break;  // runs past the row
        gram.clear();
        for (int64_t k = 0; k < n; ++k) gram.push_back(row[start + k * stride]);
        look_up();
      }
      if (std::max<int64_t>(p.min_n, 2) > p.max_n || stride >= len - start)
        break;  // longer skips find nothing new
    }
  }
  std::fill_n(out, p.out_size, 0.f);
  for (const auto& [entries, count] : counts) {
    for (const auto& e : *entries) {
      float v = static_cast<float>(count);
      if (p.mode == TfIdfMode::kIdf)
        v = count > 0 ? e.weight : 0.f;
      else if (p.mode == TfIdfMode::kTfIdf)
        v = static_cast<float>(count) * e.weight;
      out[e.slot] += v;
    }
  }
}

template void ngram_vector<int64_t>(const NgramParams&, const NgramPool<int64_t>&, const int64_t*, int64_t,
                                    float*);
template void ngram_vector<std::string>(const NgramParams&, const NgramPool<std::string>&, const std::string*,
                                        int64_t, float*);

}  // namespace lacuna::kernels::ref
