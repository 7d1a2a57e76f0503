#include "core/device.h"

#include "core/cpu_features.h"
#include "core/error.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <string>
#include <thread>

namespace stylecam {

DeviceKind parse_device(const std::string& text) {
    if (text == "auto") return DeviceKind::Auto;
    if (text == "cpu") return DeviceKind::Cpu;
    if (text == "cuda") return DeviceKind::Cuda;
    STYLECAM_FAIL("--device: unknown device '", text, "' (expected auto, cpu or cuda)");
}

Precision parse_precision(const std::string& text) {
    if (text == "auto") return Precision::Auto;
    if (text == "fp32") return Precision::Fp32;
    if (text == "bf16") return Precision::Bf16;
    if (text == "fp16") return Precision::Fp16;
    STYLECAM_FAIL("--precision: unknown precision '", text,
                  "' (expected auto, fp32, bf16 or fp16)");
}

std::string to_string(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::Auto:
            return "auto";
        case DeviceKind::Cpu:
            return "cpu";
        case DeviceKind::Cuda:
            return "cuda";
    }
    return "?";
}

std::string to_string(Precision precision) {
    switch (precision) {
        case Precision::Auto:
            return "auto";
        case Precision::Fp32:
            return "fp32";
        case Precision::Bf16:
            return "bf16";
        case Precision::Fp16:
            return "fp16";
    }
    return "?";
}

bool cuda_available() { return torch::cuda::is_available(); }

torch::Device resolve_device(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::Cpu:
            return torch::kCPU;
        case DeviceKind::Cuda:
            STYLECAM_CHECK(cuda_available(),
                           "--device cuda: CUDA is not available (this LibTorch has no CUDA "
                           "support or no GPU is visible); use --device cpu");
            return torch::Device(torch::kCUDA, 0);
        case DeviceKind::Auto:
            break;
    }
    return cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

bool cpu_has_native_bf16() { return cpu_features().native_bf16(); }

Precision resolve_precision(Precision precision, const torch::Device& device) {
    if (precision == Precision::Auto) {
        if (device.is_cuda()) return Precision::Fp16;
        return cpu_has_native_bf16() ? Precision::Bf16 : Precision::Fp32;
    }
    STYLECAM_CHECK(!(precision == Precision::Fp16 && device.is_cpu()),
                   "--precision fp16 needs CUDA; on the CPU use bf16 (or fp32)");
    return precision;
}

std::string precision_warning(Precision precision, const torch::Device& device) {
    if (!bf16_is_emulated(precision, device)) return "";
    return "bf16 on this CPU (" + to_string(cpu_features().cpu_class) +
           ", no AVX512-BF16 or AMX) is emulated: bf16 rounding on fp32 kernels, no faster than "
           "fp32 (bf16 kernels would be 10-40x slower); --precision auto picks fp32 here";
}

bool bf16_is_emulated(Precision precision, const torch::Device& device) {
    return precision == Precision::Bf16 && device.is_cpu() && !cpu_has_native_bf16();
}

torch::Tensor round_to_bf16(const torch::Tensor& tensor) {
    return tensor.to(torch::kBFloat16).to(tensor.scalar_type());
}

torch::ScalarType storage_dtype(Precision precision, const torch::Device& device) {
    if (device.is_cuda() && precision == Precision::Fp16) return torch::kHalf;
    if (device.is_cuda() && precision == Precision::Bf16) return torch::kBFloat16;
    return torch::kFloat32;
}

void set_cpu_threads(int threads) {
    STYLECAM_CHECK(threads >= 0, "--threads must be 0 (all cores) or positive, got ", threads);
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
}

// LibTorch 1.13 spells the CPU autocast switches set_cpu_enabled/set_autocast_cpu_dtype;
// 2.4 and later take the device type as an argument.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define STYLECAM_AUTOCAST_BY_DEVICE 1
#endif

CpuAutocast::CpuAutocast(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
#ifdef STYLECAM_AUTOCAST_BY_DEVICE
    was_enabled_ = at::autocast::is_autocast_enabled(at::kCPU);
    previous_dtype_ = at::autocast::get_autocast_dtype(at::kCPU);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCPU, true);
#else
    was_enabled_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
#endif
}

CpuAutocast::~CpuAutocast() {
    if (!enabled_) return;
#ifdef STYLECAM_AUTOCAST_BY_DEVICE
    at::autocast::set_autocast_enabled(at::kCPU, was_enabled_);
    at::autocast::set_autocast_dtype(at::kCPU, previous_dtype_);
#else
    at::autocast::set_cpu_enabled(was_enabled_);
    at::autocast::set_autocast_cpu_dtype(previous_dtype_);
#endif
    if (!was_enabled_) at::autocast::clear_cache();
}

std::string describe_device(const torch::Device& device) {
    if (device.is_cpu()) {
        const int threads = torch::get_num_threads();
        return "cpu (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
    }
    return device.str();
}

}  // namespace stylecam
