#pragma once
/// Running a Python/PyTorch peer (Debian's python3-torch, `/usr/bin/python3` or
/// $STYLECAM_PYTHON) that prints one line per timed iteration: seconds. The times are fed to
/// Google Benchmark as manual time, so peers and StyleCam compare in one run.

#include <benchmark/benchmark.h>

#include <string>

namespace stylecam {

/// True when the interpreter imports torch.
bool python_peer_available();

/// Runs `python <arguments>` to the end, its output discarded; true when it exited 0.
bool run_python_command(const std::string& arguments);

/// Runs `python <arguments>` and sets each iteration's time from its output lines.
void run_python_peer(benchmark::State& state, const std::string& arguments);

}  // namespace stylecam
