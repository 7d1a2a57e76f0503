#pragma once
/// Paintings as styles for arbitrary-style networks (MicroAST): what a "painting style" is (one
/// painting, or a weighted mix of several), the `--style-mix a.jpg:0.7,b.jpg:0.3` syntax, and
/// reading a painting at the size that sets the stroke scale.

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace stylecam {

/// Smallest painting side accepted (the style encoder's 9×9 reflection pad needs more than 4).
constexpr int kMinPaintingSide = 16;
/// Paintings this large on either side are resized with a note rather than encoded as they are.
constexpr int kHugePaintingSide = 8000;
/// The longest side a painting is encoded at, whatever `style_size` says (memory and time).
constexpr int kMaxPaintingSide = 4096;

struct PaintingPart {
    /// The file; for an in-memory `image` only a name (for the UI and the code cache).
    std::string path;
    double weight = 1;  ///< share in a mix (normalised over the parts), > 0
    cv::Mat image{};    ///< CV_8UC3 BGR already in memory (a camera snapshot); empty: read `path`
};

/// A style made of paintings: their style codes are averaged with the parts' weights.
struct PaintingStyle {
    std::vector<PaintingPart> parts;  ///< empty: no painting (a trained style)
    /// The painting's shorter side in pixels before encoding (sets the stroke scale); 0: as it
    /// is. Either way the longer side is at most kMaxPaintingSide.
    int style_size = 512;

    /// One painting file as the whole style.
    static PaintingStyle of(const std::string& path, int style_size = 512) {
        return {{PaintingPart{path, 1, cv::Mat()}}, style_size};
    }

    bool empty() const { return parts.empty(); }
    /// "udnie", or "candy 70% + mosaic 30%": file stems with normalised shares.
    std::string name() const;
};

/// "a.jpg" or "a.jpg:0.7,b.jpg:0.3" (weights optional, default 1, not normalised; a path may
/// itself contain ':' — only a numeric tail counts as a weight). Throws `Error` naming the part.
std::vector<PaintingPart> parse_style_mix(const std::string& text);

/// `original` scaled so that its shorter side is `shorter` (0: unchanged), the longer side
/// rounded half up, then scaled down so that neither side exceeds kMaxPaintingSide.
cv::Size painting_size(cv::Size original, int shorter);

struct PreparedPainting {
    cv::Mat bgr;       ///< CV_8UC3 BGR at painting_size()
    std::string note;  ///< non-empty when the painting was huge and has been resized: one line
};

/// Reads `part` (unless its image is in memory) and resizes it (INTER_AREA down, cubic up).
/// Throws `Error("<path>: ...")`: not found, not an image, smaller than kMinPaintingSide.
PreparedPainting prepare_painting(const PaintingPart& part, int style_size);

}  // namespace stylecam
