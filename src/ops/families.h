// Each operator family registers its kernels; register_all_ops calls them in order.
#pragma once

namespace lacuna::ops {

class Registry;

void register_elementwise_unary_ops(Registry& r);
void register_elementwise_binary_ops(Registry& r);
void register_reshape_ops(Registry& r);
void register_cast_ops(Registry& r);
void register_constant_ops(Registry& r);
void register_transpose_ops(Registry& r);
void register_concat_split_ops(Registry& r);
void register_slice_ops(Registry& r);
void register_gather_ops(Registry& r);
void register_scatter_ops(Registry& r);
void register_expand_tile_ops(Registry& r);
void register_pad_ops(Registry& r);
void register_generator_ops(Registry& r);
void register_select_ops(Registry& r);
void register_sort_ops(Registry& r);
void register_cumsum_ops(Registry& r);
void register_sequence_ops(Registry& r);
void register_sequence_split_ops(Registry& r);
void register_optional_ops(Registry& r);

// The reference families first, then optimized implementations (which are tried first).
inline void register_all_ops(Registry& r) {
  register_elementwise_unary_ops(r);
  register_elementwise_binary_ops(r);
  register_reshape_ops(r);
  register_cast_ops(r);
  register_constant_ops(r);
  register_transpose_ops(r);
  register_concat_split_ops(r);
  register_slice_ops(r);
  register_gather_ops(r);
  register_scatter_ops(r);
  register_expand_tile_ops(r);
  register_pad_ops(r);
  register_generator_ops(r);
  register_select_ops(r);
  register_sort_ops(r);
  register_cumsum_ops(r);
  register_sequence_ops(r);
  register_sequence_split_ops(r);
  register_optional_ops(r);
}

}  // namespace lacuna::ops
