#pragma once
/// Device and precision choice: the one place that knows whether CUDA is usable, how many
/// CPU threads LibTorch runs with, and how a lower precision is applied on each device.

#include <torch/torch.h>

#include <memory>
#include <string>

namespace stylecam {

enum class DeviceKind { Auto, Cpu, Cuda };
enum class Precision { Auto, Fp32, Bf16, Fp16 };

/// "auto" | "cpu" | "cuda"; throws `Error` naming the bad value.
DeviceKind parse_device(const std::string& text);
/// "auto" | "fp32" | "bf16" | "fp16"; throws `Error` naming the bad value.
Precision parse_precision(const std::string& text);
std::string to_string(DeviceKind kind);
std::string to_string(Precision precision);

/// True when this LibTorch was built with CUDA and a GPU is visible.
bool cuda_available();

/// Whether this CPU computes bf16 natively (core/cpu_features: AVX512-BF16 or AMX-BF16, not
/// capped by ONEDNN_MAX_CPU_ISA / ATEN_CPU_CAPABILITY), where bf16 autocast is faster than fp32
/// (1.4–2.3× on the development machine). Elsewhere bf16 is emulated and 10–40× slower.
bool cpu_has_native_bf16();

/// Resolves `Auto`: CUDA when available, else CPU. Asking for CUDA without it throws `Error`.
torch::Device resolve_device(DeviceKind kind);

/// Resolves `Auto` to the fastest precision that is accurate on `device`: fp16 on CUDA; on the
/// CPU bf16 where it is native (see `cpu_has_native_bf16`), else fp32. Rejects combinations that
/// do not work (fp16 on CPU: LibTorch's CPU kernels for half are slow or missing; use bf16).
Precision resolve_precision(Precision precision, const torch::Device& device);

/// Non-empty (one line for the log) when `precision` on `device` is not what the user expects:
/// an explicit bf16 on a CPU that only emulates it (it runs, with bf16 numerics, at fp32 speed).
std::string precision_warning(Precision precision, const torch::Device& device);

/// The dtype weights and inputs are stored in for `precision` on `device`: fp16 on CUDA converts
/// the whole network; bf16 on CPU keeps fp32 storage and runs under autocast (see below).
torch::ScalarType storage_dtype(Precision precision, const torch::Device& device);

/// True for bf16 on a CPU that only emulates it: StyleCam then computes bf16 numerics on fp32
/// kernels (TransformerNetImpl::emulate_bf16) rather than autocast's slow emulated kernels.
bool bf16_is_emulated(Precision precision, const torch::Device& device);

/// `tensor` rounded to the nearest bf16 value (round to nearest even), in its own dtype.
torch::Tensor round_to_bf16(const torch::Tensor& tensor);

/// Sets LibTorch's intra-op thread count (0 = every core). Debian's LibTorch starts with one.
void set_cpu_threads(int threads);

/// RAII: while alive, CPU ops on this thread run under bf16 autocast when `enabled`
/// (convolutions in bf16, reductions such as instance norm kept in fp32). Thread-local.
class CpuAutocast {
  public:
    explicit CpuAutocast(bool enabled);
    ~CpuAutocast();
    CpuAutocast(const CpuAutocast&) = delete;
    CpuAutocast& operator=(const CpuAutocast&) = delete;

  private:
    bool enabled_;
    bool was_enabled_ = false;
    at::ScalarType previous_dtype_ = at::kBFloat16;
};

/// One line for logs: "cpu (2 threads)" or "cuda:0 (NVIDIA H100)".
std::string describe_device(const torch::Device& device);

}  // namespace stylecam
