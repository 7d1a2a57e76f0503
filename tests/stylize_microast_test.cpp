/// The arbitrary-style network kind: paintings (mix syntax, sizes, bad files), the Stylizer with
/// MicroAST weights (a tiny random network, and the published one against the Python reference),
/// code caching, strength in feature space.

#include "core/error.h"
#include "nets/microast.h"
#include "nets/model_file.h"
#include "nets/state_dict.h"
#include "stylize/microast_style_network.h"
#include "stylize/painting.h"
#include "stylize/stylizer.h"
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

using testing::TempDir;

TEST(Painting, MixSyntax) {
    const auto one = parse_style_mix("a.jpg");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].path, "a.jpg");
    EXPECT_EQ(one[0].weight, 1.0);
    const auto two = parse_style_mix("a.jpg:0.7,dir/b c.png:0.3");
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[1].path, "dir/b c.png");
    EXPECT_DOUBLE_EQ(two[0].weight, 0.7);
    EXPECT_EQ(parse_style_mix("c:/x/a.jpg")[0].path, "c:/x/a.jpg");  // no numeric tail
    EXPECT_THROW(parse_style_mix("a.jpg:-1"), Error);
    EXPECT_THROW(parse_style_mix("a.jpg:0"), Error);
    EXPECT_THROW(parse_style_mix(":0.5"), Error);
    EXPECT_THROW(parse_style_mix(","), Error);
    PaintingStyle style{two, 512};
    EXPECT_EQ(style.name(), "a 70% + b c 30%");
}

TEST(Painting, SizeSetsTheShorterSideAndCapsTheLonger) {
    EXPECT_EQ(painting_size({800, 600}, 512), cv::Size(683, 512));
    EXPECT_EQ(painting_size({600, 800}, 512), cv::Size(512, 683));
    EXPECT_EQ(painting_size({800, 600}, 0), cv::Size(800, 600));
    EXPECT_EQ(painting_size({9000, 6000}, 0), cv::Size(4096, 2731));
    EXPECT_EQ(painting_size({8000, 600}, 512), cv::Size(4096, 307));
}

