#pragma once
/// What `--pipe-out` and `--virtual-camera` need from the process: logs on stderr when stdout
/// carries video, SIGPIPE ignored so that a closed reader is an EPIPE (a clean end) instead of
/// death, and the sinks themselves.

#include "video/frame_sink.h"

#include <memory>
#include <string>

namespace stylecam {

/// Prepares the process for `--pipe-out PATH` ("-": stdout): ignores SIGPIPE and, for stdout,
/// moves every log line to stderr. Throws `Error` when "-" is a terminal (video bytes would
/// flood it).
void prepare_pipe_out(const std::string& path);

/// A y4m writer for `--pipe-out PATH` at `fps`.
std::unique_ptr<FrameSink> open_pipe_out(const std::string& path, double fps);

/// Ignores SIGPIPE for the rest of the process (idempotent).
void ignore_broken_pipe();

}  // namespace stylecam
