#include "stylize/offline_jobs.h"

#include "core/error.h"
#include "core/file_util.h"
#include "image/picture.h"
#include "video/video_file.h"

#include <algorithm>
#include <filesystem>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

bool stop_requested(const std::atomic<bool>* stop) { return stop && stop->load(); }

}  // namespace

InputKind classify_input(const std::string& path) {
    std::error_code ec;
    STYLECAM_CHECK(fs::exists(path, ec), path, ": file not found");
    if (fs::is_directory(path, ec)) return InputKind::Folder;
    return has_video_extension(path) ? InputKind::Video : InputKind::Image;
}

std::string stylize_image_file(Stylizer& stylizer, const std::string& input,
                               const std::string& output) {
    std::error_code ec;
    const std::string target = fs::is_directory(output, ec)
                                   ? (fs::path(output) / fs::path(input).filename()).string()
                                   : output;
    STYLECAM_CHECK(has_image_extension(target), target, ": unknown image format '",
                   lower_extension(target), "' (use .png, .jpg, .tif, .bmp or .webp)");
    check_parent_writable(target);
    Picture picture = read_picture(input);
    picture.bgr = stylizer.stylize(picture.bgr);
    write_picture(target, picture);
    return target;
}

FolderResult stylize_folder(Stylizer& stylizer, const std::string& input_folder,
                            const std::string& output_folder, const ProgressCallback& progress,
                            const std::atomic<bool>* stop) {
    std::error_code ec;
    STYLECAM_CHECK(fs::is_directory(input_folder, ec), input_folder, ": not a folder");
    if (!fs::exists(output_folder, ec)) {
        fs::create_directories(output_folder, ec);
        STYLECAM_CHECK(!ec, output_folder, ": cannot create output folder (", ec.message(), ")");
    }
    STYLECAM_CHECK(fs::is_directory(output_folder, ec), output_folder,
                   ": output must be a folder when the input is a folder");
    STYLECAM_CHECK(!fs::equivalent(input_folder, output_folder, ec), output_folder,
                   ": output folder must differ from the input folder (it would overwrite the "
                   "originals)");
    check_parent_writable((fs::path(output_folder) / "probe.png").string());

    std::vector<fs::path> images;
    for (const auto& entry : fs::directory_iterator(input_folder, ec))
        if (entry.is_regular_file(ec) && has_image_extension(entry.path().string()))
            images.push_back(entry.path());
    std::sort(images.begin(), images.end());
    STYLECAM_CHECK(!images.empty(), input_folder, ": no images in this folder");

    FolderResult result;
    const auto total = static_cast<int64_t>(images.size());
    for (int64_t i = 0; i < total; ++i) {
        if (stop_requested(stop)) {
            result.interrupted = true;
            break;
        }
        try {
            stylize_image_file(stylizer, images[i].string(),
                               (fs::path(output_folder) / images[i].filename()).string());
            ++result.written;
        } catch (const Error& error) {
            result.failures.push_back(error.what());
        }
        if (progress) progress(i + 1, total);
    }
    return result;
}

}  // namespace stylecam
