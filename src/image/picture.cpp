#include "image/picture.h"

#include "core/error.h"
#include "core/file_util.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

cv::Mat to_8bit(const cv::Mat& image) {
    if (image.depth() == CV_8U) return image;
    cv::Mat out;
    switch (image.depth()) {
        case CV_16U:
            image.convertTo(out, CV_8U, 1.0 / 257.0);
            break;
        case CV_32F:
        case CV_64F:
            image.convertTo(out, CV_8U, 255.0);
            break;
        default:
            STYLECAM_FAIL("unsupported pixel depth ", image.depth());
    }
    return out;
}

}  // namespace

Picture to_picture(const cv::Mat& any) {
    STYLECAM_CHECK(!any.empty(), "empty image");
    Picture picture;
    picture.source_depth = any.depth() == CV_16U ? CV_16U : CV_8U;
    const cv::Mat eight = to_8bit(any);
    switch (eight.channels()) {
        case 1:
            cv::cvtColor(eight, picture.bgr, cv::COLOR_GRAY2BGR);
            break;
        case 3:
            picture.bgr = eight;
            break;
        case 4:
            cv::cvtColor(eight, picture.bgr, cv::COLOR_BGRA2BGR);
            cv::extractChannel(eight, picture.alpha, 3);
            break;
        default:
            STYLECAM_FAIL("unsupported channel count ", eight.channels());
    }
    return picture;
}

cv::Mat from_picture(const Picture& picture, bool with_alpha, bool depth16) {
    cv::Mat out = picture.bgr;
    if (with_alpha && !picture.alpha.empty()) {
        cv::Mat alpha = picture.alpha;
        if (alpha.size() != picture.bgr.size())
            cv::resize(picture.alpha, alpha, picture.bgr.size(), 0, 0, cv::INTER_LINEAR);
        cv::Mat bgra;
        cv::merge(std::vector<cv::Mat>{picture.bgr, alpha}, bgra);
        out = bgra;
    }
    if (depth16) out.convertTo(out, CV_16U, 257.0);
    return out;
}

bool has_image_extension(const std::string& path) {
    static const char* kExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp",
                                        ".ppm", ".pgm",  ".pbm", ".pnm", ".jp2", ".exr",  ".hdr",
                                        ".sr",  ".ras",  ".pxm", ".pic", ".dib", ".jpe"};
    const std::string ext = lower_extension(path);
    return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                       [&](const char* known) { return ext == known; });
}

Picture read_picture(const std::string& path) {
    std::error_code ec;
    STYLECAM_CHECK(fs::exists(path, ec), path, ": file not found");
    STYLECAM_CHECK(fs::is_regular_file(path, ec), path, ": not a regular file");
    cv::Mat image;
    try {
        image = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& error) {  // OpenCV's decoders throw on some damaged headers
        if (error.err.find("CV_IO_MAX_IMAGE_PIXELS") != std::string::npos)
            STYLECAM_FAIL(path, ": cannot decode image (its header claims more than ",
                          (1 << 30) / 1000000, " million pixels)");
        STYLECAM_FAIL(path, ": cannot decode image (", error.err, ")");
    }
    STYLECAM_CHECK(!image.empty(), path,
                   ": cannot decode image (not an image, corrupt, or an unsupported format)");
    try {
        return to_picture(image);
    } catch (const Error& error) {
        STYLECAM_FAIL(path, ": ", error.what());
    }
}

void write_picture(const std::string& path, const Picture& picture) {
    const std::string ext = lower_extension(path);
    STYLECAM_CHECK(has_image_extension(path), path, ": unknown image format '", ext,
                   "' (use .png, .jpg, .tif, .bmp or .webp)");
    const bool keeps_16bit = ext == ".png" || ext == ".tif" || ext == ".tiff";
    const bool keeps_alpha = keeps_16bit || ext == ".webp";
    const cv::Mat encoded =
        from_picture(picture, keeps_alpha, keeps_16bit && picture.source_depth == CV_16U);
    write_atomically(path, [&](const std::string& tmp) {
        bool written = false;
        try {
            written = cv::imwrite(tmp, encoded);
        } catch (const cv::Exception& error) {
            STYLECAM_FAIL(path, ": cannot encode image (", error.err, ")");
        }
        STYLECAM_CHECK(written, path, ": cannot write image");
    });
}

}  // namespace stylecam
