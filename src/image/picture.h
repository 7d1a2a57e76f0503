#pragma once
/// Reading and writing still images of any kind OpenCV decodes, normalised for the networks.
///
/// A `Picture` separates what the network sees (8-bit BGR) from what the file had besides
/// (alpha channel, 16-bit depth) so that writing it back keeps both.

#include <opencv2/core.hpp>

#include <string>

namespace stylecam {

struct Picture {
    cv::Mat bgr;               ///< CV_8UC3, BGR
    cv::Mat alpha;             ///< CV_8UC1, or empty when the source had no alpha channel
    int source_depth = CV_8U;  ///< CV_8U, CV_16U or CV_32F: the depth written back when possible
};

/// Any OpenCV Mat (1, 3 or 4 channels; 8U, 16U or 32F in 0..1) → Picture.
Picture to_picture(const cv::Mat& any);

/// Picture → Mat to encode: BGRA when `with_alpha` and the picture has alpha (resized to the
/// picture's size if needed), else BGR; 16-bit when `depth16`, else 8-bit.
cv::Mat from_picture(const Picture& picture, bool with_alpha, bool depth16);

/// Reads an image file; throws `Error("<path>: ...")` if it is missing or cannot be decoded.
Picture read_picture(const std::string& path);

/// Writes atomically (temporary file, then rename); keeps alpha and 16-bit depth where the
/// format supports them (PNG, TIFF). Throws `Error("<path>: ...")`.
void write_picture(const std::string& path, const Picture& picture);

/// True for file names with an extension OpenCV can decode as a still image.
bool has_image_extension(const std::string& path);

}  // namespace stylecam
