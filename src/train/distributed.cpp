#include "train/distributed.h"

// c10d's headers compile their Gloo and NCCL parts only when told that LibTorch was built with
// them; the headers of the libraries themselves say whether we can (Debian: libgloo-dev).
#if __has_include(<gloo/algorithm.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#define STYLECAM_HAVE_GLOO 1
#endif
#if __has_include(<nccl.h>) && __has_include(<c10/cuda/CUDAStream.h>) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#define STYLECAM_HAVE_NCCL 1
#endif

#include "core/error.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef STYLECAM_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef STYLECAM_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace stylecam {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kHeartbeat = milliseconds(500);
constexpr auto kSilence = milliseconds(2500);  ///< a rank silent this long is taken as lost
constexpr auto kLongWait = std::chrono::minutes(30);

/// The integer in environment variable `name`, or `fallback` when it is unset.
int env_int(const char* name, int fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    STYLECAM_CHECK(*end == '\0' && value >= 0 && value < (1 << 30), "environment variable ", name,
                   "=", text, " is not a non-negative integer");
    return static_cast<int>(value);
}

int first_set(int explicit_value, std::initializer_list<const char*> names, int fallback) {
    if (explicit_value >= 0) return explicit_value;
    for (const char* name : names) {
        const int value = env_int(name, -1);
        if (value >= 0) return value;
    }
    return fallback;
}

bool loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string key_of(int rank) { return "stylecam/alive/" + std::to_string(rank); }

}  // namespace

struct DistributedGroup::State {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    std::string master;  ///< host:port of the store
    // Heartbeat: each rank bumps its counter in the store every kHeartbeat and watches the
    // others' (through a connection of its own: a TCPStore client is not shared between threads).
    std::thread heartbeat;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    bool store_lost = false;
    int64_t arrivals = 0;  ///< store barriers passed (main thread)
    std::vector<int64_t> seen_value;
    std::vector<Clock::time_point> seen_at;
};

DistributedOptions resolve_distributed_options(DistributedOptions options) {
    options.world_size = first_set(options.world_size, {"WORLD_SIZE", "SLURM_NTASKS"}, 1);
    options.rank = first_set(options.rank, {"RANK", "SLURM_PROCID"}, 0);
    options.local_rank = first_set(options.local_rank, {"LOCAL_RANK", "SLURM_LOCALID"}, -1);
    if (options.local_rank < 0) options.local_rank = options.rank;
    STYLECAM_CHECK(options.world_size >= 1, "world size must be ≥ 1, got ", options.world_size);
    STYLECAM_CHECK(options.rank < options.world_size, "rank ", options.rank,
                   " is out of range for world size ", options.world_size);
    if (options.master_addr.empty()) {
        const char* addr = std::getenv("MASTER_ADDR");
        options.master_addr = addr != nullptr && *addr != '\0' ? addr : "127.0.0.1";
    }
    if (options.master_port == 0) options.master_port = env_int("MASTER_PORT", 29500);
    STYLECAM_CHECK(options.master_port > 0 && options.master_port < 65536, "master port ",
                   options.master_port, " is not a TCP port (1..65535)");
    STYLECAM_CHECK(
        options.backend == "auto" || options.backend == "gloo" || options.backend == "nccl",
        "--dist-backend must be auto, gloo or nccl, got ", options.backend);
    STYLECAM_CHECK(options.timeout_seconds > 0, "--dist-timeout must be positive, got ",
                   options.timeout_seconds);
    return options;
}

bool is_distributed(const DistributedOptions& resolved) { return resolved.world_size > 1; }

torch::Device device_for_rank(const torch::Device& device, const DistributedOptions& resolved) {
    if (!device.is_cuda() || !is_distributed(resolved)) return device;
    const auto gpus = static_cast<int>(torch::cuda::device_count());
    STYLECAM_CHECK(resolved.local_rank < gpus, "local rank ", resolved.local_rank,
                   " has no GPU of its own: this machine has ", gpus,
                   " (start at most that many ranks per machine)");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(resolved.local_rank));
}

