/// The whole process as a user runs it: `stylecam stylize` of a 640×480 clip (decode, stylize,
/// encode, allocator, start-up included), timed from outside, beside the network-only rate of
/// the same model measured in this process on the same frames, and the PyTorch peer stylizing
/// the same clip as a user of the PyTorch examples would. A gap between "the network" and "the
/// program" cannot hide here. Counters: fps (whole process), and for StyleCam also network_fps
/// and process_vs_network (1.0 = the program runs at the network's own rate).
/// Skipped with a message when the sample clip, the program or a model is missing.

#include "bench/bench_python.h"
#include "stylize/stylizer.h"
#include "video/video_file.h"

#include <stylecam_build_paths.h>

#include <benchmark/benchmark.h>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace stylecam {
namespace {

namespace fs = std::filesystem;

/// The short clip: 100 frames, so that the PyTorch peer finishes in minutes. The whole clip (all
/// 795 frames of vtest.avi, 32 s at 25 fps) shows the rate once start-up (about 0.4 s, LibTorch's
/// own: symbol relocations of a BIND_NOW library and operator registration before `main`) is
/// spread over a clip of ordinary length.
constexpr int kClipFrames = 100;
constexpr int kWholeClip = 1 << 20;

/// A benchmark clip: the first `frames` frames of opencv-doc's vtest.avi at 640×480 as an .mp4,
/// and its frames as they decode (for the network-only rate and the frame count).
struct Clip {
    std::string path;  ///< empty when the sample is missing
    std::vector<cv::Mat> frames;
};

/// Made and decoded once per process and length.
const Clip& clip_640x480(int frames) {
    static std::map<int, Clip> clips;
    const auto found = clips.find(frames);
    if (found != clips.end()) return found->second;
    Clip& made = clips[frames];
    const std::string source = std::string(STYLECAM_SAMPLE_DATA_DIR) + "/vtest.avi";
    if (!fs::exists(source)) return made;
    made.path = (fs::temp_directory_path() /
                 ("stylecam_bench_clip_640x480_" + std::to_string(frames) + ".mp4"))
                    .string();
    {
        VideoReader reader(source);
        VideoWriter writer(made.path, cv::Size(640, 480), reader.info().fps);
        cv::Mat frame, resized;
        for (int i = 0; i < frames && reader.read(frame); ++i) {
            cv::resize(frame, resized, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
            writer.write(resized);
        }
        writer.close();
    }
    VideoReader reader(made.path);
    for (cv::Mat frame; reader.read(frame); frame = cv::Mat()) made.frames.push_back(frame);
    return made;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Frames/s of the model alone on the clip's frames, in this process (after one warm-up frame).
double network_fps(const std::string& model, Precision precision,
                   const std::vector<cv::Mat>& frames) {
    StylizerOptions options;
    options.network = NetworkOptions{DeviceKind::Cpu, precision};
    Stylizer stylizer(model, options);
    stylizer.stylize(frames.front());
    const auto start = std::chrono::steady_clock::now();
    for (const auto& frame : frames) benchmark::DoNotOptimize(stylizer.stylize(frame).data);
    return static_cast<double>(frames.size()) / seconds_since(start);
}

/// `stylecam stylize` of the clip with `model` and `precision` ("fp32", "bf16"), whole process.
void BM_WholeProcess_Stylize(benchmark::State& state, const std::string& model,
                             const std::string& precision, int clip_frames) {
    const Clip& clip = clip_640x480(clip_frames);
    if (clip.path.empty() || !fs::exists(model) || !fs::exists(STYLECAM_EXE)) {
        state.SkipWithError(
            ("needs opencv-doc's vtest.avi, " + model + " and " + STYLECAM_EXE).c_str());
        return;
    }
    const auto& frames = clip.frames;
    const std::string output = (fs::temp_directory_path() / "stylecam_bench_out.mp4").string();
    const std::string command = std::string(STYLECAM_EXE) + " stylize --model " + model +
                                " --input " + clip.path + " --output " + output + " --precision " +
                                precision + " --threads " +
                                std::to_string(torch::get_num_threads()) + " >/dev/null 2>&1";
    double seconds = 0;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        if (std::system(command.c_str()) != 0) {
            state.SkipWithError(("failed: " + command).c_str());
            return;
        }
        seconds = seconds_since(start);
        state.SetIterationTime(seconds);
    }
    const double network =
        network_fps(model, precision == "bf16" ? Precision::Bf16 : Precision::Fp32, frames);
    state.counters["fps"] = benchmark::Counter(static_cast<double>(frames.size()),
                                               benchmark::Counter::kIsIterationInvariantRate);
    state.counters["network_fps"] = network;
    state.counters["process_vs_network"] = static_cast<double>(frames.size()) / seconds / network;
    // Start-up alone: the same program doing nothing but printing its version.
    const auto start = std::chrono::steady_clock::now();
    if (std::system((std::string(STYLECAM_EXE) + " --version >/dev/null 2>&1").c_str()) == 0)
        state.counters["startup_s"] = seconds_since(start);
    state.SetLabel(precision + ", " + std::to_string(frames.size()) + " frames");
    fs::remove(output);
}

/// The PyTorch peer (`tests/peers/pytorch_fast_neural_style.py video`) on the same clip.
void BM_WholeProcess_PyTorchPeer(benchmark::State& state, const std::string& model,
                                 const std::string& precision) {
    const Clip& clip = clip_640x480(kClipFrames);
    const std::string script =
        std::string(STYLECAM_SOURCE_DIR) + "/tests/peers/pytorch_fast_neural_style.py";
    if (clip.path.empty() || !fs::exists(model) || !python_peer_available()) {
        state.SkipWithError("needs opencv-doc's vtest.avi, ../shared/weights and python3-torch");
        return;
    }
    const std::string output = (fs::temp_directory_path() / "stylecam_bench_peer.mp4").string();
    const std::string arguments = script + " video " + model + " " + clip.path + " " + output +
                                  " " + precision + " " + std::to_string(torch::get_num_threads());
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        if (!run_python_command(arguments)) {
            state.SkipWithError(("the peer failed: " + arguments).c_str());
            return;
        }
        state.SetIterationTime(seconds_since(start));
    }
    state.counters["fps"] = benchmark::Counter(static_cast<double>(clip.frames.size()),
                                               benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(precision);
    fs::remove(output);
}

const std::string kStudent = std::string(STYLECAM_PROJECT_MODELS_DIR) + "/candy.safetensors";
const std::string kFull = std::string(STYLECAM_SHARED_DIR) + "/weights/styles/candy.safetensors";

void whole_process_args(benchmark::internal::Benchmark* bench) {
    bench->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
}

BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, student_candy_fp32, kStudent, "fp32", kClipFrames)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, student_candy_bf16, kStudent, "bf16", kClipFrames)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, student_candy_fp32_whole_clip, kStudent, "fp32",
                  kWholeClip)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, student_candy_bf16_whole_clip, kStudent, "bf16",
                  kWholeClip)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, full_candy_fp32, kFull, "fp32", kClipFrames)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_Stylize, full_candy_bf16, kFull, "bf16", kClipFrames)
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_PyTorchPeer, full_candy_fp32, kFull, "fp32")
    ->Apply(whole_process_args);
BENCHMARK_CAPTURE(BM_WholeProcess_PyTorchPeer, full_candy_bf16, kFull, "bf16")
    ->Apply(whole_process_args);

}  // namespace
}  // namespace stylecam
