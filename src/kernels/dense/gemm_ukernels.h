// The GEMM micro-kernels compiled with ISA flags (kernels/avx512/, kernels/avx2/).
#pragma once

#include "kernels/dense/gemm.h"

namespace lacuna::kernels {

extern const GemmKernel kGemmAvx512_14x32;
extern const GemmKernel kGemmAvx2_6x16;

}  // namespace lacuna::kernels
