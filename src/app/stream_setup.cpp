#include "app/stream_setup.h"

#include "core/error.h"
#include "video/y4m_writer.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <csignal>

namespace stylecam {

void ignore_broken_pipe() { std::signal(SIGPIPE, SIG_IGN); }

void prepare_pipe_out(const std::string& path) {
    ignore_broken_pipe();
    if (path != "-") return;
    STYLECAM_CHECK(!::isatty(STDOUT_FILENO),
                   "--pipe-out -: stdout is a terminal; pipe it into a program, e.g. "
                   "`| ffmpeg -i - out.mp4` or `| ffplay -`");
    auto logger = spdlog::get("stylecam-stderr");
    if (!logger) logger = spdlog::stderr_color_mt("stylecam-stderr");
    logger->set_level(spdlog::default_logger()->level());
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("stylecam: %v");
}

std::unique_ptr<FrameSink> open_pipe_out(const std::string& path, double fps) {
    return std::make_unique<Y4mWriter>(path, fps);
}

}  // namespace stylecam
