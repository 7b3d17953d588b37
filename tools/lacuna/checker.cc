// Test-data checker shared by `lacuna check` and `lacuna conformance`.
#include "checker.h"

#include <algorithm>
#include <filesystem>

#include "onnx/tensor_proto.h"

namespace fs = std::filesystem;

namespace lacuna::cli {

std::vector<std::string> test_data_sets(const std::string& dir) {
  std::vector<std::pair<int, std::string>> sets;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (e.is_directory() && n.rfind("test_data_set_", 0) == 0) {
      int k = 0;
      try {
        k = std::stoi(n.substr(14));
      } catch (...) {
        k = 1 << 30;
      }
      sets.emplace_back(k, e.path().string());
    }
  }
  std::sort(sets.begin(), sets.end());
  std::vector<std::string> out;
  for (auto& s : sets) out.push_back(s.second);
  return out;
}

namespace {

// Files named <prefix>_<i>.pb in order of i.
std::vector<std::string> numbered_files(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (int i = 0;; ++i) {
    const std::string p = dir + "/" + prefix + "_" + std::to_string(i) + ".pb";
    if (!fs::exists(p)) break;
    out.push_back(p);
  }
  return out;
}

// uint16 bit patterns viewed as bfloat16 (other tensors unchanged).
Tensor as_bfloat16(const Tensor& t) {
  if (t.dtype() != DType::kUint16) return t;
  return Tensor::view(DType::kBFloat16, t.shape(), const_cast<void*>(t.raw()), t.storage());
}

}  // namespace

ModelCheck check_model(const std::string& model, const std::string& test_dir,
                       const Options& options, double rtol, double atol) {
  ModelCheck mc;
  auto session = Session::load(model, options);
  if (!session) {
    mc.verdict = session.status().code() == ErrorCode::kUnsupported ? ModelCheck::Verdict::kUnsupported
                                                                    : ModelCheck::Verdict::kError;
    mc.message = session.status().message();
    return mc;
  }
  const auto sets = test_data_sets(test_dir);
  if (sets.empty()) {
    mc.verdict = ModelCheck::Verdict::kError;
    mc.message = "no test_data_set_* folders under '" + test_dir + "'";
    return mc;
  }
  Session& s = **session;
  for (const auto& dir : sets) {
    DataSetCheck dc;
    dc.dir = dir;
    // Inputs match by name when every file names one; otherwise by position.
    std::map<std::string, Value> feed;
    const auto input_files = numbered_files(dir, "input");
    std::vector<std::pair<std::string, Value>> loaded;
    bool use_names = true;
    for (size_t i = 0; i < input_files.size(); ++i) {
      // The proto kind comes from the model input it feeds (by position until names are known).
      ValueKind kind = i < s.inputs().size() ? s.inputs()[i].kind : ValueKind::kTensor;
      std::string name;
      auto v = onnx_io::read_value_pb(input_files[i], kind, &name);
      if (v && !name.empty()) {
        for (const IoInfo& io : s.inputs()) {
          if (io.name == name && io.kind != kind) v = onnx_io::read_value_pb(input_files[i], io.kind, &name);
        }
      }
      if (!v) {
        mc.verdict = ModelCheck::Verdict::kError;
        mc.message = v.status().message();
        return mc;
      }
      if (name.empty()) use_names = false;
      loaded.emplace_back(name, std::move(v).value());
    }
    for (size_t i = 0; i < loaded.size(); ++i) {
      if (use_names) feed[loaded[i].first] = loaded[i].second;
      else if (i < s.inputs().size()) feed[s.inputs()[i].name] = loaded[i].second;
    }
    // ONNX's test data stores bfloat16 tensors as uint16 bit patterns.
    for (const IoInfo& io : s.inputs()) {
      auto it = feed.find(io.name);
      if (it != feed.end() && io.dtype == DType::kBFloat16) it->second.tensor = as_bfloat16(it->second.tensor);
    }
    auto outs = s.run_values(feed);
    if (!outs) {
      mc.verdict = outs.status().code() == ErrorCode::kUnsupported ? ModelCheck::Verdict::kUnsupported
                                                                   : ModelCheck::Verdict::kError;
      mc.message = outs.status().message();
      return mc;
    }
    const auto expected_files = numbered_files(dir, "output");
    for (size_t i = 0; i < expected_files.size(); ++i) {
      const ValueKind kind = i < s.outputs().size() ? s.outputs()[i].kind : ValueKind::kTensor;
      std::string name;
      auto exp = onnx_io::read_value_pb(expected_files[i], kind, &name);
      if (!exp) {
        mc.verdict = ModelCheck::Verdict::kError;
        mc.message = exp.status().message();
        return mc;
      }
      if (name.empty() || !outs->count(name)) name = i < s.outputs().size() ? s.outputs()[i].name : "";
      OutputCheck oc;
      oc.name = name;
      auto it = outs->find(name);
      if (it != outs->end() && it->second.tensor.dtype() == DType::kBFloat16) exp->tensor = as_bfloat16(exp->tensor);
      if (it == outs->end()) {
        oc.cmp.pass = false;
        oc.cmp.note = "the model has no output '" + name + "'";
      } else {
        oc.cmp = compare_values(it->second, *exp, rtol, atol);
      }
      dc.pass = dc.pass && oc.cmp.pass;
      dc.outputs.push_back(oc);
    }
    if (!dc.pass) mc.verdict = ModelCheck::Verdict::kFail;
    mc.sets.push_back(std::move(dc));
  }
  return mc;
}

}  // namespace lacuna::cli
