// CPU features and cache sizes, detected once. LACUNA_MAX_ISA caps the ISA that kernel
// dispatch may use (scalar, avx2, avx512, avx512_vnni), so that one machine tests every tier.
#pragma once

#include <string>

namespace lacuna {

// Ordered tiers: each includes everything below it.
enum class Isa : int {
  kScalar = 0,
  kAvx2 = 1,        // AVX2 + FMA
  kAvx512 = 2,      // AVX-512 F/BW/DQ/VL
  kAvx512Vnni = 3,  // + VNNI
};

const char* isa_name(Isa isa);

struct CpuInfo {
  std::string vendor;
  std::string brand;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;
  int l1d_bytes = 32 * 1024;
  int l2_bytes = 1024 * 1024;
  int l3_bytes = 32 * 1024 * 1024;
  int logical_cpus = 1;
  Isa hw_isa = Isa::kScalar;  // what the hardware supports
  Isa isa = Isa::kScalar;     // after the LACUNA_MAX_ISA cap

  bool has(Isa level) const { return static_cast<int>(isa) >= static_cast<int>(level); }
  std::string summary() const;
};

// Detected on first use; the cap is read from LACUNA_MAX_ISA at that time.
const CpuInfo& cpu_info();
// Overrides the cap (for tests and the --max-isa option); returns the new effective ISA.
Isa set_max_isa(Isa cap);
bool parse_isa(const std::string& name, Isa* out);

}  // namespace lacuna
