// ONNX import: opsets, initializers (incl. external and sparse data), Constant nodes, graph
// inputs with symbolic dims, and nested subgraphs (If/Loop/Scan bodies).
#include "onnx/import.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <set>

#include "core/file_util.h"
#include "onnx/tensor_proto.h"

namespace lacuna::onnx_io {

namespace {

constexpr int64_t kMaxSupportedIrVersion = 10;

std::string domain_of(const std::string& d) { return d == "ai.onnx" ? "" : d; }

class Importer {
 public:
  // `releasable`: the top-level graph, when the importer may free each initializer's bytes once
  // converted (so that the model's weights are not held twice while importing); else null.
  Importer(std::string base_dir, std::string what, onnx::GraphProto* releasable = nullptr)
      : base_dir_(std::move(base_dir)), what_(std::move(what)), releasable_(releasable) {}

  Status import_graph(const onnx::GraphProto& gp, const std::map<std::string, int64_t>& opsets,
                      const std::set<std::string>& outer_scope, ir::Graph* g, bool subgraph = false);

 private:
  Expected<ir::Attribute> import_attribute(const onnx::AttributeProto& ap, const std::string& node,
                                           const std::map<std::string, int64_t>& opsets,
                                           const std::set<std::string>& scope);
  Status import_value_type(const onnx::TypeProto& tp, const std::string& name, ir::Graph* g,
                           ir::ValueId id, bool is_input);

