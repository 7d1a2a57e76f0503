/// The temporal stabilizer in the live pipeline: off by default, on with a strength (the results
/// are blended, the stats give its cost), and started over on a style switch so that a new style
/// is never blended with the old one.

#include "live/live_pipeline.h"
#include "nets/model_file.h"
#include "test_support.h"

#include <thread>

namespace stylecam {
namespace {

using namespace std::chrono_literals;

class LiveStabilize : public ::testing::Test {
  protected:
    void SetUp() override {
        int seed = 1;
        for (const char* name : {"a", "b"}) {
            torch::manual_seed(seed++);
            TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
            save_transformer_net(dir_.path(std::string(name) + ".safetensors"), net);
            settings_.styles.push_back({name, dir_.path(std::string(name) + ".safetensors")});
        }
        settings_.stylizer.network.device = DeviceKind::Cpu;
        settings_.source.kind = SourceSpec::Kind::TestPattern;  // still bars, a moving disc
        settings_.source.size = {96, 72};
        settings_.source.fps = 25;
        settings_.thumbnail_every = 0;
    }
    /// Results in arrival order for `duration`.
    std::vector<LiveResult> collect(LivePipeline& pipeline, LiveClock::duration duration) {
        std::vector<LiveResult> results;
        const auto until = LiveClock::now() + duration;
        while (LiveClock::now() < until) {
            if (auto result = pipeline.take_result()) results.push_back(std::move(*result));
            std::this_thread::sleep_for(2ms);
        }
        return results;
    }
    testing::TempDir dir_;
    LiveSettings settings_;
};

TEST_F(LiveStabilize, OffByDefault) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    const auto results = collect(pipeline, 800ms);
    ASSERT_GE(results.size(), 3u);
    for (const auto& result : results) {
        EXPECT_FALSE(result.stabilized);
        EXPECT_EQ(result.stabilize_ms, 0.0);
    }
    EXPECT_EQ(pipeline.stats().stabilize, 0.0);
}

TEST_F(LiveStabilize, BlendsAndStartsOverOnAStyleSwitch) {
    settings_.stabilize = live_stabilizer_options(0.8);
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    auto results = collect(pipeline, 1s);
    ASSERT_GE(results.size(), 5u);
    EXPECT_FALSE(results.front().stabilized) << "the first frame has nothing to blend with";
    EXPECT_TRUE(results.back().stabilized);
    EXPECT_GT(results.back().stabilize_ms, 0.0);
    EXPECT_EQ(pipeline.stats().stabilize, 0.8);
    EXPECT_GT(pipeline.stats().stabilize_ms, 0.0);

    pipeline.send(LiveCommand::select_style(1));
    results = collect(pipeline, 1s);
    const auto first_b = std::find_if(results.begin(), results.end(),
                                      [](const LiveResult& r) { return r.style == 1; });
    ASSERT_NE(first_b, results.end());
    EXPECT_FALSE(first_b->stabilized) << "the new style's first frame is its own";
    ASSERT_GE(results.end() - first_b, 3);
    EXPECT_TRUE(results.back().stabilized);
    EXPECT_EQ(results.back().style, 1);

    pipeline.send(LiveCommand::stabilize(0));  // the slider to 0: off at once
    results = collect(pipeline, 600ms);
    ASSERT_GE(results.size(), 3u);
    EXPECT_FALSE(results.back().stabilized);
    EXPECT_EQ(pipeline.stats().stabilize, 0.0);
}

TEST_F(LiveStabilize, TheTemporalNormIsOnAsConfiguredAndSwitchedByItsCommand) {
    settings_.stylizer.temporal_norm = 0.9;
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    auto results = collect(pipeline, 600ms);
    ASSERT_GE(results.size(), 3u);
    EXPECT_EQ(pipeline.stats().temporal_norm, 0.9);
    pipeline.send(LiveCommand::temporal_norm(0));  // the checkbox off
    results = collect(pipeline, 600ms);
    ASSERT_GE(results.size(), 3u);
    EXPECT_EQ(pipeline.stats().temporal_norm, 0.0);
    pipeline.send(LiveCommand::temporal_norm(2.0));  // refused: the error is shown, nothing changes
    pipeline.send(LiveCommand::select_style(1));     // a style loaded after the switch
    pipeline.send(LiveCommand::temporal_norm(0.8));
    results = collect(pipeline, 600ms);
    ASSERT_GE(results.size(), 3u);
    EXPECT_EQ(pipeline.stats().temporal_norm, 0.8);
    EXPECT_EQ(results.back().style, 1);
}

}  // namespace
}  // namespace stylecam
