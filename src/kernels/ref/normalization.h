// Reference normalization kernels: batch (inference and training statistics), instance, layer,
// group, local response and mean-variance normalization. Variances are population variances
// computed in two passes (mean first) for accuracy; T is float or double.
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

// x is (batch, channels, size): y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c].
template <class T>
void batch_norm(const T* x, int64_t batch, int64_t channels, int64_t size, const T* scale,
                const T* bias, const T* mean, const T* var, float eps, T* y);

// Per-channel mean and population variance over batch and spatial positions.
template <class T>
void channel_moments(const T* x, int64_t batch, int64_t channels, int64_t size, T* mean, T* var);

// Normalizes each (batch, channel) plane over its `size` elements.
template <class T>
void instance_norm(const T* x, int64_t batch, int64_t channels, int64_t size, const T* scale,
                   const T* bias, float eps, T* y);

// Normalizes each of `rows` rows of length `cols`; scale and bias (may be null) have `cols`
// entries. mean and inv_std_dev (may be null) receive one value per row.
template <class T>
void layer_norm(const T* x, int64_t rows, int64_t cols, const T* scale, const T* bias, float eps,
                T* y, T* mean, T* inv_std_dev);

// Normalizes each group of channels/groups consecutive channels; scale and bias are per channel.
template <class T>
void group_norm(const T* x, int64_t batch, int64_t channels, int64_t groups, int64_t size,
                const T* scale, const T* bias, float eps, T* y);

// y = x / (bias + alpha / size * sum of squares over the `size` channels around c)^beta.
template <class T>
void lrn(const T* x, int64_t batch, int64_t channels, int64_t plane, int64_t size, float alpha,
         float beta, float bias, T* y);

// y = (x - mean) / (sqrt(var) + eps), with moments over the dimensions where reduce[d] is set
// (y = x - mean when !divide_by_std).
template <class T>
void mean_variance_norm(const T* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduce,
                        bool divide_by_std, float eps, T* y);

}  // namespace lacuna::kernels::ref
