#pragma once
/// Data-parallel training over PyTorch's c10d: joining a process group (Gloo on the CPU, NCCL on
/// CUDA where this LibTorch has it), the bucketed gradient all-reduce, the few small collectives
/// the trainer needs, and naming the rank that was lost when a collective fails.
///
/// A run of world size W starts W processes with the same options (torchrun, `stylecam launch`,
/// a scheduler); each one joins with its rank, trains on its share of every global batch and
/// averages gradients with the others after each backward pass, so every rank takes the same
/// optimizer step. Rank 0 hosts the rendezvous store (a c10d TCPStore at MASTER_ADDR:MASTER_PORT).
/// A `DistributedGroup` is used from one thread (the training loop); it runs one heartbeat
/// thread of its own.

#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace stylecam {

struct DistributedOptions {
    std::string backend = "auto";  ///< auto (NCCL on CUDA when built in, else Gloo) | gloo | nccl
    int rank = -1;                 ///< -1: from the environment
    int world_size = -1;           ///< -1: from the environment (absent: 1, one process)
    int local_rank = -1;           ///< rank on this machine: its GPU (-1: environment, else rank)
    std::string master_addr;       ///< host of rank 0's store (empty: environment, else 127.0.0.1)
    int master_port = 0;           ///< its port (0: environment, else 29500)
    /// Seconds a collective may wait for a peer before the run stops (a peer that dies is
    /// usually noticed at once: its connections close).
    double timeout_seconds = 30;
};

/// Fills what `options` leaves unset from torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
/// MASTER_ADDR, MASTER_PORT), else SLURM's (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID); throws
/// `Error` naming the variable or option that is malformed or out of range.
DistributedOptions resolve_distributed_options(DistributedOptions options);

/// True when this process is one of several (world size > 1 after resolving).
bool is_distributed(const DistributedOptions& resolved);

/// The device a rank trains on: cuda:local_rank when `device` is CUDA (throws `Error` when this
/// machine has fewer GPUs than local ranks), else `device`.
torch::Device device_for_rank(const torch::Device& device, const DistributedOptions& resolved);

/// One process's membership of the group. Collectives throw `Error` with one line that names
/// the lost rank ("rank 1 of 2 was lost (...); stopping") when a peer dies or stops answering.
class DistributedGroup {
  public:
    /// Joins (blocks until all ranks have joined, up to the timeout); `device` is where the
    /// tensors given to the collectives live (it picks the backend when it is "auto").
    DistributedGroup(const DistributedOptions& resolved, const torch::Device& device);
    ~DistributedGroup();
    DistributedGroup(const DistributedGroup&) = delete;
    DistributedGroup& operator=(const DistributedGroup&) = delete;

    int rank() const { return rank_; }
    int world_size() const { return world_size_; }
    bool is_main() const { return rank_ == 0; }
    const std::string& backend() const { return backend_; }

    /// Replaces each parameter's gradient by its mean over the ranks: gradients are flattened
    /// into buckets of at most `bucket_bytes` per dtype and device, each bucket all-reduced, then
    /// copied back. Parameters without a gradient count as zeros (every rank must pass the
    /// same parameters in the same order).
    void average_gradients(const std::vector<torch::Tensor>& parameters,
                           int64_t bucket_bytes = 25 << 20);

    /// Element-wise sum over the ranks of a tensor of the same shape on every rank (in place,
    /// also returned). `long_wait`: first wait through the store, up to 30 minutes, until every
    /// rank has called it (the first collective, while ranks finish loading data at different
    /// speeds; a rank whose heartbeat stops meanwhile is named), then reduce as usual.
    torch::Tensor sum(torch::Tensor values, bool long_wait = false);
    /// Element-wise maximum over the ranks (in place, also returned).
    torch::Tensor max(torch::Tensor values, bool long_wait = false);

  private:
    struct State;
    torch::Tensor reduce(torch::Tensor values, bool maximum, bool long_wait);
    [[noreturn]] void fail(const std::exception& error);
    int rank_ = 0, world_size_ = 1;
    std::string backend_;
    std::unique_ptr<State> state_;
};

}  // namespace stylecam
