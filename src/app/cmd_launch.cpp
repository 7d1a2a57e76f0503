/// `stylecam launch --nproc N -- train ...`: starts N local ranks of a distributed `train` or
/// `distill` (this same program, with torchrun's variables RANK, LOCAL_RANK, WORLD_SIZE,
/// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT), waits for them, and when one
/// fails, stops the others and exits non-zero naming it.

#include "app/command.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace stylecam {
namespace {

struct LaunchParams {
    int nproc = 2;
    int master_port = 0;
    std::vector<std::string> command;
};

volatile std::sig_atomic_t g_terminate = 0;
extern "C" void on_terminate(int) { g_terminate = 1; }

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    STYLECAM_CHECK(fd >= 0, "launch: cannot open a socket (", std::strerror(errno), ")");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    STYLECAM_CHECK(ok, "launch: no free port on 127.0.0.1 (", std::strerror(errno), ")");
    return ntohs(address.sin_port);
}

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
}

int run_launch(const LaunchParams& params) {
    STYLECAM_CHECK(params.nproc >= 1, "--nproc must be ≥ 1, got ", params.nproc);
    STYLECAM_CHECK(
        !params.command.empty() && (params.command[0] == "train" || params.command[0] == "distill"),
        "launch runs `train` or `distill` (stylecam launch --nproc N -- train ...), got '",
        params.command.empty() ? std::string() : params.command[0], "'");
    const int port = params.master_port > 0 ? params.master_port : free_port();
    spdlog::info("launching {} ranks of `{}` on 127.0.0.1:{}", params.nproc, params.command[0],
                 port);

    // Ctrl-C reaches the ranks from the terminal (they stop after the step, rank 0 checkpoints);
    // the launcher only waits. SIGTERM is passed on to them.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ignore, nullptr);
    struct sigaction terminate {};
    terminate.sa_handler = on_terminate;
    sigemptyset(&terminate.sa_mask);
    sigaction(SIGTERM, &terminate, nullptr);

    std::vector<pid_t> pids;
    for (int rank = 0; rank < params.nproc; ++rank) {
        const pid_t pid = ::fork();
        STYLECAM_CHECK(pid >= 0, "launch: cannot start rank ", rank, " (", std::strerror(errno),
                       ")");
        if (pid == 0) {
            struct sigaction fallback {};
            fallback.sa_handler = SIG_DFL;
            sigaction(SIGINT, &fallback, nullptr);
            sigaction(SIGTERM, &fallback, nullptr);
            const std::string n = std::to_string(params.nproc), r = std::to_string(rank);
            ::setenv("RANK", r.c_str(), 1);
            ::setenv("LOCAL_RANK", r.c_str(), 1);
            ::setenv("WORLD_SIZE", n.c_str(), 1);
            ::setenv("LOCAL_WORLD_SIZE", n.c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
            std::vector<char*> argv;
            static char name[] = "stylecam";
            argv.push_back(name);
            for (const auto& argument : params.command)
                argv.push_back(const_cast<char*>(argument.c_str()));
            argv.push_back(nullptr);
            ::execv("/proc/self/exe", argv.data());
            std::fprintf(stderr, "stylecam: error: launch: cannot run rank %d (%s)\n", rank,
                         std::strerror(errno));
            ::_exit(127);
        }
        pids.push_back(pid);
    }

    using Clock = std::chrono::steady_clock;
    std::vector<int> statuses(pids.size(), -1);
    size_t running = pids.size();
    int failed_rank = -1;
    bool forwarded = false;
    Clock::time_point kill_at{};
    const auto signal_running = [&](int signal_number) {
        for (size_t r = 0; r < pids.size(); ++r)
            if (statuses[r] == -1) ::kill(pids[r], signal_number);
    };
    while (running > 0) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (size_t r = 0; r < pids.size(); ++r) {
                if (pids[r] != pid) continue;
                statuses[r] = status;
                --running;
                const bool ok = WIFEXITED(status) && (WEXITSTATUS(status) == kExitOk ||
                                                      WEXITSTATUS(status) == kExitInterrupted);
                if (!ok && failed_rank < 0) {
                    failed_rank = static_cast<int>(r);
                    spdlog::error("rank {} of {} (pid {}) {}; stopping the other ranks", r,
                                  params.nproc, pid, describe(status));
                    signal_running(SIGTERM);
                    kill_at = Clock::now() + std::chrono::seconds(10);
                }
            }
            continue;
        }
        if (pid < 0 && errno != EINTR) break;
        if (g_terminate && !forwarded) {
            forwarded = true;
            signal_running(SIGTERM);
        }
        if (failed_rank >= 0 && Clock::now() > kill_at) {
            signal_running(SIGKILL);
            kill_at = Clock::now() + std::chrono::hours(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (failed_rank >= 0)
        STYLECAM_FAIL("rank ", failed_rank, " of ", params.nproc, " ",
                      describe(statuses[static_cast<size_t>(failed_rank)]));
    for (const int status : statuses)
        if (WEXITSTATUS(status) == kExitInterrupted) return kExitInterrupted;
    return kExitOk;
}

}  // namespace

Command add_launch_command(CLI::App& app) {
    auto params = std::make_shared<LaunchParams>();
    CLI::App* command =
        app.add_subcommand("launch",
                           "Run `train` or `distill` as N local processes of one distributed run "
                           "(stylecam launch --nproc 2 -- train ...; --batch is per process)");
    command->add_option("-n,--nproc", params->nproc, "Processes (ranks) to start")
        ->check(CLI::Range(1, 1024));
    command
        ->add_option("--master-port", params->master_port,
                     "Port of rank 0's store on 127.0.0.1 (0: a free one)")
        ->check(CLI::Range(0, 65535));
    command->add_option("command", params->command, "The train or distill command line, after --")
        ->required();
    return {command, [params] { return run_launch(*params); }};
}

}  // namespace stylecam
