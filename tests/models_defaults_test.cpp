/// The committed default styles in models/: fast students that load by name on a fresh clone, and
/// that stay as close to their teachers (../shared/weights/styles) as the README reports.

#include "image/metrics.h"
#include "image/picture.h"
#include "nets/model_file.h"
#include "stylize/model_registry.h"
#include "stylize/stylizer.h"
#include "test_support.h"

#include <filesystem>
#include <map>

namespace stylecam {
namespace {

/// PSNR (dB) of each committed student against its teacher on fruits.jpg (held out from
/// training), full resolution, CPU fp32: the value measured when the model was made, minus 0.2 dB
/// for arithmetic differences between machines.
const std::map<std::string, double> kFruitsPsnrFloor = {
    {"candy", 16.8}, {"mosaic", 15.7}, {"udnie", 21.0}};

std::vector<ModelInfo> committed_models() {
    return list_models({{STYLECAM_PROJECT_MODELS_DIR, "project"}});
}

TEST(DefaultStyles, AreCommittedFastStudentsThatLoadByName) {
    const auto models = committed_models();
    ASSERT_GE(models.size(), 3u) << "models/ should hold at least three default styles";
    for (const auto& info : models) {
        SCOPED_TRACE(info.path);
        EXPECT_TRUE(info.valid) << info.architecture;
        EXPECT_LT(info.size_bytes, 2u << 20);
        const auto loaded = load_transformer_net(info.path);
        EXPECT_EQ(architecture_spec(loaded.net->options()), kFastArchitecture);
        EXPECT_EQ(loaded.metadata.at("style"), info.name);
        EXPECT_NE(loaded.metadata.at("source").find("distill"), std::string::npos);
        EXPECT_EQ(resolve_model(info.name, {{STYLECAM_PROJECT_MODELS_DIR, "project"}}), info.path);
        EXPECT_EQ(kFruitsPsnrFloor.count(info.name), 1u) << "no fidelity floor for " << info.name;
    }
}

TEST(DefaultStyles, StayCloseToTheirTeachersOnAHeldOutPhoto) {
    const auto photo_path = testing::sample_data("fruits.jpg");
    STYLECAM_REQUIRE_FILE(photo_path);
    const cv::Mat photo = read_picture(photo_path).bgr;
    StylizerOptions cpu;
    cpu.network.device = DeviceKind::Cpu;
    cpu.network.precision = Precision::Fp32;
    for (const auto& info : committed_models()) {
        SCOPED_TRACE(info.name);
        const auto teacher = testing::style_weights(info.name);
        STYLECAM_REQUIRE_FILE(teacher);
        const double value =
            psnr(Stylizer(info.path, cpu).stylize(photo), Stylizer(teacher, cpu).stylize(photo));
        EXPECT_GE(value, kFruitsPsnrFloor.at(info.name));
    }
}

}  // namespace
}  // namespace stylecam
