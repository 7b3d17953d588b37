// GraphBuilder.
#include "ir/builder.h"

namespace lacuna::ir {

GraphBuilder::GraphBuilder(int64_t opset, std::string name) {
  g_.name = std::move(name);
  g_.opsets[""] = opset;
}

ValueId GraphBuilder::input(const std::string& name, DType dtype, const std::vector<Dim>& dims) {
  ValueId v = g_.add_value(name, dtype);
  g_.inputs.push_back(v);
  g_.declared_dims[v] = dims;
  return v;
}

ValueId GraphBuilder::constant(const std::string& name, Tensor value) {
  return g_.add_constant(name, std::move(value));
}

std::vector<ValueId> GraphBuilder::node(const std::string& op, const std::vector<ValueId>& inputs,
                                        Attributes attrs, int num_outputs, const std::string& name,
                                        const std::string& domain) {
  Node n;
  n.name = name.empty() ? op + "_" + std::to_string(counter_++) : name;
  n.op_type = op;
  n.domain = domain;
  n.inputs = inputs;
  n.attrs = std::move(attrs);
  for (int i = 0; i < num_outputs; ++i) {
    n.outputs.push_back(g_.add_value(n.name + "_out" + (i ? std::to_string(i) : "")));
  }
  std::vector<ValueId> outs = n.outputs;
  g_.add_node(std::move(n));
  return outs;
}

ValueId GraphBuilder::op(const std::string& op_type, const std::vector<ValueId>& inputs,
                         Attributes attrs, const std::string& name) {
  return node(op_type, inputs, std::move(attrs), 1, name)[0];
}

void GraphBuilder::output(ValueId v, const std::string& rename, DType dtype,
                          const std::vector<Dim>& dims) {
  if (!rename.empty()) g_.rename(v, rename);
  if (dtype != DType::kUndefined) g_.value(v).dtype = dtype;
  if (!dims.empty()) g_.declared_dims[v] = dims;
  g_.outputs.push_back(v);
}

Graph GraphBuilder::finish() {
  Graph out = std::move(g_);
  (void)out.topo_sort();
  return out;
}

}  // namespace lacuna::ir
