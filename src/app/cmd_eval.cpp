/// `stylecam eval`: how good a model's output is.
/// Photos (a file or a folder): against a reference model's output (e.g. a fast student against
/// its teacher) — texture distance, detail ratio, low-pass PSNR, PSNR, SSIM — plus the model's
/// time per photo. A video: the warp error of the model's output (and the reference's) next to
/// the input's own, the floor; also of the model's output after the temporal stabilizer
/// (image/temporal_stabilizer.h) as stylize and live run it by default, or at each strength
/// --stabilize gives, measured the same way.

#include "app/command.h"
#include "app/progress_bar.h"
#include "core/error.h"
#include "image/metrics.h"
#include "image/picture.h"
#include "image/temporal_stabilizer.h"
#include "image/warp_error.h"
#include "stylize/model_registry.h"
#include "stylize/offline_jobs.h"
#include "stylize/stylizer.h"
#include "stylize/texture_metric.h"
#include "video/video_file.h"

#include <spdlog/spdlog.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

namespace stylecam {
namespace {

struct EvalParams {
    std::string model, reference, input, vgg;
    std::vector<std::string> model_folders;
    ComputeOptions compute;
    double scale = 1.0;
    int height = 0;  ///< photos: resized to this height first (0: as they are)
    int frames = 30;
    std::string size = "640x480";
    /// Video: strengths of the stabilized rows (0s give none). Not given: stylize's default.
    std::vector<double> stabilize;
    bool stabilize_given = false;  ///< --stabilize on the command line
    std::string stabilize_flow = "fast";
    double stabilize_flow_scale = 0.5;
    double temporal_norm = kDefaultTemporalNorm;  ///< video: as stylize and live run it
    std::string style_image;            ///< a painting: the model is MicroAST with this style
    std::string reference_style_image;  ///< a painting: the reference is MicroAST with it
    int style_size = 512;               ///< of both paintings
};

/// PSNRs of equal images are infinite; the table shows this cap instead.
constexpr double kPsnrCap = 99.0;

/// "640x480" → 640×480; "native" → 0×0 (the video's own size).
cv::Size parse_frame_size(const std::string& text) {
    if (text == "native") return {0, 0};
    int width = 0, height = 0;
    char x = 0, rest = 0;
    const int read = std::sscanf(text.c_str(), "%d%c%d%c", &width, &x, &height, &rest);
    STYLECAM_CHECK(read == 3 && (x == 'x' || x == 'X') && width >= 16 && height >= 16 &&
                       width <= 8192 && height <= 8192,
                   "--size: expected WIDTHxHEIGHT (16..8192) or 'native', got '", text, "'");
    return {width, height};
}

/// Scaled to cover `size` (aspect ratio kept), then the centre cut out: a camera's or the live
/// view's frame from a video of another shape. INTER_AREA when shrinking.
cv::Mat cover_and_crop(const cv::Mat& frame, cv::Size size) {
    if (frame.size() == size) return frame;
    const double scale = std::max(static_cast<double>(size.width) / frame.cols,
                                  static_cast<double>(size.height) / frame.rows);
    const cv::Size scaled(std::max(size.width, static_cast<int>(std::lround(frame.cols * scale))),
                          std::max(size.height, static_cast<int>(std::lround(frame.rows * scale))));
    cv::Mat resized;
    cv::resize(frame, resized, scaled, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    const cv::Rect centre((scaled.width - size.width) / 2, (scaled.height - size.height) / 2,
                          size.width, size.height);
    return resized(centre).clone();
}

cv::Mat resize_to_height(const cv::Mat& photo, int height) {
    if (height <= 0 || photo.rows == height) return photo;
    const int width = std::max(
        1, static_cast<int>(std::lround(photo.cols * static_cast<double>(height) / photo.rows)));
    cv::Mat resized;
    cv::resize(photo, resized, {width, height}, 0, 0,
               height < photo.rows ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

std::vector<std::filesystem::path> list_photos(const std::string& input, InputKind kind) {
    std::vector<std::filesystem::path> images;
    std::error_code ec;
    if (kind == InputKind::Folder) {
        for (const auto& entry : std::filesystem::directory_iterator(input, ec))
            if (entry.is_regular_file(ec) && has_image_extension(entry.path().string()))
                images.push_back(entry.path());
    } else {
        images.emplace_back(input);
    }
    std::sort(images.begin(), images.end());
    STYLECAM_CHECK(!images.empty(), input, ": no images to evaluate");
    return images;
}

struct PhotoRow {
    double texture = 0, detail = 0, lowpass = 0, psnr = 0, ssim = 0, ms = 0;
};

void print_photo_row(const std::string& name, const PhotoRow& row) {
    std::printf("%-24s %8.3f %8.3f %11.2f %10.2f %8.4f %10.1f\n", name.c_str(), row.texture,
                row.detail, row.lowpass, row.psnr, row.ssim, row.ms);
}

int eval_photos(const EvalParams& params, InputKind kind, Stylizer& model, Stylizer& reference,
                TextureMetric& texture) {
    const auto images = list_photos(params.input, kind);
    std::printf("%-24s %8s %8s %11s %10s %8s %10s\n", "IMAGE", "TEXTURE", "DETAIL", "LOWPASS dB",
                "PSNR dB", "SSIM", "MODEL ms");
    PhotoRow sum;
    for (const auto& path : images) {
        const cv::Mat photo = resize_to_height(read_picture(path.string()).bgr, params.height);
        // Timed the second time: the first call at a new size sets up kernels for it.
        const cv::Mat ours = model.stylize(photo);
        const auto start = std::chrono::steady_clock::now();
        model.stylize(photo);
        PhotoRow row;
        row.ms = milliseconds_since(start);
        const cv::Mat theirs = reference.stylize(photo);
        row.texture = texture.distance(ours, theirs);
        row.detail = detail_ratio(ours, theirs);
        row.lowpass = std::min(lowpass_psnr(ours, theirs), kPsnrCap);
        row.psnr = std::min(psnr(ours, theirs), kPsnrCap);
        row.ssim = ssim(ours, theirs);
        print_photo_row(path.filename().string(), row);
        std::fflush(stdout);
        sum.texture += row.texture;
        sum.detail += row.detail;
        sum.lowpass += row.lowpass;
        sum.psnr += row.psnr;
        sum.ssim += row.ssim;
        sum.ms += row.ms;
    }
    const double n = static_cast<double>(images.size());
    print_photo_row("MEAN", {sum.texture / n, sum.detail / n, sum.lowpass / n, sum.psnr / n,
                             sum.ssim / n, sum.ms / n});
    return kExitOk;
}

int eval_video(const EvalParams& params, Stylizer& model, Stylizer* reference) {
    VideoReader reader(params.input);
    const cv::Size native = reader.info().size;
    cv::Size size = parse_frame_size(params.size);
    if (size.area() == 0) size = native;
    const int64_t total = reader.info().frame_count > 0
                              ? std::min<int64_t>(params.frames, reader.info().frame_count)
                              : params.frames;
    // Series: input, model, [reference], model stabilized at each strength.
    const int first_stabilized = reference ? 3 : 2;
    std::vector<TemporalStabilizer> stabilizers;
    for (const double strength : params.stabilize) {
        StabilizerOptions options;
        options.strength = strength;
        options.dis_preset = parse_dis_preset(params.stabilize_flow);
        options.flow_scale = params.stabilize_flow_scale;
        stabilizers.emplace_back(options);
    }
    WarpErrorMeter meter(first_stabilized + static_cast<int>(stabilizers.size()));
    std::vector<double> stabilize_ms(stabilizers.size(), 0.0);
    ProgressBar bar("eval", "frames");
    double model_ms = 0;
    int frames = 0;
    for (cv::Mat frame; frames < params.frames && reader.read(frame);) {
        const cv::Mat input = cover_and_crop(frame, size);
        if (frames == 0) model.stylize(input);  // warm-up, not timed
        const auto start = std::chrono::steady_clock::now();
        std::vector<cv::Mat> series = {input, model.stylize_frame(input, frames)};
        model_ms += milliseconds_since(start);
        if (reference) series.push_back(reference->stylize_frame(input, frames));
        for (size_t i = 0; i < stabilizers.size(); ++i) {
            series.push_back(stabilizers[i].process(input, series[1]));
            stabilize_ms[i] += stabilizers[i].last().ms;
        }
        meter.add(input, series);
        bar.update(++frames, total);
    }
    bar.finish();
    STYLECAM_CHECK(frames >= 2, params.input, ": needs at least 2 frames, read ", frames);

    std::printf("%s: %d frames at %dx%d", params.input.c_str(), frames, size.width, size.height);
    const bool same_shape = static_cast<int64_t>(native.width) * size.height ==
                            static_cast<int64_t>(native.height) * size.width;
    if (size != native)
        std::printf(" (%s from %dx%d)", same_shape ? "resized" : "resized and centre-cropped",
                    native.width, native.height);
    std::printf("; DIS optical flow (medium) on the input, %.1f %% of pixels consistent",
                100 * meter.reliable_fraction());
    if (model.timeline())
        std::printf("; temporal norm %.2f, %lld scene cuts", params.temporal_norm,
                    static_cast<long long>(model.timeline()->cuts()));
    std::printf("\n");
    std::printf("still: %.1f %% of pixels (reliable, nothing moving within 16 px)\n",
                100 * meter.still_fraction());
    const double floor = meter.mean(0);
    std::printf("%-40s %10s %9s %8s %8s %10s\n", "SEQUENCE", "WARP ERR", "/ INPUT", "STILL",
                "MOVING", "MODEL ms");
    // A cell: `value` in `format`, or "-" where it is undefined (NaN). A still clip has no warp
    // error of its own: ratios to it are undefined, not NaN.
    const auto cell = [](const char* format, double value) {
        char text[32] = "-";
        if (!std::isnan(value)) std::snprintf(text, sizeof text, format, value);
        return std::string(text);
    };
    const auto over_floor = [&](double value) {
        return cell("%.2f", floor > 0 ? value / floor : std::nan(""));
    };
    const auto row = [&](const std::string& label, int series, const std::string& ms) {
        std::printf("%-40s %10.3f %9s %8s %8s %10s\n", label.c_str(), meter.mean(series),
                    over_floor(meter.mean(series)).c_str(),
                    cell("%.3f", meter.mean_still(series)).c_str(),
                    cell("%.3f", meter.mean_moving(series)).c_str(), ms.c_str());
    };
    const auto name = [](const std::string& path) {
        return std::filesystem::path(path).filename().string();
    };
    row("input (the floor)", 0, "");
    row("model " + name(model.model_path()), 1, cell("%.1f", model_ms / frames));
    if (reference) row("reference " + name(reference->model_path()), 2, "");
    for (size_t i = 0; i < stabilizers.size(); ++i) {
        char label[96];
        std::snprintf(label, sizeof label, "model + stabilize %.2f (%s, %.2f)", params.stabilize[i],
                      params.stabilize_flow.c_str(), params.stabilize_flow_scale);
        row(label, first_stabilized + static_cast<int>(i),
            cell("%.1f", model_ms / frames + stabilize_ms[i] / frames));
    }
    return kExitOk;
}

int run_eval(const EvalParams& params) {
    const InputKind kind = classify_input(params.input);
    const auto folders = model_search_path(params.model_folders);
    const bool reference_painting = !params.reference_style_image.empty();
    if (kind != InputKind::Video)
        STYLECAM_CHECK(!params.reference.empty() || reference_painting,
                       "--reference is needed for photos (the metrics compare the model's output "
                       "with the reference's)");
    if (kind == InputKind::Video) {  // fail before loading models
        parse_frame_size(params.size);
        parse_dis_preset(params.stabilize_flow);
    } else {
        STYLECAM_CHECK(!params.stabilize_given, "--stabilize needs a video input");
    }
    std::optional<TextureMetric> texture;
    if (kind != InputKind::Video) texture.emplace(find_vgg_weights(params.vgg, folders));

    // The model runs as users run it (--precision); the reference is the yardstick: fp32.
    StylizerOptions model_options;
    model_options.network = apply_compute_options(params.compute);
    model_options.scale = params.scale;
    model_options.temporal_norm = params.temporal_norm;
    StylizerOptions reference_options;
    reference_options.network = {model_options.network.device, Precision::Fp32};
    reference_options.temporal_norm = params.temporal_norm;
    if (!params.style_image.empty())
        model_options.painting = PaintingStyle::of(params.style_image, params.style_size);
    STYLECAM_CHECK(!params.model.empty() || !params.style_image.empty(),
                   "--model is needed (or --style-image with MicroAST weights)");
    Stylizer model(params.style_image.empty() ? resolve_model(params.model, folders)
                                              : find_microast_weights(params.model, folders),
                   model_options);
    if (reference_painting)
        reference_options.painting =
            PaintingStyle::of(params.reference_style_image, params.style_size);
    std::unique_ptr<Stylizer> reference;
    if (reference_painting)
        reference = std::make_unique<Stylizer>(find_microast_weights(params.reference, folders),
                                               reference_options);
    else if (!params.reference.empty())
        reference =
            std::make_unique<Stylizer>(resolve_model(params.reference, folders), reference_options);
    spdlog::info("model {} ({}){}", model.model_path(), model.describe(),
                 reference
                     ? ", reference " + reference->model_path() + " (" + reference->describe() + ")"
                     : std::string());

    if (kind == InputKind::Video) return eval_video(params, model, reference.get());
    return eval_photos(params, kind, model, *reference, *texture);
}

}  // namespace

Command add_eval_command(CLI::App& app) {
    auto params = std::make_shared<EvalParams>();
    CLI::App* command = app.add_subcommand(
        "eval",
        "How good a model's output is: against a reference model's output on photos (texture "
        "distance, detail ratio, low-pass PSNR, PSNR, SSIM), or its flicker on a video (warp "
        "error next to the input's own)");
    command->add_option("-m,--model", params->model,
                        "The model to evaluate (file or style name; with --style-image, the "
                        "MicroAST weights, found as by stylize when not given)");
    command->add_option("-r,--reference", params->reference,
                        "The reference model (e.g. the teacher), run in fp32; needed for photos");
    command
        ->add_option("-i,--input", params->input,
                     "A photo, a folder of photos, or a video file (by extension)")
        ->required();
    command->add_option("--vgg", params->vgg,
                        "VGG19 weights for the texture distance (up to conv3_1); default: "
                        "$STYLECAM_VGG, then vgg19*.safetensors in the model folders");
    command
        ->add_option("--scale", params->scale,
                     "Inference scale for the evaluated model (as in live)")
        ->check(CLI::Range(0.1, 2.0));
    command
        ->add_option("--height", params->height,
                     "Photos: resize to this many pixels high first (0: as they are)")
        ->check(CLI::Range(0, 8192));
    command->add_option("--frames", params->frames, "Video: the first N frames")
        ->check(CLI::Range(2, 100000));
    command->add_option("--size", params->size,
                        "Video: frame size WIDTHxHEIGHT (scaled to cover, centre-cropped), or "
                        "'native' for the video's own");
    CLI::Option* stabilize =
        command
            ->add_option("--stabilize", params->stabilize,
                         "Video: also measure the model's output after the temporal stabilizer "
                         "at these strengths (0..1, comma-separated; default: stylize's, " +
                             fmt::format("{:g}", kDefaultStabilizeStrength) + "; 0: no such row)")
            ->delimiter(',')
            ->check(CLI::Range(0.0, 1.0));
    command
        ->add_option("--stabilize-flow", params->stabilize_flow,
                     "The stabilizer's optical flow preset: ultrafast (live), fast (stylize) or "
                     "medium")
        ->check(CLI::IsMember({"ultrafast", "fast", "medium"}));
    command
        ->add_option("--stabilize-flow-scale", params->stabilize_flow_scale,
                     "The stabilizer's flow resolution, a fraction of the frame size")
        ->check(CLI::Range(0.1, 1.0));
    add_temporal_norm_option(*command, params->temporal_norm,
                             " (video: the model and the reference, as stylize and live run them)");
    add_painting_options(*command, params->style_image, params->style_size);
    command->add_option("--reference-style-image", params->reference_style_image,
                        "The reference is this painting through MicroAST (e.g. for a student "
                        "distilled from it; --reference then names the MicroAST weights, found "
                        "as by stylize when not given)");
    add_models_option(*command, params->model_folders);
    add_compute_options(*command, params->compute);
    return {command, [params, stabilize] {
                params->stabilize_given = stabilize->count() > 0;
                if (!params->stabilize_given) params->stabilize = {kDefaultStabilizeStrength};
                auto& strengths = params->stabilize;
                strengths.erase(std::remove(strengths.begin(), strengths.end(), 0.0),
                                strengths.end());
                return run_eval(*params);
            }};
}

}  // namespace stylecam
