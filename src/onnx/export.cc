// ONNX writer.
#include "onnx/export.h"

#include <onnx/onnx_pb.h>

#include <set>

#include "core/file_util.h"
#include "onnx/tensor_proto.h"

namespace lacuna::onnx_io {

namespace {

void set_value_info(const ir::Graph& g, ir::ValueId id, onnx::ValueInfoProto* vi) {
  const ir::Value& v = g.value(id);
  vi->set_name(v.name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype_to_onnx(v.dtype));
  auto* shape = tt->mutable_shape();
  auto it = g.declared_dims.find(id);
  if (it != g.declared_dims.end()) {
    for (const ir::Dim& d : it->second) {
      auto* dim = shape->add_dim();
      if (d.value >= 0) dim->set_dim_value(d.value);
      else dim->set_dim_param(d.param.empty() ? "?" : d.param);
    }
  } else if (v.shape) {
    for (int64_t d : *v.shape) shape->add_dim()->set_dim_value(d);
  } else {
    tt->clear_shape();
  }
}

Status write_graph(const ir::Graph& g, onnx::GraphProto* gp);

Status write_attribute(const std::string& name, const ir::Attribute& a, onnx::AttributeProto* ap) {
  using K = ir::Attribute::Kind;
  ap->set_name(name);
  switch (a.kind) {
    case K::kInt: ap->set_type(onnx::AttributeProto::INT); ap->set_i(a.i); break;
    case K::kFloat: ap->set_type(onnx::AttributeProto::FLOAT); ap->set_f(a.f); break;
    case K::kString: ap->set_type(onnx::AttributeProto::STRING); ap->set_s(a.s); break;
    case K::kInts:
      ap->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints) ap->add_ints(v);
      break;
    case K::kFloats:
      ap->set_type(onnx::AttributeProto::FLOATS);
      for (float v : a.floats) ap->add_floats(v);
      break;
    case K::kStrings:
      ap->set_type(onnx::AttributeProto::STRINGS);
      for (const auto& v : a.strings) ap->add_strings(v);
      break;
    case K::kTensor:
      ap->set_type(onnx::AttributeProto::TENSOR);
      tensor_to_proto(a.t, "", ap->mutable_t());
      break;
    case K::kTensors:
      ap->set_type(onnx::AttributeProto::TENSORS);
      for (const auto& t : a.tensors) tensor_to_proto(t, "", ap->add_tensors());
      break;
    case K::kGraph:
      ap->set_type(onnx::AttributeProto::GRAPH);
      LACUNA_RETURN_IF_ERROR(write_graph(*a.g, ap->mutable_g()));
      break;
    case K::kGraphs:
      ap->set_type(onnx::AttributeProto::GRAPHS);
      for (const auto& sub : a.graphs) LACUNA_RETURN_IF_ERROR(write_graph(*sub, ap->add_graphs()));
      break;
    case K::kType: {
      ap->set_type(onnx::AttributeProto::TYPE_PROTO);
      onnx::TypeProto* tp = ap->mutable_tp();
      if (a.type_kind == ValueKind::kOptional) tp = tp->mutable_optional_type()->mutable_elem_type();
      if (a.type_kind == ValueKind::kSequence || a.type_of_sequence) tp = tp->mutable_sequence_type()->mutable_elem_type();
      tp->mutable_tensor_type()->set_elem_type(dtype_to_onnx(a.type_dtype));
      break;
    }
    case K::kUndefined:
      return invalid_argument("attribute '" + name + "' has no value");
  }
  return Status::ok();
}

Status write_graph(const ir::Graph& g, onnx::GraphProto* gp) {
  gp->set_name(g.name.empty() ? "lacuna" : g.name);
  std::set<ir::ValueId> used;
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    for (ir::ValueId v : n.inputs) {
      if (v != ir::kNoValue) used.insert(v);
    }
  }
  for (ir::ValueId v : g.outputs) used.insert(v);
  std::set<std::string> outer(g.outer_refs.begin(), g.outer_refs.end());
  for (ir::ValueId v : used) {
    const ir::Value& val = g.value(v);
    if (val.is_constant() && !outer.count(val.name)) tensor_to_proto(val.constant, val.name, gp->add_initializer());
  }
  for (ir::ValueId v : g.inputs) set_value_info(g, v, gp->add_input());
  for (ir::ValueId v : g.overridable) set_value_info(g, v, gp->add_input());
  for (ir::ValueId v : g.outputs) set_value_info(g, v, gp->add_output());
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    auto* np = gp->add_node();
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    if (!n.domain.empty()) np->set_domain(n.domain);
    for (ir::ValueId v : n.inputs) np->add_input(v == ir::kNoValue ? "" : g.value(v).name);
    for (ir::ValueId v : n.outputs) np->add_output(v == ir::kNoValue ? "" : g.value(v).name);
    for (const auto& [name, a] : n.attrs) {
      LACUNA_RETURN_IF_ERROR(write_attribute(name, a, np->add_attribute()).with_context(n.describe()));
    }
  }
  return Status::ok();
}

}  // namespace

Expected<std::string> serialize_model(const ir::Graph& g, const ExportOptions& options) {
  onnx::ModelProto mp;
  mp.set_ir_version(options.ir_version);
  mp.set_producer_name(options.producer);
  mp.set_producer_version("0.1.0");
  for (const auto& [domain, version] : g.opsets) {
    auto* o = mp.add_opset_import();
    o->set_domain(domain);
    o->set_version(version);
  }
  if (g.opsets.empty()) {
    auto* o = mp.add_opset_import();
    o->set_domain("");
    o->set_version(17);
  }
  LACUNA_RETURN_IF_ERROR(write_graph(g, mp.mutable_graph()));
  std::string bytes;
  if (!mp.SerializeToString(&bytes)) {
    return unsupported("the model is larger than protobuf's 2 GB limit; use external data");
  }
  return bytes;
}

Status export_model(const ir::Graph& g, const std::string& path, const ExportOptions& options) {
  LACUNA_ASSIGN_OR_RETURN(std::string bytes, serialize_model(g, options));
  return write_file_atomic(path, bytes);
}

}  // namespace lacuna::onnx_io
