// cpuid-based feature detection and sysfs cache sizes.
#include "core/cpu.h"

#include <cpuid.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

namespace lacuna {

namespace {

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

int read_cache_size(int index) {
  std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
  std::string s;
  if (!(f >> s) || s.empty()) return -1;
  int mult = 1;
  if (s.back() == 'K') mult = 1024;
  if (s.back() == 'M') mult = 1024 * 1024;
  try {
    return std::stoi(s) * mult;
  } catch (...) {
    return -1;
  }
}

int read_cache_level(int index) {
  std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/level");
  int level = -1;
  f >> level;
  return level;
}

std::string read_cache_type(int index) {
  std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/type");
  std::string t;
  f >> t;
  return t;
}

CpuInfo detect() {
  CpuInfo c;
  unsigned a, b, cx, d;
  if (__get_cpuid(0, &a, &b, &cx, &d)) {
    char v[13] = {};
    std::memcpy(v, &b, 4);
    std::memcpy(v + 4, &d, 4);
    std::memcpy(v + 8, &cx, 4);
    c.vendor = v;
  }
  char brand[49] = {};
  for (unsigned i = 0; i < 3; ++i) {
    if (__get_cpuid(0x80000002 + i, &a, &b, &cx, &d)) {
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &cx, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
  }
  c.brand = brand;
  bool osxsave = false, avx = false;
  if (__get_cpuid(1, &a, &b, &cx, &d)) {
    c.fma = cx & bit_FMA;
    osxsave = cx & bit_OSXSAVE;
    avx = cx & bit_AVX;
    c.f16c = cx & bit_F16C;
  }
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_count(7, 0, &a, &b, &cx, &d)) {
    c.avx2 = avx && os_avx && (b & bit_AVX2);
    c.avx512f = os_avx512 && (b & bit_AVX512F);
    c.avx512dq = os_avx512 && (b & bit_AVX512DQ);
    c.avx512bw = os_avx512 && (b & bit_AVX512BW);
    c.avx512vl = os_avx512 && (b & bit_AVX512VL);
    c.avx512vnni = os_avx512 && (cx & bit_AVX512VNNI);
  }
  if (__get_cpuid_count(7, 1, &a, &b, &cx, &d)) {
    c.avx512bf16 = os_avx512 && (a & bit_AVX512BF16);
    c.avxvnni = os_avx && (a & (1u << 4));
  }
  c.fma = c.fma && os_avx;
  if (c.avx2 && c.fma) c.hw_isa = Isa::kAvx2;
  if (c.hw_isa == Isa::kAvx2 && c.avx512f && c.avx512bw && c.avx512dq && c.avx512vl) {
    c.hw_isa = Isa::kAvx512;
    if (c.avx512vnni) c.hw_isa = Isa::kAvx512Vnni;
  }
  c.isa = c.hw_isa;
  for (int i = 0; i < 8; ++i) {
    const int level = read_cache_level(i);
    const int size = read_cache_size(i);
    if (level < 0 || size <= 0) continue;
    const std::string type = read_cache_type(i);
    if (level == 1 && type == "Data") c.l1d_bytes = size;
    if (level == 2) c.l2_bytes = size;
    if (level == 3) c.l3_bytes = size;
  }
  c.logical_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (const char* cap = std::getenv("LACUNA_MAX_ISA")) {
    Isa level;
    if (parse_isa(cap, &level) && static_cast<int>(level) < static_cast<int>(c.isa)) c.isa = level;
  }
  return c;
}

CpuInfo& mutable_info() {
  static CpuInfo info = detect();
  return info;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512_vnni";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (name == isa_name(i)) {
      *out = i;
      return true;
    }
  }
  if (name == "none" || name == "ref") {
    *out = Isa::kScalar;
    return true;
  }
  if (name == "avx512_core" || name == "avx512f") {
    *out = Isa::kAvx512;
    return true;
  }
  return false;
}

const CpuInfo& cpu_info() { return mutable_info(); }

Isa set_max_isa(Isa cap) {
  CpuInfo& c = mutable_info();
  c.isa = static_cast<int>(cap) < static_cast<int>(c.hw_isa) ? cap : c.hw_isa;
  return c.isa;
}

std::string CpuInfo::summary() const {
  return brand + " (" + vendor + "), isa " + isa_name(isa) + (isa != hw_isa ? std::string(" (capped from ") + isa_name(hw_isa) + ")" : "") +
         ", L1d " + std::to_string(l1d_bytes / 1024) + " KiB, L2 " + std::to_string(l2_bytes / 1024) +
         " KiB, L3 " + std::to_string(l3_bytes / (1024 * 1024)) + " MiB, " +
         std::to_string(logical_cpus) + " CPUs";
}

}  // namespace lacuna
