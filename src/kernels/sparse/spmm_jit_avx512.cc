// The AVX-512 code generator behind SpmmJit (xbyak). The generator itself is plain C++; only
// the code it emits needs AVX-512, and it is only emitted on CPUs that have it.
#include <xbyak/xbyak.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "core/log.h"
#include "kernels/sparse/spmm_jit.h"

namespace lacuna::kernels {

namespace {

constexpr int kLanes = 16;
constexpr int kMaxRows = 30;  // zmm0..29 accumulate; zmm30/31 hold X rows and constants

// Header of the value area: constants used by the epilogue.
enum Const : int { kLo = 0, kHi = 1, kSlope = 2, kConsts = 4 };

struct BlockLayout {
  int64_t r0 = 0, rows = 0;
  int64_t bias_at = -1;    // index in values of the block's biases
  int64_t values_at = 0;   // index of the first weight
  int64_t nnz = 0;
  std::vector<int64_t> cols;        // columns with non-zeros, ascending
  std::vector<int64_t> col_begin;   // entries of cols[i]: [col_begin[i], col_begin[i + 1])
  std::vector<int8_t> entry_row;    // row within the block, per entry
};

bool fits_disp32(int64_t floats) {
  const int64_t bytes = floats * 4;
  return bytes >= std::numeric_limits<int32_t>::min() / 2 && bytes <= std::numeric_limits<int32_t>::max() / 2;
}

}  // namespace

class SpmmJit::Generator : public Xbyak::CodeGenerator {
 public:
  explicit Generator(size_t bytes) : Xbyak::CodeGenerator(bytes) {}

