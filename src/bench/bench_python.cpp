#include "bench/bench_python.h"

#include <cstdio>
#include <cstdlib>

namespace stylecam {
namespace {

std::string python() {
    const char* configured = std::getenv("STYLECAM_PYTHON");
    return configured ? configured : "/usr/bin/python3";
}

}  // namespace

bool python_peer_available() {
    static const bool available =
        std::system((python() + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
    return available;
}

bool run_python_command(const std::string& arguments) {
    return std::system((python() + " " + arguments + " >/dev/null 2>&1").c_str()) == 0;
}

void run_python_peer(benchmark::State& state, const std::string& arguments) {
    FILE* pipe = ::popen((python() + " " + arguments).c_str(), "r");
    if (!pipe) {
        state.SkipWithError("cannot start the peer");
        return;
    }
    for (auto _ : state) {
        double seconds = 0;
        if (std::fscanf(pipe, "%lf", &seconds) != 1) {
            state.SkipWithError("the peer stopped early");
            break;
        }
        state.SetIterationTime(seconds);
    }
    ::pclose(pipe);
}

}  // namespace stylecam
