// Builds IR graphs in code: used by the synthetic-model generator, the sparsify tools and tests.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace lacuna::ir {

class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 17, std::string name = "graph");

  ValueId input(const std::string& name, DType dtype, const std::vector<Dim>& dims);
  ValueId constant(const std::string& name, Tensor value);
  // Adds a node and returns its outputs (named "<name>_out<i>" unless given).
  std::vector<ValueId> node(const std::string& op, const std::vector<ValueId>& inputs,
                            Attributes attrs = {}, int num_outputs = 1, const std::string& name = "",
                            const std::string& domain = "");
  // Single-output convenience.
  ValueId op(const std::string& op, const std::vector<ValueId>& inputs, Attributes attrs = {},
             const std::string& name = "");
  void output(ValueId v, const std::string& rename = "", DType dtype = DType::kUndefined,
              const std::vector<Dim>& dims = {});
  Graph& graph() { return g_; }
  Graph finish();

 private:
  Graph g_;
  int counter_ = 0;
};

}  // namespace lacuna::ir
