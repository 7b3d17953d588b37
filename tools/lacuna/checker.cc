// Test-data checker shared by `lacuna check` and `lacuna conformance`.
#include "checker.h"

#include <algorithm>
#include <filesystem>

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

bool has_non_tensor_io(const Session& s) {
  for (const auto* list : {&s.inputs(), &s.outputs()}) {
    for (const IoInfo& io : *list) {
      if (io.kind != ValueKind::kTensor) return true;
    }
  }
  return false;
}

// One data set of a model with sequence or optional inputs/outputs: files map to inputs and
// outputs by position, which gives the kind each file holds.
Status check_value_set(Session& s, const std::string& dir, double rtol, double atol, DataSetCheck* dc) {
  std::map<std::string, RtValue> feed;
  const auto input_files = numbered_files(dir, "input");
  for (size_t i = 0; i < input_files.size() && i < s.inputs().size(); ++i) {
    LACUNA_ASSIGN_OR_RETURN(feed[s.inputs()[i].name], read_value_file(input_files[i], s.inputs()[i].kind));
  }
  LACUNA_ASSIGN_OR_RETURN(auto outs, s.run_values(feed));
  const auto expected_files = numbered_files(dir, "output");
  for (size_t i = 0; i < expected_files.size() && i < s.outputs().size(); ++i) {
    const IoInfo& io = s.outputs()[i];
    LACUNA_ASSIGN_OR_RETURN(RtValue exp, read_value_file(expected_files[i], io.kind));
    OutputCheck oc;
    oc.name = io.name;
    oc.cmp = compare_values(outs[io.name], exp, rtol, atol);
    dc->pass = dc->pass && oc.cmp.pass;
    dc->outputs.push_back(oc);
  }
  return Status::ok();
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
  const bool values = has_non_tensor_io(s);
  for (const auto& dir : sets) {
    DataSetCheck dc;
    dc.dir = dir;
    if (values) {
      Status st = check_value_set(s, dir, rtol, atol, &dc);
      if (!st.is_ok()) {
        mc.verdict = st.code() == ErrorCode::kUnsupported ? ModelCheck::Verdict::kUnsupported
                                                         : ModelCheck::Verdict::kError;
        mc.message = st.message();
        return mc;
      }
      if (!dc.pass) mc.verdict = ModelCheck::Verdict::kFail;
      mc.sets.push_back(std::move(dc));
      continue;
    }
    std::map<std::string, Tensor> named;
    std::vector<Tensor> positional;
    bool use_names = true;
    for (const auto& path : numbered_files(dir, "input")) {
      std::string name;
      auto t = read_tensor_file(path, &name);
      if (!t) {
        mc.verdict = ModelCheck::Verdict::kError;
        mc.message = t.status().message();
        return mc;
      }
      if (name.empty()) use_names = false;
      named[name] = *t;
      positional.push_back(*t);
    }
    // Inputs match by name when every file names one; otherwise by position.
    std::map<std::string, Tensor> feed;
    if (use_names) {
      feed = named;
    } else {
      for (size_t i = 0; i < positional.size() && i < s.inputs().size(); ++i) feed[s.inputs()[i].name] = positional[i];
    }
    auto outs = s.run(feed);
    if (!outs) {
      mc.verdict = outs.status().code() == ErrorCode::kUnsupported ? ModelCheck::Verdict::kUnsupported
                                                                   : ModelCheck::Verdict::kError;
      mc.message = outs.status().message();
      return mc;
    }
    const auto expected_files = numbered_files(dir, "output");
    for (size_t i = 0; i < expected_files.size(); ++i) {
      std::string name;
      auto exp = read_tensor_file(expected_files[i], &name);
      if (!exp) {
        mc.verdict = ModelCheck::Verdict::kError;
        mc.message = exp.status().message();
        return mc;
      }
      if (name.empty() || !outs->count(name)) {
        name = i < s.outputs().size() ? s.outputs()[i].name : "";
      }
      OutputCheck oc;
      oc.name = name;
      auto it = outs->find(name);
      if (it == outs->end()) {
        oc.cmp.pass = false;
        oc.cmp.note = "the model has no output '" + name + "'";
      } else {
        oc.cmp = compare_tensors(it->second, *exp, rtol, atol);
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
