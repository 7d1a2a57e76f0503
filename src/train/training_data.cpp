#include "train/training_data.h"

#include "core/error.h"
#include "core/memory.h"
#include "image/picture.h"
#include "image/tensor_image.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

/// Longer side at most `working_side`; with native-scale crops, shorter side at least the crop.
cv::Mat fit_working_size(const cv::Mat& picture, const DataOptions& options) {
    const int longer = std::max(picture.cols, picture.rows);
    const int shorter = std::min(picture.cols, picture.rows);
    double factor = std::min(1.0, static_cast<double>(options.working_side) / longer);
    if (options.native_scale && shorter * factor < options.image_size)
        factor = static_cast<double>(options.image_size) / shorter;
    if (factor == 1.0) return picture.clone();
    cv::Size size(std::max(1, static_cast<int>(std::lround(picture.cols * factor))),
                  std::max(1, static_cast<int>(std::lround(picture.rows * factor))));
    if (options.native_scale)  // rounding must not leave a side short of the crop
        size = cv::Size(std::max(size.width, options.image_size),
                        std::max(size.height, options.image_size));
    cv::Mat resized;
    cv::resize(picture, resized, size, 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    return resized;
}

/// An extra scale that makes a smaller copy (0 < scale < 1).
bool is_extra_scale(double scale) { return scale > 0 && scale < 1; }

/// The copy of a picture at an extra scale, whether kept in memory or decoded for a batch.
cv::Mat scaled_copy(const cv::Mat& picture, double scale) {
    cv::Mat smaller;
    cv::resize(picture, smaller, cv::Size(), scale, scale, cv::INTER_AREA);
    return smaller;
}

/// A generator seeded from the run's seed and a few integers: the same numbers give the same
/// stream in every process.
std::mt19937_64 generator(uint64_t seed, uint64_t a, uint64_t b = 0) {
    std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           static_cast<uint32_t>(a), static_cast<uint32_t>(a >> 32),
                           static_cast<uint32_t>(b)};
    return std::mt19937_64(sequence);
}

}  // namespace

TrainingData::TrainingData(const std::string& folder, DataOptions options)
    : options_(std::move(options)) {
    std::error_code ec;
    STYLECAM_CHECK(fs::is_directory(folder, ec), folder, ": not a folder");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(
             folder, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());

    // Photos stay on disk when, decoded at the working size, they would not fit the budget.
    if (!options_.native_scale) {
        double copies = 1;
        for (const double scale : options_.extra_scales)
            if (is_extra_scale(scale)) copies += scale * scale;
        const double side = options_.working_side;
        const double photo_bytes = 0.75 * side * side * 3 * copies;  // 4:3 photos
        const auto photos = std::count_if(files.begin(), files.end(), [](const fs::path& file) {
            return has_image_extension(file.string());
        });
        double budget = options_.memory_budget_bytes;
        if (budget <= 0) {
            const int64_t available = available_memory_bytes();
            budget = available > 0 ? static_cast<double>(available) / 4 : 4e9;
        }
        summary_.streamed = static_cast<double>(photos) * photo_bytes > budget;
    }

    for (const auto& file : files) {
        const std::string path = file.string();
        try {
            if (has_image_extension(path)) {
                if (summary_.streamed) {
                    STYLECAM_CHECK(cv::haveImageReader(path), path,
                                   ": not an image OpenCV can decode");
                    add_photo_file(path);
                } else {
                    add_picture(fit_working_size(read_picture(path).bgr, options_));
                }
                ++summary_.images;
            } else if (has_video_extension(path)) {
                VideoReader reader(path);
                const int64_t count = std::max<int64_t>(1, reader.info().frame_count);
                const int64_t every = std::max<int64_t>(1, count / options_.frames_per_video);
                cv::Mat frame;
                int64_t taken = 0;
                for (int64_t index = 0; reader.read(frame) && taken < options_.frames_per_video;
                     ++index)
                    if (index % every == 0) {
                        add_picture(fit_working_size(frame, options_));
                        ++taken;
                    }
                STYLECAM_CHECK(taken > 0, path, ": no frame could be decoded");
                summary_.video_frames += taken;
            } else {
                summary_.skipped.push_back(path + ": not an image or video file");
            }
        } catch (const Error& error) {
            summary_.skipped.push_back(error.what());
        }
    }
    STYLECAM_CHECK(!entries_.empty(), folder, ": no usable photo or video (",
                   summary_.skipped.size(), " file(s) skipped",
                   summary_.skipped.empty() ? "" : ", e.g. " + summary_.skipped.front(), ")");
}

void TrainingData::add_picture(const cv::Mat& picture) {
    entries_.push_back({picture, {}, 1.0});
    for (const double scale : options_.extra_scales) {
        const int shorter = std::min(picture.cols, picture.rows);
        if (!is_extra_scale(scale) ||
            (options_.native_scale && shorter * scale < options_.image_size))
            continue;
        entries_.push_back({scaled_copy(picture, scale), {}, 1.0});
        ++summary_.scaled_copies;
    }
}

void TrainingData::add_photo_file(const std::string& path) {
    entries_.push_back({{}, path, 1.0});
    for (const double scale : options_.extra_scales) {
        if (!is_extra_scale(scale)) continue;
        entries_.push_back({{}, path, scale});
        ++summary_.scaled_copies;
    }
}

cv::Mat TrainingData::picture(int64_t index) const {
    const Entry& entry = entries_.at(static_cast<size_t>(index));
    if (entry.path.empty()) return entry.picture;
    // What add_picture would have kept: the photo at working size, then scaled down.
    const cv::Mat full = fit_working_size(read_picture(entry.path).bgr, options_);
    return entry.scale == 1.0 ? full : scaled_copy(full, entry.scale);
}