  // Emits the function of K-chunk `chunk` (of `chunks`) of one block, over the block's columns
  // [c0, c1); returns its offset in the code (an entry point once ready()).
  size_t emit(const SpmmJitSpec& spec, const BlockLayout& b, size_t c0, size_t c1, int64_t chunk, int64_t chunks,
              const float* values) {
    using namespace Xbyak;
    align(32);
    const size_t entry = getSize();
    // Arguments (System V): rdi = X, rsi = Y, rdx = Z, rcx = columns left.
    const Reg64 rx = rdi, ry = rsi, rz = rdx, rcols = rcx, rbase = r8, rv = r9, rxw = r10;
    const Zmm xa(30), xb(31);
    const int rows = static_cast<int>(b.rows);
    const bool first = chunk == 0, last = chunk + 1 == chunks;
    mov(rbase, reinterpret_cast<uint64_t>(values));
    Label tile, full;
    L(tile);
    mov(eax, 0xffff);
    cmp(rcols, kLanes);
    jge(full, T_NEAR);
    mov(eax, 1);
    shl(eax, cl);
    dec(eax);
    L(full);
    kmovw(k1, eax);
    // Accumulators start from bias + residual (chunk 0) or the partial sums in Y.
    for (int j = 0; j < rows; ++j) {
      const Zmm acc(j);
      const int64_t yoff = spec.y_offset(b.r0 + j) * 4;
      if (!first) {
        vmovups(acc | k1 | T_z, ptr[ry + yoff]);
        continue;
      }
      if (b.bias_at >= 0) {
        vbroadcastss(acc, ptr[rbase + (b.bias_at + j) * 4]);
      } else {
        vpxord(acc, acc, acc);
      }
      if (spec.residual) vaddps(acc | k1, acc, ptr[rz + yoff]);
    }
    // Weights: rv walks the value area in steps of 256 floats so displacements fit in 8 bits
    // (scaled by 4): [-128, 127] floats around rv.
    const int64_t e0 = b.col_begin[c0];
    int64_t base = b.values_at + e0 + 128;
    if (e0 < b.col_begin[c1]) lea(rv, ptr[rbase + base * 4]);
    // X rows 64 bytes apart (a packed tile) load through rxw, walking in steps of 16 KiB so that
    // their displacements fit in 8 bits (scaled by 64): 7-byte loads instead of 10. Other
    // offsets load from rx with 32-bit displacements.
    constexpr int64_t kXStep = 256 * kLanes * 4, kXReach = 127 * kLanes * 4;
    int64_t xbase = c0 < c1 ? spec.x_offset(b.cols[c0]) * 4 + kXReach : 0;
    if (c0 < c1) lea(rxw, ptr[rx + xbase]);
    for (size_t c = c0; c < c1; ++c) {
      const Zmm& xr = (c & 1) ? xb : xa;
      const int64_t xoff = spec.x_offset(b.cols[c]) * 4;
      if ((xoff - xbase) % (kLanes * 4) == 0 && xoff - xbase >= -kXReach - kLanes * 4) {
        while (xoff - xbase > kXReach) {
          add(rxw, kXStep);
          xbase += kXStep;
        }
        vmovups(xr | k1 | T_z, ptr[rxw + (xoff - xbase)]);
      } else {
        vmovups(xr | k1 | T_z, ptr[rx + xoff]);
      }
      for (int64_t e = b.col_begin[c]; e < b.col_begin[c + 1]; ++e) {
        const int64_t idx = b.values_at + e;
        while (idx - base > 127) {
          add(rv, 256 * 4);
          base += 256;
        }
        vfmadd231ps(Zmm(b.entry_row[static_cast<size_t>(e)]), xr, ptr_b[rv + (idx - base) * 4]);
      }
    }
    // The activation (last chunk), then one store per row.
    const Activation act = last ? spec.act : Activation::kNone;
    const bool clip = act == Activation::kRelu6 || act == Activation::kClip;
    if (act == Activation::kRelu || act == Activation::kLeakyRelu) vpxord(xb, xb, xb);
    if (clip) {
      vbroadcastss(xa, ptr[rbase + kLo * 4]);
      vbroadcastss(xb, ptr[rbase + kHi * 4]);
    }
    for (int j = 0; j < rows; ++j) {
      const Zmm acc(j);
      if (act == Activation::kRelu) {
        vmaxps(acc, acc, xb);
      } else if (clip) {
        vmaxps(acc, acc, xa);
        vminps(acc, acc, xb);
      } else if (act == Activation::kLeakyRelu) {
        vcmpps(k2, acc, xb, 1);  // acc < 0
        vmulps(acc | k2, acc, ptr_b[rbase + kSlope * 4]);
      }
      vmovups(ptr[ry + spec.y_offset(b.r0 + j) * 4] | k1, acc);
    }
    add(rx, kLanes * 4);
    add(ry, kLanes * 4);
    if (spec.residual && first) add(rz, kLanes * 4);
    sub(rcols, kLanes);
    jg(tile, T_NEAR);
    vzeroupper();
    ret();
    return entry;
  }
};

SpmmJit::~SpmmJit() = default;

size_t SpmmJit::code_bytes() const { return code_ ? code_->getSize() : 0; }

bool SpmmJit::fuses_activation(Activation a) {
  switch (a) {
    case Activation::kNone:
    case Activation::kRelu:
    case Activation::kRelu6:
    case Activation::kClip:
    case Activation::kLeakyRelu:
      return true;
    default:
      return false;
  }
}

std::unique_ptr<SpmmJit> SpmmJit::create(const SpmmJitSpec& spec, const CpuInfo& cpu) {
  static const bool disabled = [] {
    const char* env = std::getenv("LACUNA_NO_JIT");
    return env && env[0] == '1';
  }();
  if (disabled || !cpu.has(Isa::kAvx512) || !fuses_activation(spec.act) || spec.m <= 0 || spec.k <= 0) return nullptr;
  for (int64_t kk = 0; kk < spec.k; ++kk) {
    if (!fits_disp32(spec.x_offset(kk))) return nullptr;
  }
  for (int64_t r = 0; r < spec.m; ++r) {
    if (!fits_disp32(spec.y_offset(r))) return nullptr;
  }
  std::unique_ptr<SpmmJit> jit(new SpmmJit());
  // Blocks of about equal row counts, at most max_rows_per_block each.
  const int64_t max_rows = std::clamp<int64_t>(spec.max_rows_per_block, 1, kMaxRows);
  const int64_t nblocks = (spec.m + max_rows - 1) / max_rows;
  const int64_t kc = spec.k_chunk > 0 ? std::min(spec.k_chunk, spec.k) : spec.k;
  const int64_t chunks = (spec.k + kc - 1) / kc;
  jit->chunks_ = chunks;
  std::vector<BlockLayout> layouts(static_cast<size_t>(nblocks));
  int64_t n_values = kConsts;
  size_t code_bound = 64;
  for (int64_t bi = 0; bi < nblocks; ++bi) {
    BlockLayout& b = layouts[static_cast<size_t>(bi)];
    b.r0 = spec.m * bi / nblocks;
    b.rows = spec.m * (bi + 1) / nblocks - b.r0;
    if (spec.bias) {
      b.bias_at = n_values;
      n_values += b.rows;
    }
    b.values_at = n_values;
    for (int64_t kk = 0; kk < spec.k; ++kk) {
      const size_t before = b.entry_row.size();
      for (int64_t j = 0; j < b.rows; ++j) {
        if (spec.w[(b.r0 + j) * spec.k + kk] != 0.f) b.entry_row.push_back(static_cast<int8_t>(j));
      }
      if (b.entry_row.size() > before) {
        b.cols.push_back(kk);
        b.col_begin.push_back(static_cast<int64_t>(before));
      }
    }
    b.col_begin.push_back(static_cast<int64_t>(b.entry_row.size()));
    b.nnz = static_cast<int64_t>(b.entry_row.size());
    n_values += b.nnz;
    code_bound += static_cast<size_t>(chunks) * (256 + static_cast<size_t>(b.rows) * 48) + b.cols.size() * 12 +
                  static_cast<size_t>(b.nnz) * 8;
  }
  jit->values_.assign(static_cast<size_t>(n_values), 0.f);
  float* v = jit->values_.data();
  v[kLo] = spec.act == Activation::kRelu6 ? 0.f : spec.alpha;
  v[kHi] = spec.act == Activation::kRelu6 ? 6.f : spec.beta;
  v[kSlope] = spec.alpha;
  for (const BlockLayout& b : layouts) {
    if (b.bias_at >= 0) {
      for (int64_t j = 0; j < b.rows; ++j) v[b.bias_at + j] = spec.bias[b.r0 + j];
    }
    for (size_t c = 0; c < b.cols.size(); ++c) {
      for (int64_t e = b.col_begin[c]; e < b.col_begin[c + 1]; ++e) {
        v[b.values_at + e] = spec.scale * spec.w[(b.r0 + b.entry_row[static_cast<size_t>(e)]) * spec.k + b.cols[c]];
      }
    }
  }
  try {
    jit->code_ = std::make_unique<Generator>(code_bound);
    std::vector<size_t> entries;
    for (const BlockLayout& b : layouts) {
      size_t c0 = 0;
      for (int64_t ch = 0; ch < chunks; ++ch) {
        size_t c1 = c0;
        while (c1 < b.cols.size() && b.cols[c1] < (ch + 1) * kc) ++c1;
        entries.push_back(jit->code_->emit(spec, b, c0, c1, ch, chunks, v));
        c0 = c1;
      }
    }
    jit->code_->ready();
    jit->code_->setProtectModeRE();
    const uint8_t* code = jit->code_->getCode();
    for (size_t i = 0; i < layouts.size(); ++i) {
      Block blk;
      blk.rows = layouts[i].rows;
      blk.nnz = layouts[i].nnz;
      for (int64_t ch = 0; ch < chunks; ++ch) {
        const uint8_t* entry = code + entries[i * static_cast<size_t>(chunks) + static_cast<size_t>(ch)];
        blk.fn.push_back(reinterpret_cast<BlockFn>(reinterpret_cast<uintptr_t>(entry)));
      }
      blk.code_begin = entries[i * static_cast<size_t>(chunks)];
      blk.code_end = i + 1 < layouts.size() ? entries[(i + 1) * static_cast<size_t>(chunks)] : jit->code_->getSize();
      blk.value_begin = layouts[i].bias_at >= 0 ? layouts[i].bias_at : layouts[i].values_at;
      blk.value_end = layouts[i].values_at + layouts[i].nnz;
      jit->blocks_.push_back(blk);
      jit->nnz_ += blk.nnz;
    }
  } catch (const Xbyak::Error& e) {
    log_verbose(1, std::string("sparse JIT unavailable: ") + e.what());
    return nullptr;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return jit;
}

void SpmmJit::prefetch(int64_t b0, int64_t b1, int64_t part, int64_t parts) const {
  if (b0 >= b1 || parts <= 0) return;
  const Block& first = blocks_[static_cast<size_t>(b0)];
  const Block& last = blocks_[static_cast<size_t>(b1 - 1)];
  auto slice = [&](const char* base, int64_t begin, int64_t end) {
    const int64_t lines = (end - begin + 63) / 64;
    for (int64_t l = lines * part / parts; l < lines * (part + 1) / parts; ++l) __builtin_prefetch(base + begin + l * 64, 0, 2);
  };
  slice(reinterpret_cast<const char*>(code_->getCode()), static_cast<int64_t>(first.code_begin),
        static_cast<int64_t>(last.code_end));
  slice(reinterpret_cast<const char*>(values_.data()), first.value_begin * 4, last.value_end * 4);
}

std::vector<int64_t> SpmmJit::balanced_bounds(int64_t parts) const {
  std::vector<int64_t> bounds{0};
  const int64_t n = blocks();
  int64_t seen = 0, b = 0;
  for (int64_t p = 1; p < parts; ++p) {
    const int64_t target = nnz_ * p / parts;
    while (b < n && seen + block_nnz(b) / 2 < target) seen += block_nnz(b++);
    bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace lacuna::kernels