TEST(Painting, BadPaintingsAreOneLineErrorsNamingTheFile) {
    TempDir dir;
    const auto message = [](const std::string& path, int size = 512) {
        try {
            prepare_painting({path, 1, cv::Mat()}, size);
        } catch (const Error& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    testing::write_text(dir.path("text.jpg"), "not an image");
    EXPECT_NE(message(dir.path("text.jpg")).find(dir.path("text.jpg") + ": cannot decode"),
              std::string::npos);
    cv::imwrite(dir.path("dot.png"), cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
    EXPECT_NE(message(dir.path("dot.png")).find("1×1 pixels; a style needs at least 16×16"),
              std::string::npos);
    EXPECT_NE(message(dir.path("missing.jpg")).find("file not found"), std::string::npos);
    EXPECT_NE(message(dir.path("dot.png"), 3).find("--style-size"), std::string::npos);

    cv::Mat huge(600, 8000, CV_8UC3, cv::Scalar(10, 200, 30));
    const auto prepared = prepare_painting({"huge.png", 1, huge}, 512);
    EXPECT_EQ(prepared.bgr.size(), cv::Size(4096, 307));
    EXPECT_NE(prepared.note.find("8000×600 pixels; encoded at 4096×307"), std::string::npos);
    EXPECT_TRUE(prepare_painting({"small.png", 1, cv::Mat(40, 50, CV_8UC3)}, 512).note.empty());
}

/// A tiny random MicroAST written as a file, and two synthetic paintings.
class TinyMicroAst : public ::testing::Test {
  protected:
    void SetUp() override {
        testing::write_random_microast(dir_.path("microast.safetensors"), 4, 9);
        cv::imwrite(dir_.path("warm.png"), testing::smooth_noise(48, 64, 1));
        cv::Mat cold = testing::smooth_noise(40, 40, 2);
        cv::bitwise_not(cold, cold);
        cv::imwrite(dir_.path("cold.png"), cold);
        photo_ = testing::smooth_noise(30, 41, 3);
    }
    StylizerOptions options(const std::string& mix) const {
        StylizerOptions o;
        o.network = {DeviceKind::Cpu, Precision::Fp32};
        o.painting.parts = parse_style_mix(mix);
        o.painting.style_size = 32;
        return o;
    }
    std::string weights() const { return dir_.path("microast.safetensors"); }
    TempDir dir_;
    cv::Mat photo_;
};

TEST_F(TinyMicroAst, StylizesAnySizeWithAPainting) {
    Stylizer stylizer(weights(), options(dir_.path("warm.png")));
    EXPECT_NE(stylizer.describe().find("microast"), std::string::npos);
    for (const cv::Size size : {cv::Size(41, 30), cv::Size(5, 3), cv::Size(64, 64)}) {
        cv::Mat photo;
        cv::resize(photo_, photo, size);
        EXPECT_EQ(stylizer.stylize(photo).size(), size);
    }
}

TEST_F(TinyMicroAst, NeedsAPaintingAndTrainedStylesRefuseOne) {
    EXPECT_THROW(Stylizer(weights(), StylizerOptions()), Error);
    TransformerNet trained(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir_.path("trained.safetensors"), trained);
    try {
        Stylizer(dir_.path("trained.safetensors"), options(dir_.path("warm.png")));
        FAIL() << "a trained style took a painting";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("arbitrary-style network"), std::string::npos);
    }
}

TEST_F(TinyMicroAst, CodesAreCachedPerPaintingAndSize) {
    MicroAstStyleNetwork network(weights(), {DeviceKind::Cpu, Precision::Fp32});
    PaintingStyle warm{parse_style_mix(dir_.path("warm.png")), 32};
    PaintingStyle cold{parse_style_mix(dir_.path("cold.png")), 32};
    network.set_style(warm);
    const auto warm_code = network.code();
    network.set_style(cold);
    network.set_style(warm);
    EXPECT_EQ(network.cached_codes(), 2u);
    EXPECT_TRUE(torch::equal(network.code().mean1, warm_code.mean1));
    warm.style_size = 24;
    network.set_style(warm);
    EXPECT_EQ(network.cached_codes(), 3u);
    EXPECT_FALSE(torch::equal(network.code().mean1, warm_code.mean1));
}

TEST_F(TinyMicroAst, AMixIsBetweenItsPaintingsAndStrengthMovesTowardsTheFrame) {
    MicroAstStyleNetwork network(weights(), {DeviceKind::Cpu, Precision::Fp32});
    const auto code = [&](const std::string& mix) {
        network.set_style({parse_style_mix(mix), 32});
        return network.code();
    };
    const auto warm = code(dir_.path("warm.png")), cold = code(dir_.path("cold.png"));
    const auto half = code(dir_.path("warm.png") + ":1," + dir_.path("cold.png") + ":1");
    EXPECT_TRUE(torch::allclose(half.weight2, (warm.weight2 + cold.weight2) / 2, 1e-5, 1e-6));

    Stylizer stylizer(weights(), options(dir_.path("warm.png")));
    cv::Mat photo;
    cv::resize(photo_, photo, {64, 48});
    const cv::Mat full = stylizer.stylize(photo);
    stylizer.set_strength(0);
    const cv::Mat none = stylizer.stylize(photo);
    stylizer.set_strength(0.5);
    const cv::Mat part = stylizer.stylize(photo);
    EXPECT_GT(cv::norm(full, none, cv::NORM_L1), 0);  // strength is not a no-op
    // Not a pixel blend: the half-strength frame is not the average of the two ends.
    cv::Mat average;
    cv::addWeighted(full, 0.5, none, 0.5, 0, average);
    EXPECT_GT(cv::norm(part, average, cv::NORM_INF), 1);
    stylizer.set_strength(1);
    EXPECT_EQ(cv::norm(stylizer.stylize(photo), full, cv::NORM_INF), 0);
}

TEST_F(TinyMicroAst, SwitchingPaintingsKeepsTheOldOneOnFailure) {
    Stylizer stylizer(weights(), options(dir_.path("warm.png")));
    const cv::Mat warm = stylizer.stylize(photo_);
    EXPECT_THROW(stylizer.set_painting({parse_style_mix(dir_.path("none.png")), 32}), Error);
    EXPECT_EQ(cv::norm(stylizer.stylize(photo_), warm, cv::NORM_INF), 0);
    stylizer.set_painting({parse_style_mix(dir_.path("cold.png")), 32});
    EXPECT_GT(cv::norm(stylizer.stylize(photo_), warm, cv::NORM_INF), 0);
    EXPECT_EQ(stylizer.options().painting.name(), "cold");
}

// The published weights through the whole stylize path (painting file → code → frames) against
// tests/data/microast/home_udnie.webp (see nets_microast_test.cpp), at the best CPU precision.
TEST(MicroAstStylizer, PublishedWeightsMatchTheReferenceThroughTheStylizer) {
    const auto weights = testing::shared_dir() + "/weights/microast.safetensors";
    const auto udnie = testing::shared_dir() + "/paintings/udnie.jpg";
    STYLECAM_REQUIRE_FILE(weights);
    STYLECAM_REQUIRE_FILE(udnie);
    STYLECAM_REQUIRE_FILE(testing::sample_data("home.jpg"));
    const cv::Mat expected =
        cv::imread(std::string(STYLECAM_SOURCE_DIR) + "/tests/data/microast/home_udnie.webp");
    cv::Mat home = cv::imread(testing::sample_data("home.jpg"));
    ASSERT_EQ(home.size(), expected.size());
    for (const auto precision : {Precision::Fp32, Precision::Auto}) {
        StylizerOptions options;
        options.network = {DeviceKind::Cpu, precision};
        options.painting = {parse_style_mix(udnie), 512};
        Stylizer stylizer(weights, options);
        cv::Mat diff;
        cv::absdiff(stylizer.stylize(home), expected, diff);
        double max = 0;
        cv::minMaxLoc(diff.reshape(1), nullptr, &max);
        const double mean = cv::mean(diff.reshape(1))[0];
        if (precision == Precision::Fp32) {
            EXPECT_LE(max, 2.0);
            EXPECT_LE(mean, 0.3);
        } else {
            EXPECT_LE(mean, 3.0) << stylizer.describe() << ", max " << max;
        }
    }
}

}  // namespace
}  // namespace stylecam