cv::Mat TrainingData::usable_picture(int64_t index) const {
    std::string first_failure;
    for (int64_t tried = 0; tried < size(); ++tried) {
        const int64_t candidate = (index + tried) % size();
        try {
            cv::Mat picture = this->picture(candidate);
            if (tried > 0 && options_.warn) {
                const auto& failed = entries_[static_cast<size_t>(index)].path;
                std::lock_guard<std::mutex> lock(warned_mutex_);
                const auto& used = entries_[static_cast<size_t>(candidate)].path;
                if (warned_.insert(failed).second)
                    options_.warn(first_failure + "; using " +
                                  (used.empty() ? "a video frame" : used) + " instead");
            }
            return picture;
        } catch (const Error& error) {
            if (first_failure.empty()) first_failure = error.what();
        }
    }
    STYLECAM_FAIL("training data: no picture can be decoded (", first_failure, ")");
}

TrainingData::TrainingData(const std::vector<cv::Mat>& pictures, DataOptions options)
    : options_(options) {
    STYLECAM_CHECK(!pictures.empty(), "training data: no pictures");
    for (const auto& picture : pictures) add_picture(picture);
    summary_.images = static_cast<int64_t>(pictures.size());
}

std::vector<int64_t> TrainingData::batch_indices(int64_t step, int batch) const {
    std::vector<int64_t> indices;
    const int64_t n = size();
    for (int slot = 0; slot < batch; ++slot) {
        const int64_t position = step * batch + slot;
        const int64_t epoch = position / n;
        std::vector<int64_t> order(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        auto rng = generator(options_.seed, static_cast<uint64_t>(epoch), 1);
        std::shuffle(order.begin(), order.end(), rng);
        indices.push_back(order[static_cast<size_t>(position % n)]);
    }
    return indices;
}

TrainingData::Crop TrainingData::crop_for(int64_t step, int slot, cv::Size picture) const {
    auto rng =
        generator(options_.seed, static_cast<uint64_t>(step), static_cast<uint64_t>(slot) + 2);
    const int shorter = std::min(picture.width, picture.height);
    std::uniform_real_distribution<double> fraction(0.6, 1.0);
    const int side = options_.native_scale ? std::min(options_.image_size, shorter)
                                           : std::max(1, static_cast<int>(shorter * fraction(rng)));
    std::uniform_int_distribution<int> x(0, picture.width - side), y(0, picture.height - side);
    Crop crop;
    crop.rect = cv::Rect(x(rng), y(rng), side, side);
    crop.flip = !options_.native_scale && std::bernoulli_distribution(0.5)(rng);
    return crop;
}

cv::Mat TrainingData::apply(const cv::Mat& picture, const Crop& crop) const {
    cv::Mat out;
    if (crop.rect.width == options_.image_size && crop.rect.height == options_.image_size)
        out = picture(crop.rect).clone();
    else
        cv::resize(picture(crop.rect), out, cv::Size(options_.image_size, options_.image_size), 0,
                   0, crop.rect.width > options_.image_size ? cv::INTER_AREA : cv::INTER_CUBIC);
    if (crop.flip) cv::flip(out, out, 1);
    return out;
}

torch::Tensor TrainingData::crops(int64_t step, const BatchShare& share,
                                  const std::function<cv::Mat(int64_t index)>& source) const {
    STYLECAM_CHECK(
        share.first >= 0 && share.count >= 1 && share.first + share.count <= share.global,
        "training data: slots ", share.first, "+", share.count, " of a batch of ", share.global);
    std::vector<cv::Mat> crops;
    const auto indices = batch_indices(step, share.global);
    for (int slot = share.first; slot < share.first + share.count; ++slot) {
        const cv::Mat picture = source(indices[static_cast<size_t>(slot)]);
        crops.push_back(apply(picture, crop_for(step, slot, picture.size())));
    }
    return stack_images(crops);
}

torch::Tensor TrainingData::batch(int64_t step, int batch) const {
    return this->batch(step, BatchShare{batch, 0, batch});
}

torch::Tensor TrainingData::batch(int64_t step, const BatchShare& share) const {
    return crops(step, share, [this](int64_t index) { return usable_picture(index); });
}

torch::Tensor TrainingData::aligned_batch(int64_t step, int batch,
                                          const std::vector<cv::Mat>& aligned) const {
    return aligned_batch(step, BatchShare{batch, 0, batch}, aligned);
}

torch::Tensor TrainingData::aligned_batch(int64_t step, const BatchShare& share,
                                          const std::vector<cv::Mat>& aligned) const {
    STYLECAM_CHECK(!summary_.streamed, "training data: aligned pictures need the data in memory");
    STYLECAM_CHECK(aligned.size() == entries_.size(), "training data: ", aligned.size(),
                   " aligned pictures for ", entries_.size(), " pictures");
    return crops(step, share, [&](int64_t index) {
        const auto& picture = aligned[static_cast<size_t>(index)];
        STYLECAM_CHECK(picture.size() == entries_[static_cast<size_t>(index)].picture.size(),
                       "training data: aligned picture ", index, " differs in size");
        return picture;
    });
}

torch::Tensor stack_images(const std::vector<cv::Mat>& pictures) {
    std::vector<torch::Tensor> tensors;
    for (const auto& picture : pictures) tensors.push_back(image_to_tensor(picture));
    return torch::cat(tensors, 0);
}

}  // namespace stylecam
