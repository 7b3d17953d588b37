// Node attributes: a tagged value of one of ONNX's attribute kinds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lacuna/tensor.h"
#include "lacuna/value.h"

namespace lacuna::ir {

class Graph;

struct Attribute {
  enum class Kind { kUndefined, kInt, kFloat, kString, kTensor, kGraph, kInts, kFloats, kStrings,
                    kTensors, kGraphs, kType };
  Kind kind = Kind::kUndefined;
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  // kType (TypeProto attributes, e.g. Optional's `type`): kind and element dtype.
  ValueKind type_kind = ValueKind::kTensor;
  DType type_dtype = DType::kUndefined;
  bool type_of_sequence = false;  // an optional whose element is a sequence

  static Attribute of_int(int64_t v) { Attribute a; a.kind = Kind::kInt; a.i = v; return a; }
  static Attribute of_float(float v) { Attribute a; a.kind = Kind::kFloat; a.f = v; return a; }
  static Attribute of_string(std::string v) {
    Attribute a; a.kind = Kind::kString; a.s = std::move(v); return a;
  }
  static Attribute of_ints(std::vector<int64_t> v) {
    Attribute a; a.kind = Kind::kInts; a.ints = std::move(v); return a;
  }
  static Attribute of_floats(std::vector<float> v) {
    Attribute a; a.kind = Kind::kFloats; a.floats = std::move(v); return a;
  }
  static Attribute of_tensor(Tensor v) {
    Attribute a; a.kind = Kind::kTensor; a.t = std::move(v); return a;
  }
};

const char* attribute_kind_name(Attribute::Kind k);

using Attributes = std::map<std::string, Attribute>;

}  // namespace lacuna::ir