DistributedGroup::DistributedGroup(const DistributedOptions& resolved, const torch::Device& device)
    : rank_(resolved.rank), world_size_(resolved.world_size), state_(std::make_unique<State>()) {
    const auto timeout =
        milliseconds(static_cast<int64_t>(resolved.timeout_seconds * 1000.0 + 0.5));
    state_->master = resolved.master_addr + ":" + std::to_string(resolved.master_port);
#ifdef STYLECAM_HAVE_NCCL
    const bool nccl_built = true;
#else
    const bool nccl_built = false;
#endif
    backend_ = resolved.backend;
    if (backend_ == "auto") backend_ = device.is_cuda() && nccl_built ? "nccl" : "gloo";
    STYLECAM_CHECK(backend_ != "nccl" || nccl_built,
                   "--dist-backend nccl: this LibTorch build has no NCCL (use gloo)");
    STYLECAM_CHECK(backend_ != "nccl" || device.is_cuda(),
                   "--dist-backend nccl needs --device cuda");

    // Rank 0 hosts the store unless torchrun's agent already does (torch ≥ 2.2).
    const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
    const bool agent_hosts = agent_store != nullptr && std::string(agent_store) == "True";
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(resolved.master_port);
    store_options.isServer = rank_ == 0 && !agent_hosts;
    store_options.waitWorkers = false;
    // Joining waits for every rank to start (a scheduler may start them seconds apart).
    store_options.timeout = std::max(timeout, milliseconds(std::chrono::minutes(2)));
    try {
        state_->store = c10::make_intrusive<c10d::TCPStore>(resolved.master_addr, store_options);
        if (backend_ == "gloo") {
#ifdef STYLECAM_HAVE_GLOO
            auto options = c10d::ProcessGroupGloo::Options::create(timeout);
            const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
            if (interface != nullptr && *interface != '\0')
                options->devices.push_back(
                    c10d::ProcessGroupGloo::createDeviceForInterface(interface));
            else if (loopback(resolved.master_addr))
                options->devices.push_back(
                    c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            options->threads = 2;
            state_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(state_->store, rank_,
                                                                        world_size_, options);
#else
            STYLECAM_FAIL(
                "distributed training needs Gloo, and this build has none "
                "(install libgloo-dev and rebuild)");
#endif
        } else {
#ifdef STYLECAM_HAVE_NCCL
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = timeout;
            state_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(state_->store, rank_,
                                                                        world_size_, options);
#endif
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& error) {
        STYLECAM_FAIL("rank ", rank_, " of ", world_size_, " could not join the ", backend_,
                      " process group at ", state_->master, " (", one_line_message(error), ")");
    }

    state_->seen_value.assign(static_cast<size_t>(world_size_), -1);
    state_->seen_at.assign(static_cast<size_t>(world_size_), Clock::now());
    c10d::TCPStoreOptions client_options = store_options;
    client_options.isServer = false;
    client_options.timeout = milliseconds(5000);
    const std::string host = resolved.master_addr;
    state_->heartbeat = std::thread([this, host, client_options] {
        State& state = *state_;
        c10::intrusive_ptr<c10d::TCPStore> client;
        std::unique_lock<std::mutex> lock(state.mutex);
        while (!state.stopping) {
            lock.unlock();
            std::vector<int64_t> values(static_cast<size_t>(world_size_), -1);
            bool lost = false;
            try {
                if (!client) client = c10::make_intrusive<c10d::TCPStore>(host, client_options);
                client->add(key_of(rank_), 1);
                for (int r = 0; r < world_size_; ++r)
                    if (r != rank_) values[static_cast<size_t>(r)] = client->add(key_of(r), 0);
            } catch (const std::exception&) {
                lost = true;  // the store's host (rank 0, or torchrun's agent) has gone
            }
            lock.lock();
            if (lost) {
                state.store_lost = true;
                break;
            }
            const auto now = Clock::now();
            for (size_t r = 0; r < values.size(); ++r)
                if (values[r] != state.seen_value[r]) {
                    state.seen_value[r] = values[r];
                    state.seen_at[r] = now;
                }
            state.wake.wait_for(lock, kHeartbeat, [&] { return state.stopping; });
        }
    });
}

DistributedGroup::~DistributedGroup() {
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    if (state_->heartbeat.joinable()) state_->heartbeat.join();
}

void DistributedGroup::fail(const std::exception& error) {
    // Give the heartbeat time to show who went silent.
    const auto failed_at = Clock::now();
    std::vector<int> lost;
    bool store_lost = false;
    while (Clock::now() - failed_at < 2 * kSilence) {
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            store_lost = state_->store_lost;
            lost.clear();
            for (int r = 0; r < world_size_; ++r)
                if (r != rank_ && Clock::now() - state_->seen_at[static_cast<size_t>(r)] > kSilence)
                    lost.push_back(r);
        }
        if (store_lost || !lost.empty()) break;
        std::this_thread::sleep_for(milliseconds(100));
    }
    std::string reason = one_line_message(error);
    if (reason.size() > 160) reason = reason.substr(0, 160) + "...";
    if (lost.empty() && store_lost && rank_ != 0) lost.push_back(0);
    std::string who;
    for (size_t i = 0; i < lost.size(); ++i)
        who += (i == 0 ? "" : i + 1 == lost.size() ? " and " : ", ") + std::to_string(lost[i]);
    if (who.empty())
        STYLECAM_FAIL("a collective of the ", backend_, " process group failed on rank ", rank_,
                      " of ", world_size_, " (", reason, "); stopping");
    STYLECAM_FAIL("lost rank ", who, " of ", world_size_, " (", reason, "); stopping rank ", rank_);
}

torch::Tensor DistributedGroup::reduce(torch::Tensor values, bool maximum, bool long_wait) {
    c10d::AllreduceOptions options;
    options.reduceOp = maximum ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
    try {
        if (long_wait) {
            // Every rank arrives through the store first (the collective's own timeout is short),
            // watching the heartbeats meanwhile: a rank that dies while loading is named too.
            const std::string key = "stylecam/arrived/" + std::to_string(++state_->arrivals);
            state_->store->add(key, 1);
            const auto deadline = Clock::now() + kLongWait;
            while (state_->store->add(key, 0) < world_size_) {
                {
                    std::lock_guard<std::mutex> lock(state_->mutex);
                    for (int r = 0; r < world_size_; ++r)
                        if (r != rank_ &&
                            Clock::now() - state_->seen_at[static_cast<size_t>(r)] > kSilence)
                            throw std::runtime_error("no heartbeat while waiting for every rank");
                }
                if (Clock::now() > deadline)
                    throw std::runtime_error("not every rank arrived within 30 minutes");
                std::this_thread::sleep_for(milliseconds(50));
            }
        }
        std::vector<torch::Tensor> tensors = {values};
        state_->group->allreduce(tensors, options)->wait();
    } catch (const std::exception& error) {
        fail(error);
    }
    return values;
}

torch::Tensor DistributedGroup::sum(torch::Tensor values, bool long_wait) {
    return reduce(std::move(values), false, long_wait);
}

torch::Tensor DistributedGroup::max(torch::Tensor values, bool long_wait) {
    return reduce(std::move(values), true, long_wait);
}

void DistributedGroup::average_gradients(const std::vector<torch::Tensor>& parameters,
                                         int64_t bucket_bytes) {
    // Buckets of consecutive parameters of one dtype and device.
    std::vector<std::vector<torch::Tensor>> buckets;
    int64_t bytes = 0;
    for (const auto& parameter : parameters) {
        auto& grad = parameter.mutable_grad();
        if (!grad.defined()) grad = torch::zeros_like(parameter);
        const int64_t size = grad.numel() * static_cast<int64_t>(grad.element_size());
        const bool fits = !buckets.empty() && bytes + size <= bucket_bytes &&
                          buckets.back().front().scalar_type() == grad.scalar_type() &&
                          buckets.back().front().device() == grad.device();
        if (!fits) {
            buckets.emplace_back();
            bytes = 0;
        }
        buckets.back().push_back(grad);
        bytes += size;
    }
    // Every bucket is sent before the first one is waited for.
    std::vector<torch::Tensor> joined;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    try {
        for (const auto& bucket : buckets) {
            std::vector<torch::Tensor> flat;
            for (const auto& grad : bucket) flat.push_back(grad.reshape(-1));
            joined.push_back(torch::cat(flat));
            std::vector<torch::Tensor> tensors = {joined.back()};
            works.push_back(state_->group->allreduce(tensors));
        }
        for (auto& work : works) work->wait();
    } catch (const std::exception& error) {
        fail(error);
    }
    for (size_t b = 0; b < buckets.size(); ++b) {
        joined[b].div_(world_size_);
        int64_t offset = 0;
        for (auto& grad : buckets[b]) {
            grad.copy_(joined[b].narrow(0, offset, grad.numel()).view_as(grad));
            offset += grad.numel();
        }
    }
}

}  // namespace stylecam
