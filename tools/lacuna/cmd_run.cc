// `lacuna run MODEL -i NAME=FILE ... -o OUTDIR`: runs a model on tensors from files and writes
// every output as .npy.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "io/npy.h"

namespace lacuna::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string outdir = ".";
  EngineFlags flags;
};

int run_command(const RunArgs& a) {
  Options opts;
  Status s = a.flags.to_options(&opts);
  if (!s.is_ok()) return fail(s.message());
  auto session = Session::load(a.model, opts);
  if (!session) return fail(session.status().message());
  Session& sess = **session;
  auto shapes = parse_input_shapes(a.flags.input_shapes, sess.inputs());
  if (!shapes) return fail(shapes.status().message());

  std::map<std::string, Tensor> feed;
  for (const std::string& spec : a.inputs) {
    std::string name, path;
    const auto eq = spec.find('=');
    if (eq == std::string::npos) {
      if (sess.inputs().size() != 1 || a.inputs.size() != 1) {
        return fail("-i '" + spec + "' has no NAME=; the model has " + std::to_string(sess.inputs().size()) +
                    " inputs, so name each one");
      }
      name = sess.inputs()[0].name;
      path = spec;
    } else {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    }
    auto t = read_tensor_file(path);
    if (!t) return fail(t.status().message());
    auto it = shapes->find(name);
    if (it != shapes->end() && it->second != t->shape()) {
      return fail("input '" + name + "' from '" + path + "' has shape " + shape_to_string(t->shape()) +
                  " but --input-shapes says " + shape_to_string(it->second));
    }
    feed[name] = std::move(t).value();
  }
  for (const IoInfo& io : sess.inputs()) {
    if (!feed.count(io.name)) return fail("no value for input '" + io.name + "' (pass -i " + io.name + "=FILE)");
  }
  auto outs = sess.run_named(feed);
  if (!outs) return fail(outs.status().message());
  std::error_code ec;
  std::filesystem::create_directories(a.outdir, ec);
  if (ec) return fail("cannot create output folder '" + a.outdir + "': " + ec.message());
  // Check every output is writable before writing any, so a failure leaves no partial set.
  for (const auto& [name, t] : *outs) {
    if (t.dtype() == DType::kString || t.dtype() == DType::kBFloat16) {
      return fail("output '" + name + "' has dtype " + std::string(dtype_name(t.dtype())) + ", which .npy cannot hold");
    }
  }
  for (const IoInfo& io : sess.outputs()) {
    const Tensor& t = outs->at(io.name);
    const std::string path = a.outdir + "/" + sanitize_filename(io.name) + ".npy";
    Status w = io::write_npy(t, path);
    if (!w.is_ok()) return fail(w.message());
    std::printf("%s: %s %s -> %s\n", io.name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                shape_to_string(t.shape()).c_str(), path.c_str());
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "run a model on inputs from .npy/.pb files, write outputs as .npy");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("-i,--input", a->inputs, "NAME=FILE (.npy or TensorProto .pb); repeat per input");
  cmd->add_option("-o,--output-dir", a->outdir, "folder for the output .npy files");
  a->flags.add_to(cmd);
  cmd->callback([a, rc] { *rc = run_command(*a); });
}

}  // namespace lacuna::cli
