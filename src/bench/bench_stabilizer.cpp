/// The temporal stabilizer's cost per 640×480 frame (image/temporal_stabilizer.h): flow of the
/// input, photometric check, warp of the previous output and blend, on consecutive frames of
/// opencv-doc's `vtest.avi` (people walking; resized to 640×480). The stylized frame is a stand-in
/// (the inverted input): the cost does not depend on it. Arguments: DIS preset (0 ultrafast,
/// 1 fast, 2 medium) and the flow's scale in percent of the frame size.

#include "image/temporal_stabilizer.h"
#include "video/video_file.h"

#include <stylecam_build_paths.h>

#include <benchmark/benchmark.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace stylecam {
namespace {

constexpr int kClipFrames = 30;

/// The first frames of vtest.avi at 640×480, each with its stand-in stylization; empty when the
/// clip is missing.
const std::vector<std::pair<cv::Mat, cv::Mat>>& clip() {
    static const auto frames = [] {
        std::vector<std::pair<cv::Mat, cv::Mat>> out;
        const std::string path = std::string(STYLECAM_SAMPLE_DATA_DIR) + "/vtest.avi";
        if (!std::filesystem::exists(path)) return out;
        VideoReader reader(path);
        cv::Mat frame;
        while (static_cast<int>(out.size()) < kClipFrames && reader.read(frame)) {
            cv::Mat input, stylized;
            cv::resize(frame, input, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
            cv::bitwise_not(input, stylized);
            out.emplace_back(input, stylized);
        }
        return out;
    }();
    return frames;
}

void BM_Stabilizer_640x480(benchmark::State& state) {
    const auto& frames = clip();
    if (frames.empty()) {
        state.SkipWithError("needs vtest.avi (opencv-doc)");
        return;
    }
    StabilizerOptions options;
    options.dis_preset = static_cast<int>(state.range(0));
    options.flow_scale = static_cast<double>(state.range(1)) / 100.0;
    state.SetLabel(std::string(dis_preset_name(options.dis_preset)) + ", flow at " +
                   std::to_string(state.range(1)) + " %");
    TemporalStabilizer stabilizer(options);
    size_t next = 0;
    int64_t blended = 0;
    for (auto _ : state) {
        const auto& [input, stylized] = frames[next];
        next = (next + 1) % frames.size();
        if (next == 0) stabilizer.reset();  // the clip starts again: not a motion
        cv::Mat output = stabilizer.process(input, stylized);
        benchmark::DoNotOptimize(output.data);
        blended += stabilizer.last().blended;
    }
    state.counters["blended"] = static_cast<double>(blended) /
                                static_cast<double>(std::max<int64_t>(1, state.iterations()));
}

BENCHMARK(BM_Stabilizer_640x480)
    ->ArgNames({"preset", "flow%"})
    ->Args({0, 50})
    ->Args({1, 50})
    ->Args({0, 100})
    ->Args({1, 100})
    ->Args({2, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
}  // namespace stylecam
