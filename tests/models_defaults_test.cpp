/// The committed default styles in models/: small students that load by name on a fresh clone, and
/// that stay as close to their teachers as the README reports: the PyTorch examples' full networks
/// (../shared/weights/styles), or MicroAST with the painting for a style baked from a painting
/// (`distill --style-image`).

#include "image/metrics.h"
#include "image/picture.h"
#include "nets/model_file.h"
#include "stylize/model_registry.h"
#include "stylize/stylizer.h"
#include "stylize/texture_metric.h"
#include "test_support.h"

#include <filesystem>
#include <map>

namespace stylecam {
namespace {

/// Each committed student against its teacher on fruits.jpg (held out from training), full
/// resolution, CPU fp32, as `stylecam eval` measures it: the values measured when the model was
/// made, with a margin for arithmetic differences between machines. PSNR is not among them: it
/// rewards blur (a blurred teacher scores higher than the teacher with its input moved by 1 px).
struct Fidelity {
    double max_texture_distance;  ///< relative Gram distance (VGG19 relu1_1, relu2_1, relu3_1)
    double min_detail_ratio;      ///< mean |Laplacian|, student / teacher
    double min_lowpass_psnr;      ///< dB, both blurred with σ = 3 px
};
const std::map<std::string, Fidelity> kFruitsFloor = {
    {"candy", {0.235, 0.78, 19.85}},        // measured 0.209, 0.865, 20.15 dB (c24)
    {"mosaic", {0.21, 0.85, 21.15}},        // measured 0.182, 1.044, 21.47 dB (c24)
    {"udnie", {0.22, 0.92, 22.5}},          // measured 0.189, 1.023, 22.78 dB
    {"rain_princess", {0.20, 0.94, 19.0}},  // measured 0.171, 1.043, 19.29 dB
    {"pointilism", {0.165, 0.89, 19.2}},    // measured 0.140, 0.982, 19.44 dB
    // a painting baked in with `distill --style-image`: its teacher is MicroAST with the painting
    {"starry_night", {0.20, 0.94, 21.7}}};  // measured 0.173, 1.055, 21.98 dB (vs MicroAST)

/// A student's teacher: a full network, or MicroAST with a painting (style code at 512 px).
struct Teacher {
    std::string weights;
    PaintingStyle painting;  ///< empty for a full network
};
Teacher teacher_of(const std::string& style) {
    if (style == "starry_night")
        return {testing::shared_dir() + "/weights/microast.safetensors",
                PaintingStyle::of(testing::sample_data("starry_night.jpg"))};
    return {testing::style_weights(style), {}};
}

/// The default styles' architecture (models/README.md): separable students, 16 channels (live at
/// 640×480 on AVX2-only CPUs), or 24 for candy and mosaic, whose teachers' colour layout a
/// 16-channel student does not reach (27 frames/s at 640×480 in fp32 under AVX2 caps here).
std::string expected_architecture(const std::string& style) {
    return style == "candy" || style == "mosaic" ? "c24-r4-k3-s2-dw" : "c16-r4-k3-s2-dw";
}

std::vector<ModelInfo> committed_models() {
    return list_models({{STYLECAM_PROJECT_MODELS_DIR, "project"}});
}

TEST(DefaultStyles, AreCommittedSmallStudentsThatLoadByName) {
    const auto models = committed_models();
    ASSERT_EQ(models.size(), kFruitsFloor.size())
        << "models/ should hold the six default styles (five students of the PyTorch examples' "
           "networks, one painting baked in through MicroAST)";
    for (const auto& info : models) {
        SCOPED_TRACE(info.path);
        EXPECT_TRUE(info.valid) << info.architecture;
        EXPECT_LT(info.size_bytes, 2u << 20);
        const auto loaded = load_transformer_net(info.path);
        EXPECT_EQ(architecture_spec(loaded.net->options()), expected_architecture(info.name));
        EXPECT_EQ(loaded.metadata.at("style"), info.name);
        EXPECT_NE(loaded.metadata.at("source").find("distill"), std::string::npos);
        EXPECT_EQ(resolve_model(info.name, {{STYLECAM_PROJECT_MODELS_DIR, "project"}}), info.path);
        EXPECT_EQ(kFruitsFloor.count(info.name), 1u) << "no fidelity floor for " << info.name;
    }
}

TEST(DefaultStyles, StayCloseToTheirTeachersOnAHeldOutPhoto) {
    const auto photo_path = testing::sample_data("fruits.jpg");
    STYLECAM_REQUIRE_FILE(photo_path);
    const cv::Mat photo = read_picture(photo_path).bgr;
    const auto vgg = testing::shared_dir() + "/weights/vgg19-conv1_1-conv3_4.safetensors";
    STYLECAM_REQUIRE_FILE(vgg);
    TextureMetric texture(vgg);
    StylizerOptions cpu;
    cpu.network.device = DeviceKind::Cpu;
    cpu.network.precision = Precision::Fp32;
    for (const auto& info : committed_models()) {
        SCOPED_TRACE(info.name);
        const auto teacher = teacher_of(info.name);
        STYLECAM_REQUIRE_FILE(teacher.weights);
        StylizerOptions teacher_options = cpu;
        teacher_options.painting = teacher.painting;
        if (!teacher.painting.empty()) STYLECAM_REQUIRE_FILE(teacher.painting.parts[0].path);
        const cv::Mat ours = Stylizer(info.path, cpu).stylize(photo),
                      theirs = Stylizer(teacher.weights, teacher_options).stylize(photo);
        const auto& floor = kFruitsFloor.at(info.name);
        EXPECT_LE(texture.distance(ours, theirs), floor.max_texture_distance);
        EXPECT_GE(detail_ratio(ours, theirs), floor.min_detail_ratio);
        EXPECT_GE(lowpass_psnr(ours, theirs), floor.min_lowpass_psnr);
    }
}

}  // namespace
}  // namespace stylecam
