/// The soak test of issue #17: the whole live pipeline (test pattern → the committed candy student
/// → recorder → window under Xvfb) for $STYLECAM_SOAK_SECONDS (default 120 s, what CI runs;
/// 3600 for the README's hour), with `stylecam live --soak-report`. Must hold: resident memory
/// grows < 2 % after the warm-up, no stall over 1 s between new frames on screen, and the
/// recording holds every stylized frame. Skipped without xvfb-run.

#include "test_support.h"
#include "video/video_file.h"
#include "xvfb_support.h"

#include <cstdlib>
#include <fstream>
#include <map>

namespace stylecam {
namespace {

using testing::shell_quote;
using testing::TempDir;

/// "key: value" lines of a soak report (repeated keys such as `note` keep the last).
std::map<std::string, std::string> read_report(const std::string& path) {
    std::ifstream file(path);
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(file, line)) {
        const auto colon = line.find(": ");
        if (colon != std::string::npos) values[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return values;
}

double soak_seconds() {
    const char* text = std::getenv("STYLECAM_SOAK_SECONDS");
    return text ? std::atof(text) : 120.0;
}

TEST(LiveSoak, MemoryStaysFlatNoStallAndTheRecordingHoldsEveryFrame) {
    if (!testing::have_xvfb()) GTEST_SKIP() << "needs xvfb-run (apt-get install xvfb)";
    const std::string candy = std::string(STYLECAM_PROJECT_MODELS_DIR) + "/candy.safetensors";
    STYLECAM_REQUIRE_FILE(candy);
    const double seconds = soak_seconds();
    ASSERT_GT(seconds, 0) << "STYLECAM_SOAK_SECONDS";
    // The warm-up covers model loading, the thumbnails' first pass, auto scale settling and the
    // recorder's and encoder's buffers filling: on the loaded 2-core machine memory still rose
    // for 2 minutes (over the hour: +14 % after a 60 s warm-up, +2.0 % from minute 5 on).
    const double warmup = std::min(300.0, seconds / 2);
    TempDir dir;
    const auto report_path = dir.path("soak.txt"), video = dir.path("soak.mp4");
    const auto result = testing::run_under_xvfb(
        "$STYLECAM live --test-pattern --style " + shell_quote(candy) + " --record " +
        shell_quote(video) + " --duration " + std::to_string(seconds) + " --soak-warmup " +
        std::to_string(warmup) + " --soak-report " + shell_quote(report_path));
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    auto report = read_report(report_path);
    ASSERT_FALSE(report.empty()) << result.out;
    std::string text;
    for (const auto& [key, value] : report) text += key + ": " + value + "\n";
    std::cout << text;  // the figures, for the CI log

    EXPECT_LT(std::atof(report["rss_growth_percent"].c_str()), 2.0) << text;
    const long long stylized = std::atoll(report["stylized"].c_str());
    if (!testing::kSanitizedBuild) {
        EXPECT_LT(std::atof(report["max_stall_ms"].c_str()), 1000.0) << text;
        // A real rate: the candy student keeps up with most of the test pattern's 30 fps on 2
        // cores.
        EXPECT_GT(stylized, static_cast<long long>(seconds * 5)) << text;
    }
    EXPECT_EQ(std::atoll(report["recorded"].c_str()), stylized) << text;
    EXPECT_EQ(report.count("note"), 0u) << text;

    // The recording, read back here too: every stylized frame, once.
    VideoReader reader(video);
    EXPECT_EQ(reader.info().size, cv::Size(640, 480));
    long long frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    EXPECT_EQ(frames, stylized) << text;
    EXPECT_EQ(std::atoll(report["recording_frames"].c_str()), frames) << text;
}

}  // namespace
}  // namespace stylecam
