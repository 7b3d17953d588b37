// Each operator family registers its kernels; register_all_ops calls them in order.
#pragma once

namespace lacuna::ops {

class Registry;

void register_elementwise_unary_ops(Registry& r);
void register_elementwise_binary_ops(Registry& r);
void register_reshape_ops(Registry& r);
void register_cast_ops(Registry& r);
void register_constant_ops(Registry& r);
void register_control_flow_ops(Registry& r);
void register_matmul_ops(Registry& r);
void register_conv_ops(Registry& r);
void register_pool_ops(Registry& r);
void register_normalization_ops(Registry& r);
void register_softmax_ops(Registry& r);
void register_resize_ops(Registry& r);
void register_sampling_ops(Registry& r);
void register_einsum_ops(Registry& r);
void register_reduce_ops(Registry& r);
void register_loss_ops(Registry& r);
void register_quantize_ops(Registry& r);
void register_qconv_ops(Registry& r);
void register_qmatmul_ops(Registry& r);
void register_qlinear_ops(Registry& r);
void register_qpool_ops(Registry& r);
void register_contrib_ops(Registry& r);
void register_rnn_ops(Registry& r);
void register_signal_ops(Registry& r);
void register_window_ops(Registry& r);
void register_nms_ops(Registry& r);
void register_random_ops(Registry& r);
void register_dropout_ops(Registry& r);
void register_training_ops(Registry& r);
void register_string_ops(Registry& r);
void register_fused_conv_ops(Registry& r);
void register_blocked_ops(Registry& r);
void register_blocked_fast_ops(Registry& r);
void register_channel_norm_ops(Registry& r);
void register_feature_major_ops(Registry& r);
// Optimized implementations (registered after the references, so tried first).
void register_conv_fast_ops(Registry& r);
void register_matmul_fast_ops(Registry& r);
void register_rowops_fast_ops(Registry& r);
void register_attention_ops(Registry& r);
void register_attention_fast_ops(Registry& r);
void register_pool_fast_ops(Registry& r);
// Sparse implementations last of all: tried first, they decline unless the cost model (or
// --sparse) picks them.
void register_conv_sparse_ops(Registry& r);
void register_gemm_sparse_ops(Registry& r);
void register_fused_gemm_ops(Registry& r);
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
  register_control_flow_ops(r);
  register_matmul_ops(r);
  register_conv_ops(r);
  register_pool_ops(r);
  register_normalization_ops(r);
  register_softmax_ops(r);
  register_resize_ops(r);
  register_sampling_ops(r);
  register_blocked_ops(r);
  register_channel_norm_ops(r);
  register_feature_major_ops(r);
  register_einsum_ops(r);
  register_reduce_ops(r);
  register_loss_ops(r);
  register_quantize_ops(r);
  register_qconv_ops(r);
  register_qmatmul_ops(r);
  register_qlinear_ops(r);
  register_qpool_ops(r);
  register_contrib_ops(r);
  register_rnn_ops(r);
  register_signal_ops(r);
  register_window_ops(r);
  register_nms_ops(r);
  register_random_ops(r);
  register_dropout_ops(r);
  register_training_ops(r);
  register_string_ops(r);
  register_fused_conv_ops(r);
  register_fused_gemm_ops(r);
  register_attention_ops(r);
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
  // Optimized implementations last: the registry tries the newest registration first.
  register_conv_fast_ops(r);
  register_matmul_fast_ops(r);
  register_rowops_fast_ops(r);
  register_attention_fast_ops(r);
  register_pool_fast_ops(r);
  register_blocked_fast_ops(r);
  register_conv_sparse_ops(r);
  register_gemm_sparse_ops(r);
}

}  // namespace lacuna::ops