  std::string base_dir_;
  std::string what_;
  onnx::GraphProto* releasable_;
};

Status Importer::import_value_type(const onnx::TypeProto& tp, const std::string& name,
                                   ir::Graph* g, ir::ValueId id, bool is_input) {
  ir::Value& v = g->value(id);
  const onnx::TypeProto* tensor_type = nullptr;
  if (tp.has_tensor_type()) {
    v.kind = ValueKind::kTensor;
    tensor_type = &tp;
  } else if (tp.has_sequence_type()) {
    v.kind = ValueKind::kSequence;
    if (tp.sequence_type().elem_type().has_tensor_type()) tensor_type = &tp.sequence_type().elem_type();
  } else if (tp.has_optional_type()) {
    v.kind = ValueKind::kOptional;
    const auto& e = tp.optional_type().elem_type();
    if (e.has_tensor_type()) tensor_type = &e;
    else if (e.has_sequence_type() && e.sequence_type().elem_type().has_tensor_type())
      tensor_type = &e.sequence_type().elem_type();
  } else if (tp.value_case() == onnx::TypeProto::VALUE_NOT_SET) {
    if (is_input) return invalid_model("graph input '" + name + "' has no type");
    return Status::ok();
  } else {
    return unsupported("value '" + name + "' has a map or sparse-tensor type");
  }
  if (!tensor_type) return Status::ok();
  const auto& tt = tensor_type->tensor_type();
  if (tt.elem_type() != 0) {
    auto dt = dtype_from_onnx(tt.elem_type());
    if (!dt) return dt.status().with_context("value '" + name + "'");
    v.dtype = *dt;
  } else if (is_input) {
    return invalid_model("graph input '" + name + "' has no element type");
  }
  if (tt.has_shape() && v.kind == ValueKind::kTensor) {
    std::vector<ir::Dim> dims;
    for (const auto& d : tt.shape().dim()) {
      ir::Dim dim;
      if (d.has_dim_value()) {
        if (d.dim_value() < 0) return invalid_model("value '" + name + "' has a negative dimension");
        dim.value = d.dim_value();
      } else {
        dim.param = d.dim_param();
      }
      dims.push_back(dim);
    }
    g->declared_dims[id] = std::move(dims);
  }
  return Status::ok();
}

Expected<ir::Attribute> Importer::import_attribute(const onnx::AttributeProto& ap,
                                                   const std::string& node,
                                                   const std::map<std::string, int64_t>& opsets,
                                                   const std::set<std::string>& scope) {
  using K = ir::Attribute::Kind;
  ir::Attribute a;
  const std::string what = "attribute '" + ap.name() + "' of node '" + node + "'";
  if (!ap.ref_attr_name().empty()) {
    return unsupported(what + " refers to a function attribute");
  }
  auto type = ap.type();
  if (type == onnx::AttributeProto::UNDEFINED) {  // IR v1 models: infer from the set field
    if (ap.has_i()) type = onnx::AttributeProto::INT;
    else if (ap.has_f()) type = onnx::AttributeProto::FLOAT;
    else if (ap.has_s()) type = onnx::AttributeProto::STRING;
    else if (ap.has_t()) type = onnx::AttributeProto::TENSOR;
    else if (ap.has_g()) type = onnx::AttributeProto::GRAPH;
    else if (ap.ints_size()) type = onnx::AttributeProto::INTS;
    else if (ap.floats_size()) type = onnx::AttributeProto::FLOATS;
    else if (ap.strings_size()) type = onnx::AttributeProto::STRINGS;
  }
  switch (type) {
    case onnx::AttributeProto::INT: a.kind = K::kInt; a.i = ap.i(); break;
    case onnx::AttributeProto::FLOAT: a.kind = K::kFloat; a.f = ap.f(); break;
    case onnx::AttributeProto::STRING: a.kind = K::kString; a.s = ap.s(); break;
    case onnx::AttributeProto::INTS:
      a.kind = K::kInts;
      a.ints.assign(ap.ints().begin(), ap.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      a.kind = K::kFloats;
      a.floats.assign(ap.floats().begin(), ap.floats().end());
      break;
    case onnx::AttributeProto::STRINGS:
      a.kind = K::kStrings;
      a.strings.assign(ap.strings().begin(), ap.strings().end());
      break;
    case onnx::AttributeProto::TENSOR: {
      a.kind = K::kTensor;
      auto t = tensor_from_proto(ap.t(), base_dir_, what);
      if (!t) return t.status();
      a.t = std::move(t).value();
      break;
    }
    case onnx::AttributeProto::SPARSE_TENSOR: {
      a.kind = K::kTensor;
      auto t = tensor_from_sparse_proto(ap.sparse_tensor(), base_dir_, what);
      if (!t) return t.status();
      a.t = std::move(t).value();
      break;
    }
    case onnx::AttributeProto::TENSORS:
      a.kind = K::kTensors;
      for (const auto& tp : ap.tensors()) {
        auto t = tensor_from_proto(tp, base_dir_, what);
        if (!t) return t.status();
        a.tensors.push_back(std::move(t).value());
      }
      break;
    case onnx::AttributeProto::GRAPH: {
      a.kind = K::kGraph;
      a.g = std::make_shared<ir::Graph>();
      LACUNA_RETURN_IF_ERROR(import_graph(ap.g(), opsets, scope, a.g.get(), /*subgraph=*/true)
                                 .with_context("in subgraph " + what));
      break;
    }
    case onnx::AttributeProto::GRAPHS:
      a.kind = K::kGraphs;
      for (const auto& gp : ap.graphs()) {
        auto sub = std::make_shared<ir::Graph>();
        LACUNA_RETURN_IF_ERROR(import_graph(gp, opsets, scope, sub.get(), /*subgraph=*/true)
                                   .with_context("in subgraph " + what));
        a.graphs.push_back(std::move(sub));
      }
      break;
    case onnx::AttributeProto::TYPE_PROTO: {
      a.kind = K::kType;
      const onnx::TypeProto* tp = &ap.tp();
      if (tp->has_optional_type()) {
        a.type_kind = ValueKind::kOptional;
        tp = &tp->optional_type().elem_type();
        if (tp->has_sequence_type()) {
          a.type_of_sequence = true;
          tp = &tp->sequence_type().elem_type();
        }
      } else if (tp->has_sequence_type()) {
        a.type_kind = ValueKind::kSequence;
        tp = &tp->sequence_type().elem_type();
      }
      if (tp->has_tensor_type()) {
        auto dt = dtype_from_onnx(tp->tensor_type().elem_type());
        if (!dt) return dt.status().with_context(what);
        a.type_dtype = *dt;
      }
      break;
    }
    default:
      return unsupported(what + " has an unsupported type (" + std::to_string(ap.type()) + ")");
  }
  return a;
}

Status Importer::import_graph(const onnx::GraphProto& gp,
                              const std::map<std::string, int64_t>& opsets,
                              const std::set<std::string>& outer_scope, ir::Graph* g, bool subgraph) {
  g->name = gp.name();
  g->opsets = opsets;
  std::set<std::string> scope;  // names defined in this graph

  // Initializers first: a graph input with the same name is an overridable default.
  for (int i = 0; i < gp.initializer_size(); ++i) {
    const onnx::TensorProto& tp = gp.initializer(i);
    if (tp.name().empty()) return invalid_model("an initializer has no name");
    if (g->find(tp.name()) != ir::kNoValue) {
      return invalid_model("initializer '" + tp.name() + "' is defined twice");
    }
    auto t = tensor_from_proto(tp, base_dir_, tp.name());
    if (!t) return t.status().with_context("initializer '" + tp.name() + "'");
    g->add_constant(tp.name(), std::move(t).value());
    scope.insert(tp.name());
    if (releasable_ == &gp) std::string().swap(*releasable_->mutable_initializer(i)->mutable_raw_data());
  }
  for (const auto& sp : gp.sparse_initializer()) {
    const std::string& name = sp.values().name();
    if (name.empty()) return invalid_model("a sparse initializer has no name");
    auto t = tensor_from_sparse_proto(sp, base_dir_, name);
    if (!t) return t.status().with_context("sparse initializer '" + name + "'");
    g->add_constant(name, std::move(t).value());
    scope.insert(name);
  }
  for (const auto& vi : gp.input()) {
    if (vi.name().empty()) return invalid_model("a graph input has no name");
    ir::ValueId id = g->find(vi.name());
    if (id != ir::kNoValue && scope.count(vi.name())) {
      if (g->value(id).is_constant()) {
        g->overridable.push_back(id);
        continue;
      }
      return invalid_model("graph input '" + vi.name() + "' is listed twice");
    }
    id = g->add_value(vi.name());
    // Subgraph inputs may leave their type to the enclosing op (ONNX allows it).
    LACUNA_RETURN_IF_ERROR(import_value_type(vi.type(), vi.name(), g, id, /*is_input=*/!subgraph));
    g->inputs.push_back(id);
    scope.insert(vi.name());
  }

  auto resolve = [&](const std::string& name, const std::string& node) -> Expected<ir::ValueId> {
    ir::ValueId id = g->find(name);
    if (id != ir::kNoValue) return id;
    if (outer_scope.count(name)) {
      id = g->add_value(name);
      g->outer_refs.push_back(name);
      return id;
    }
    return invalid_model("node '" + node + "' reads '" + name +
                         "', which is not a graph input, an initializer or any node's output");
  };

  // Node outputs may be read before (in file order) they are produced, so create them first.
  for (const auto& np : gp.node()) {
    for (const auto& o : np.output()) {
      if (o.empty()) continue;
      if (scope.count(o)) {
        return invalid_model("value '" + o + "' is defined more than once (node '" + np.name() + "')");
      }
      g->add_value(o);
      scope.insert(o);
    }
  }
  std::set<std::string> inner_scope = outer_scope;
  inner_scope.insert(scope.begin(), scope.end());

  int index = 0;
  for (const auto& np : gp.node()) {
    ir::Node n;
    n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(index) : np.name();
    ++index;
    n.op_type = np.op_type();
    n.domain = domain_of(np.domain());
    if (n.op_type.empty()) return invalid_model("node '" + n.name + "' has no op_type");
    if (!n.domain.empty() && !opsets.count(n.domain)) {
      return invalid_model(n.describe() + " uses domain '" + n.domain +
                           "', which the model does not import");
    }
    for (const auto& in : np.input()) {
      if (in.empty()) {
        n.inputs.push_back(ir::kNoValue);
        continue;
      }
      auto id = resolve(in, n.name);
      if (!id) return id.status();
      n.inputs.push_back(*id);
    }
    for (const auto& out : np.output()) n.outputs.push_back(out.empty() ? ir::kNoValue : g->find(out));
    if (n.outputs.empty()) return invalid_model(n.describe() + " has no outputs");
    // Only recurrent ops may omit their first output; a value nobody reads keeps every kernel's
    // output 0 real.
    if (n.outputs[0] == ir::kNoValue) n.outputs[0] = g->add_value(g->unique_name(n.name + "_unused_output"));
    for (const auto& ap : np.attribute()) {
      if (ap.name().empty()) return invalid_model(n.describe() + " has an attribute with no name");
      auto a = import_attribute(ap, n.name, opsets, inner_scope);
      if (!a) return a.status();
      n.attrs[ap.name()] = std::move(a).value();
    }
    // Subgraphs read outer-scope values by name: make them implicit inputs of this node (n.attrs
    // is a std::map, so the order is the attribute-name order the kernels rely on).
    for (const auto& [aname, a] : n.attrs) {
      std::vector<const ir::Graph*> subs;
      if (a.kind == ir::Attribute::Kind::kGraph) subs.push_back(a.g.get());
      for (const auto& sg : a.graphs) subs.push_back(sg.get());
      for (const ir::Graph* sg : subs) {
        for (const std::string& ref : sg->outer_refs) {
          auto id = resolve(ref, n.name);
          if (!id) return id.status();
          n.implicit_inputs.push_back(*id);
        }
      }
    }
    g->add_node(std::move(n));
  }

  for (const auto& vi : gp.output()) {
    ir::ValueId id = g->find(vi.name());
    if (id == ir::kNoValue) {
      if (!outer_scope.count(vi.name())) {
        return invalid_model("graph output '" + vi.name() + "' is not produced by any node");
      }
      auto r = resolve(vi.name(), "(graph output)");
      if (!r) return r.status();
      id = *r;
    }
    g->outputs.push_back(id);
    LACUNA_RETURN_IF_ERROR(import_value_type(vi.type(), vi.name(), g, id, /*is_input=*/false));
  }
  for (const auto& vi : gp.value_info()) {  // declared dtypes of intermediates help inference
    ir::ValueId id = g->find(vi.name());
    if (id == ir::kNoValue || g->value(id).dtype != DType::kUndefined) continue;
    if (vi.type().has_tensor_type() && vi.type().tensor_type().elem_type() != 0) {
      auto dt = dtype_from_onnx(vi.type().tensor_type().elem_type());
      if (dt) g->value(id).dtype = *dt;
    }
  }
  return g->topo_sort();
}

}  // namespace

namespace {

// Imports a parsed model; frees the initializers' bytes from `mp` as they are converted.
Expected<ir::Graph> import_parsed(onnx::ModelProto& mp, const std::string& base_dir, const std::string& what,
                                  ModelInfo* info) {
  if (!mp.has_graph()) return invalid_model("'" + what + "' has no graph (is it an ONNX model?)");
  if (mp.ir_version() <= 0) return invalid_model("'" + what + "' has no ir_version");
  if (mp.ir_version() > kMaxSupportedIrVersion) {
    return unsupported("'" + what + "' has IR version " + std::to_string(mp.ir_version()) +
                       "; Lacuna reads up to " + std::to_string(kMaxSupportedIrVersion));
  }
  if (mp.functions_size() > 0) {
    return unsupported("'" + what + "' defines model-local functions (" +
                       mp.functions(0).name() + "), which are not supported yet");
  }
  std::map<std::string, int64_t> opsets;
  for (const auto& o : mp.opset_import()) opsets[domain_of(o.domain())] = o.version();
  if (mp.opset_import_size() == 0) opsets[""] = 1;  // IR v2 and older
  if (info) {
    info->ir_version = mp.ir_version();
    info->producer = mp.producer_name();
    info->producer_version = mp.producer_version();
  }
  ir::Graph g;
  Importer imp(base_dir, what, mp.mutable_graph());
  Status s = imp.import_graph(mp.graph(), opsets, {}, &g);
  if (!s.is_ok()) return s.with_context(what);
  if (g.outputs.empty()) return invalid_model(what + ": the graph has no outputs");
  return g;
}

Status parse_failed(const std::string& what) {
  return invalid_model("'" + what + "' is not a valid ONNX model (protobuf parsing failed; the "
                       "file may be truncated or corrupt)");
}

}  // namespace

Expected<ir::Graph> import_model_bytes(const std::string& bytes, const std::string& base_dir,
                                       const std::string& what, ModelInfo* info) {
  onnx::ModelProto mp;
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return unsupported("'" + what + "' is larger than 2 GB; store its weights as external data");
  }
  if (!mp.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) return parse_failed(what);
  return import_parsed(mp, base_dir, what, info);
}

// Parses straight from the file (the file's bytes are never held in memory besides the parsed
// model, whose weights are freed one by one as they become tensors).
Expected<ir::Graph> import_model(const std::string& path, ModelInfo* info) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  Status bad;
  if (::fstat(fd, &st) != 0) {
    bad = io_error("cannot open '" + path + "': " + std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    bad = io_error("'" + path + "' is a directory, not a file");
  } else if (st.st_size > static_cast<off_t>(INT_MAX)) {  // checked before parsing any of it
    bad = unsupported("'" + path + "' is larger than 2 GB; store its weights as external data");
  }
  if (!bad.is_ok()) {
    ::close(fd);
    return bad;
  }
  onnx::ModelProto mp;
  bool ok = false;
  {
    google::protobuf::io::FileInputStream file(fd, 1 << 20);
    google::protobuf::io::CodedInputStream stream(&file);
    stream.SetTotalBytesLimit(INT_MAX);
    ok = mp.ParseFromCodedStream(&stream) && stream.ConsumedEntireMessage();
  }
  ::close(fd);
  if (!ok) return parse_failed(path);
  auto g = import_parsed(mp, dirname_of(path), path, info);
  if (info) info->path = path;
  return g;
}

}  // namespace lacuna::onnx_io
