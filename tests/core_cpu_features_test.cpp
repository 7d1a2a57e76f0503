/// CPU classification from /proc/cpuinfo text and ISA caps, and the precision `auto` picks.

#include "core/cpu_features.h"
#include "core/device.h"
#include "core/error.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

std::string cpuinfo(const std::string& flags) {
    return "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU @ 2.0GHz\n"
           "flags\t\t: fpu sse sse2 " +
           flags + "\n\nprocessor\t: 1\nflags\t\t: fpu\n";
}

const std::string kAvx2 = "avx fma avx2";
const std::string kAvx512 = kAvx2 + " avx512f avx512dq avx512bw avx512vl avx512cd";
const std::string kBf16 = kAvx512 + " avx512_vnni avx512_bf16";

TEST(CpuFeatures, ClassifiesEachClassFromTheFirstFlagsLine) {
    EXPECT_EQ(detect_cpu_features(cpuinfo("sse4_1"), "", "").cpu_class, CpuClass::Baseline);
    EXPECT_EQ(detect_cpu_features(cpuinfo("avx avx2"), "", "").cpu_class, CpuClass::Baseline)
        << "AVX2 without FMA is not the AVX2 class";
    EXPECT_EQ(detect_cpu_features(cpuinfo(kAvx2), "", "").cpu_class, CpuClass::Avx2);
    EXPECT_EQ(detect_cpu_features(cpuinfo(kAvx512), "", "").cpu_class, CpuClass::Avx512);
    const auto bf16 = detect_cpu_features(cpuinfo(kBf16), "", "");
    EXPECT_EQ(bf16.cpu_class, CpuClass::NativeBf16);
    EXPECT_TRUE(bf16.native_bf16());
    EXPECT_EQ(bf16.model_name, "Test CPU @ 2.0GHz");
    EXPECT_EQ(detect_cpu_features(cpuinfo(kAvx512 + " amx_tile amx_bf16"), "", "").cpu_class,
              CpuClass::NativeBf16);
    EXPECT_EQ(detect_cpu_features("", "", "").cpu_class, CpuClass::Baseline);
}

TEST(CpuFeatures, IsaCapsClassifyTheMachineTheyImitate) {
    const auto info = cpuinfo(kBf16);
    EXPECT_EQ(detect_cpu_features(info, "AVX2", "").cpu_class, CpuClass::Avx2);
    EXPECT_EQ(detect_cpu_features(info, "avx512_core", "").cpu_class, CpuClass::Avx512);
    EXPECT_EQ(detect_cpu_features(info, "AVX512_CORE_VNNI", "").cpu_class, CpuClass::Avx512);
    EXPECT_EQ(detect_cpu_features(info, "AVX512_CORE_BF16", "").cpu_class, CpuClass::NativeBf16);
    EXPECT_EQ(detect_cpu_features(info, "ALL", "").cpu_class, CpuClass::NativeBf16);
    EXPECT_EQ(detect_cpu_features(info, "", "avx2").cpu_class, CpuClass::Avx2);
    EXPECT_EQ(detect_cpu_features(info, "", "avx512").cpu_class, CpuClass::NativeBf16);
    EXPECT_EQ(detect_cpu_features(info, "SSE41", "").cpu_class, CpuClass::Baseline);
    // A cap never adds what the CPU lacks.
    EXPECT_EQ(detect_cpu_features(cpuinfo(kAvx2), "ALL", "avx512").cpu_class, CpuClass::Avx2);

    const auto capped = detect_cpu_features(info, "AVX2", "avx2");
    EXPECT_EQ(capped.isa_cap, "ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2");
    EXPECT_NE(describe_cpu(capped).find("AVX2 (Test CPU @ 2.0GHz) [capped by"), std::string::npos)
        << describe_cpu(capped);
}

TEST(CpuFeatures, AutoPrecisionIsBf16OnlyWhereItIsNative) {
    const auto precision = resolve_precision(Precision::Auto, torch::kCPU);
    EXPECT_EQ(precision, cpu_features().native_bf16() ? Precision::Bf16 : Precision::Fp32)
        << describe_cpu(cpu_features());
    EXPECT_EQ(precision_warning(Precision::Bf16, torch::kCPU).empty(),
              cpu_features().native_bf16());
    EXPECT_TRUE(precision_warning(Precision::Fp32, torch::kCPU).empty());
    EXPECT_THROW(resolve_precision(Precision::Fp16, torch::kCPU), Error);
    EXPECT_THROW(parse_precision("int4"), Error);
}

}  // namespace
}  // namespace stylecam
