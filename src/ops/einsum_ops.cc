// Einsum: parses the equation (explicit or implicit output, repeated labels for diagonals,
// "..." for broadcast dimensions) into a label space for the reference contraction kernel.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/contraction.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// One side of the equation for one operand: letters, with kEllipsis standing for "...".
constexpr char kEllipsis = '.';

struct Term {
  std::string labels;  // letters and at most one kEllipsis
};

Expected<Term> parse_term(const std::string& s, const std::string& node) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (s.compare(i, 3, "...") != 0 || t.labels.find(kEllipsis) != std::string::npos) {
        return invalid_model(node + ": malformed ellipsis in equation term '" + s + "'");
      }
      t.labels.push_back(kEllipsis);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      t.labels.push_back(c);
    } else {
      return invalid_model(node + ": unexpected character '" + std::string(1, c) + "' in equation");
    }
  }
  return t;
}

template <class F>
bool visit_einsum(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(TypeTag<float>{}); return true;
    case DType::kFloat64: f(TypeTag<double>{}); return true;
    case DType::kInt32: f(TypeTag<int32_t>{}); return true;
    case DType::kInt64: f(TypeTag<int64_t>{}); return true;
    case DType::kUint32: f(TypeTag<uint32_t>{}); return true;
    case DType::kUint64: f(TypeTag<uint64_t>{}); return true;
    default: return false;
  }
}

class EinsumKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    std::string eq;
    for (char c : attr_string("equation", "")) {
      if (!std::isspace(static_cast<unsigned char>(c))) eq.push_back(c);
    }
    if (eq.empty()) return error("equation is required");
    const size_t arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    size_t start = 0;
    while (true) {
      const size_t comma = lhs.find(',', start);
      LACUNA_ASSIGN_OR_RETURN(Term t, parse_term(lhs.substr(start, comma - start), node_));
      inputs_.push_back(t);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (arrow != std::string::npos) {
      LACUNA_ASSIGN_OR_RETURN(output_, parse_term(eq.substr(arrow + 2), node_));
      for (char c : output_.labels) {
        if (std::count(output_.labels.begin(), output_.labels.end(), c) > 1) {
          return error("output label '" + std::string(1, c) + "' repeats");
        }
        bool found = c == kEllipsis;
        for (const Term& t : inputs_) found = found || t.labels.find(c) != std::string::npos;
        if (!found) return error("output label '" + std::string(1, c) + "' does not appear in the inputs");
      }
    } else {
      // Implicit output: broadcast dimensions, then the letters used exactly once, in order.
      std::map<char, int> uses;
      for (const Term& t : inputs_) {
        for (char c : t.labels) {
          if (c != kEllipsis) ++uses[c];
        }
      }
      output_.labels = std::string(1, kEllipsis);
      for (const auto& [c, n] : uses) {
        if (n == 1) output_.labels.push_back(c);
      }
    }
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    if (ctx.num_inputs() != static_cast<int>(inputs_.size())) {
      return ctx.error("the equation has " + std::to_string(inputs_.size()) + " operands, the node " +
                       std::to_string(ctx.num_inputs()));
    }
    for (int i = 0; i < ctx.num_inputs(); ++i) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
    const DType t = ctx.dtype(0);
    if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt32 && t != DType::kInt64 &&
        t != DType::kUint32 && t != DType::kUint64) {
      return dtype_not_supported(t);
    }
    // Number of broadcast ("...") dimensions: the most any operand has.
    size_t n_ell = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const std::string& l = inputs_[static_cast<size_t>(i)].labels;
      const bool has_ell = l.find(kEllipsis) != std::string::npos;
      const size_t letters = l.size() - (has_ell ? 1 : 0);
      const size_t r = static_cast<size_t>(ctx.rank(i));
      if (has_ell ? r < letters : r != letters) {
        return ctx.bad_input("operand " + std::to_string(i) + " of shape " + shape_to_string(ctx.shape(i)) +
                             " does not match equation term of " + std::to_string(letters) + " labels");
      }
      if (has_ell) n_ell = std::max(n_ell, r - letters);
    }
    // Label ids: output labels first (they index the output), then the summed ones.
    std::vector<std::string> order;  // label names; "..k" for broadcast dimension k
    auto name_of = [](char c) { return std::string(1, c); };
    auto ell_name = [](size_t k) { return ".." + std::to_string(k); };
    for (char c : output_.labels) {
      if (c == kEllipsis) {
        for (size_t k = 0; k < n_ell; ++k) order.push_back(ell_name(k));
      } else {
        order.push_back(name_of(c));
      }
    }
    const size_t n_out = order.size();
    auto id_of = [&](const std::string& n) -> size_t {
      auto it = std::find(order.begin(), order.end(), n);
      if (it != order.end()) return static_cast<size_t>(it - order.begin());
      order.push_back(n);
      return order.size() - 1;
    };
    // Operand dimension -> label id, and the extent of each label.
    std::vector<std::vector<size_t>> dim_labels(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const std::string& l = inputs_[i].labels;
      const size_t r = static_cast<size_t>(ctx.rank(static_cast<int>(i)));
      const size_t letters = l.size() - (l.find(kEllipsis) != std::string::npos ? 1 : 0);
      const size_t e = r - letters;  // this operand's broadcast dimensions (right-aligned)
      for (char c : l) {
        if (c == kEllipsis) {
          for (size_t k = 0; k < e; ++k) dim_labels[i].push_back(id_of(ell_name(n_ell - e + k)));
        } else {
          dim_labels[i].push_back(id_of(name_of(c)));
        }
      }
    }
    std::vector<int64_t> sizes(order.size(), -1);
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Shape& s = ctx.shape(static_cast<int>(i));
      for (size_t d = 0; d < s.size(); ++d) {
        int64_t& z = sizes[dim_labels[i][d]];
        const bool broadcast = order[dim_labels[i][d]][0] == '.';
        if (z < 0 || (broadcast && z == 1)) {
          z = s[d];
        } else if (z != s[d] && !(broadcast && s[d] == 1)) {
          return ctx.bad_input("label '" + order[dim_labels[i][d]] + "' has sizes " + std::to_string(z) + " and " +
                               std::to_string(s[d]));
        }
      }
    }
    for (int64_t& z : sizes) {
      if (z < 0) z = 1;  // a broadcast dimension no operand has
    }
    params_ = ref::ContractionParams{};
    params_.sizes = sizes;
    params_.num_out_labels = static_cast<int>(n_out);
    Shape out(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(n_out));
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    params_.out_strides.assign(n_out, 0);
    for (size_t l = n_out, stride = 1; l-- > 0;) {
      params_.out_strides[l] = static_cast<int64_t>(stride);
      stride *= static_cast<size_t>(out[l]);
    }
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Shape& s = ctx.shape(static_cast<int>(i));
      std::vector<int64_t> st(order.size(), 0);
      int64_t stride = 1;
      for (size_t d = s.size(); d-- > 0;) {
        // Repeated labels add their strides (a diagonal); size-1 broadcast dims add nothing.
        if (s[d] != 1 || sizes[dim_labels[i][d]] == 1) st[dim_labels[i][d]] += stride;
        stride *= s[d];
      }
      params_.operand_strides.push_back(std::move(st));
    }
    ctx.set_output(0, t, std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    bool ok = visit_einsum(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<const T*> ops;
      for (int i = 0; i < ctx.num_inputs(); ++i) ops.push_back(ctx.input(i).data<T>());
      ref::contract<T>(params_, ops, y.data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(y.dtype());
  }

 private:
  std::vector<Term> inputs_;
  Term output_;
  ref::ContractionParams params_;
};

}  // namespace

void register_einsum_ops(Registry& r) { r.add("", "Einsum", make_impl<EinsumKernel>("einsum_ref")); }

}  // namespace lacuna::ops
