// libFuzzer target for the model loader: parse, import, infer shapes, fold constants, plan and
// run on zero inputs. Any crash, sanitizer report, leak or hang is a bug; errors are fine.
#include <cstdint>
#include <string>
#include <vector>

#include "lacuna/session.h"
#include "ops/control_flow.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = [] {
    lacuna::set_max_tensor_bytes(int64_t{64} << 20);  // keep memory bounded on absurd shapes
    lacuna::ops::set_max_loop_iterations(10000);      // and time bounded on endless loops
    return true;
  }();
  (void)init;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  lacuna::Options options;
  options.num_threads = 1;
  auto session = lacuna::Session::load_from_bytes(bytes, options, "fuzz-input");
  if (!session) return 0;
  std::vector<lacuna::Tensor> inputs;
  for (const auto& io : (*session)->inputs()) {
    lacuna::Shape shape;
    for (int64_t d : io.dims) shape.push_back(d < 0 ? 1 : d);
    auto n = lacuna::checked_numel(shape);
    if (!n || *n > (1 << 20) || io.dtype == lacuna::DType::kUndefined) return 0;
    auto t = lacuna::Tensor::create(io.dtype, shape);
    if (!t) return 0;
    inputs.push_back(std::move(t).value());
  }
  auto out = (*session)->run(inputs);
  (void)out;
  return 0;
}
