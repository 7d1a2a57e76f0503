#pragma once
/// Training pictures: every image in a folder (recursively), plus frames sampled from the video
/// files in it, at a working size. They are decoded once into memory, or, when the photos would
/// not fit (a large photo collection such as COCO), kept on disk and decoded batch by batch on the
/// thread that prepares the next batch. Batches are random crops drawn from them as a pure
/// function of (seed, step): the data order and augmentation need no saved state, so a resumed run
/// sees exactly the batches the uninterrupted run would have seen, in memory or streamed alike.

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace stylecam {

/// The part of a global batch of `global` crops that one rank of a distributed run trains on:
/// slots [first, first + count). Each slot's picture and crop depend on (seed, step, slot) only,
/// so the ranks' shares together are exactly the batch one process would draw.
struct BatchShare {
    int global = 1;
    int first = 0;
    int count = 1;
};

struct DataOptions {
    int image_size = 256;    ///< side of the square training crops
    int working_side = 512;  ///< pictures are stored with their longer side at most this
    int frames_per_video = 40;
    uint64_t seed = 0;
    /// Crops of exactly image_size² pixels at the pictures' own scale, never flipped (pictures
    /// smaller than that are enlarged once when loaded). For distillation: a teacher's strokes
    /// have a fixed size in pixels, so its output must be cropped, not rescaled, with its input.
    /// Otherwise crops cover 60–100 % of the shorter side, are resized to image_size and flipped
    /// half of the time (training against a style image).
    bool native_scale = false;
    /// Each picture is also kept scaled down by each of these factors (0..1; with native-scale
    /// crops only while its shorter side stays at least image_size): the same scenes at other
    /// sizes relative to the network's fixed stroke size.
    std::vector<double> extra_scales;
    /// Photos stay decoded in memory while their estimated size (at working_side, with their
    /// extra scales) is under this many bytes; beyond it they are read from disk for each batch.
    /// 0: a quarter of the memory available. Native-scale data (distillation, whose teacher
    /// outputs are kept too) is always in memory.
    double memory_budget_bytes = 0;
    /// Told (from the batch thread) when a streamed photo cannot be decoded and another one
    /// takes its place: "<file>: <reason>; using <other file> instead". Once per file.
    std::function<void(const std::string&)> warn;
};

struct DataSummary {
    int64_t images = 0, video_frames = 0, scaled_copies = 0;
    bool streamed = false;             ///< photos are decoded from disk for each batch
    std::vector<std::string> skipped;  ///< "<file>: <reason>", one per file that was not used
};

/// Loads `folder`; throws `Error` naming the folder when nothing usable is in it (with the
/// count of skipped files and the first reason).
class TrainingData {
  public:
    TrainingData(const std::string& folder, DataOptions options);
    /// Builds from pictures already in memory (tests; used as they are, plus extra scales);
    /// CV_8UC3 BGR.
    TrainingData(const std::vector<cv::Mat>& pictures, DataOptions options);

    int64_t size() const { return static_cast<int64_t>(entries_.size()); }
    const DataSummary& summary() const { return summary_; }
    /// Picture `index`, CV_8UC3 BGR at working size: from memory, or decoded from its file now
    /// (throws `Error` naming the file when it cannot be).
    cv::Mat picture(int64_t index) const;

    /// The pictures of batch `step` (indices follow a per-epoch permutation of the data).
    std::vector<int64_t> batch_indices(int64_t step, int batch) const;
    /// Crop rectangle and flip of item `slot` of batch `step` within `picture`'s size.
    struct Crop {
        cv::Rect rect;
        bool flip = false;
    };
    Crop crop_for(int64_t step, int slot, cv::Size picture) const;
    /// Applies a crop to any picture of the same size (the input or a target made from it) and
    /// resizes it to image_size: CV_8UC3 BGR.
    cv::Mat apply(const cv::Mat& picture, const Crop& crop) const;
    /// A batch: B×3×S×S float RGB 0..255 (what the transformer net takes). A streamed photo
    /// that cannot be decoded is replaced by the next one that can (reported through
    /// `DataOptions::warn`), the same way in every run.
    torch::Tensor batch(int64_t step, int batch) const;
    /// Slots `share.first` .. of the global batch `batch(step, share.global)`, decoded alone.
    torch::Tensor batch(int64_t step, const BatchShare& share) const;
    /// The same crops of pictures aligned with the data (`aligned[i]` made from `picture(i)`,
    /// same size, e.g. a teacher's outputs): the targets that go with `batch(step, batch)`.
    /// Pictures in memory only.
    torch::Tensor aligned_batch(int64_t step, int batch, const std::vector<cv::Mat>& aligned) const;
    torch::Tensor aligned_batch(int64_t step, const BatchShare& share,
                                const std::vector<cv::Mat>& aligned) const;

    const DataOptions& options() const { return options_; }

  private:
    /// A picture in memory, or a photo file to decode (then scaled by `scale`, 1 or an extra
    /// scale) when a batch needs it.
    struct Entry {
        cv::Mat picture;
        std::string path;
        double scale = 1.0;
    };
    void add_picture(const cv::Mat& picture);      ///< and its scaled copies
    void add_photo_file(const std::string& path);  ///< streamed, and its scaled copies
    /// picture(index), or the next picture that decodes.
    cv::Mat usable_picture(int64_t index) const;
    /// Crops of batch `step` from `source(index)`.
    torch::Tensor crops(int64_t step, const BatchShare& share,
                        const std::function<cv::Mat(int64_t index)>& source) const;
    DataOptions options_;
    std::vector<Entry> entries_;
    DataSummary summary_;
    mutable std::mutex warned_mutex_;
    mutable std::set<std::string> warned_;
};

/// B×3×H×W float RGB 0..255 from CV_8UC3 BGR pictures of one size.
torch::Tensor stack_images(const std::vector<cv::Mat>& pictures);

}  // namespace stylecam
