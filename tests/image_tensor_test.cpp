#include "image/dnn_blob.h"
#include "image/tensor_image.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

cv::Mat random_image(int rows, int cols, int seed) {
    cv::Mat image(rows, cols, CV_8UC3);
    cv::theRNG().state = static_cast<uint64_t>(seed);
    cv::randu(image, 0, 256);
    return image;
}

class ImageTensorSizes : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(ImageTensorSizes, RoundTripIsExactAndLayoutIsNchwRgb) {
    const auto [rows, cols] = GetParam();
    const cv::Mat image = random_image(rows, cols, rows * 1000 + cols);
    const auto tensor = image_to_tensor(image);
    ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{1, 3, rows, cols}));
    EXPECT_EQ(tensor.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(tensor.is_contiguous());
    // Spot-check channel order and position: tensor[0][c][y][x] == image(y, x)[2 - c].
    for (int y : {0, rows / 2, rows - 1})
        for (int x : {0, cols / 2, cols - 1})
            for (int c = 0; c < 3; ++c)
                EXPECT_EQ(tensor[0][c][y][x].item<float>(), image.at<cv::Vec3b>(y, x)[2 - c]);
    const cv::Mat back = tensor_to_image(tensor);
    ASSERT_EQ(back.size(), image.size());
    EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0.0);
}

INSTANTIATE_TEST_SUITE_P(OddSizes, ImageTensorSizes,
                         ::testing::Values(std::make_pair(1, 1), std::make_pair(3, 5),
                                           std::make_pair(333, 257), std::make_pair(257, 333)));

TEST(ImageTensor, ChannelsLastConversionIsTheSameTensorInInterleavedMemory) {
    const cv::Mat whole = random_image(37, 53, 5);
    const cv::Mat image = whole(cv::Rect(2, 3, 41, 29));  // an ROI: rows with a stride
    const auto tensor = image_to_tensor_channels_last(image, 1.0f / 255);
    ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{1, 3, 29, 41}));
    EXPECT_TRUE(tensor.is_contiguous(torch::MemoryFormat::ChannelsLast));
    const auto expected = image_to_tensor(image) * (1.0f / 255);
    EXPECT_LT((tensor - expected).abs().max().item<double>(), 1e-6);
    // Back, scaled, from channels-last memory: exactly the image (the planar path agrees).
    EXPECT_EQ(cv::norm(tensor_to_image(tensor, 255.0f), image, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(tensor_to_image(tensor.contiguous(), 255.0f), image, cv::NORM_INF), 0.0);
    // Rounding and clamping are the same on both paths.
    const auto odd =
        (torch::rand({1, 3, 9, 11}) * 300 - 20).contiguous(torch::MemoryFormat::ChannelsLast);
    EXPECT_EQ(cv::norm(tensor_to_image(odd), tensor_to_image(odd.contiguous()), cv::NORM_INF), 0.0);
}

TEST(ImageTensor, NonContiguousMatRoi) {
    const cv::Mat big = random_image(50, 60, 7);
    const cv::Mat roi = big(cv::Rect(3, 5, 17, 11));
    ASSERT_FALSE(roi.isContinuous());
    const auto tensor = image_to_tensor(roi);
    EXPECT_EQ(cv::norm(tensor_to_image(tensor), roi, cv::NORM_INF), 0.0);
    EXPECT_EQ(tensor[0][0][0][0].item<float>(), big.at<cv::Vec3b>(5, 3)[2]);
}

TEST(ImageTensor, TensorOwnsItsMemory) {
    cv::Mat image = random_image(4, 4, 3);
    const auto tensor = image_to_tensor(image);
    const float before = tensor[0][0][0][0].item<float>();
    image.setTo(cv::Scalar(0, 0, 0));
    EXPECT_EQ(tensor[0][0][0][0].item<float>(), before);
}

TEST(ImageTensor, NonContiguousTensorsConvert) {
    const auto base = torch::arange(3 * 4 * 5, torch::kFloat32).reshape({3, 5, 4});
    const auto transposed = base.transpose(1, 2);  // 3×4×5, not contiguous
    ASSERT_FALSE(transposed.is_contiguous());
    const cv::Mat image = tensor_to_image(transposed);
    ASSERT_EQ(image.rows, 4);
    ASSERT_EQ(image.cols, 5);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 5; ++x)
            for (int c = 0; c < 3; ++c)
                EXPECT_EQ(image.at<cv::Vec3b>(y, x)[2 - c], transposed[c][y][x].item<float>());
    // A strided slice of a batch, in another dtype.
    const auto batch = torch::full({2, 3, 6, 8}, 10.0).to(torch::kDouble);
    const cv::Mat sliced = tensor_to_image(batch.slice(0, 1, 2).slice(3, 0, 8, 2));
    EXPECT_EQ(sliced.size(), cv::Size(4, 6));
}

TEST(ImageTensor, ClampsAndRoundsToNearest) {
    auto tensor = torch::tensor({-20.0f, 0.49f, 0.51f, 254.6f, 300.0f, 127.5f}).reshape({3, 1, 2});
    const cv::Mat image = tensor_to_image(tensor);
    // channel 0 (R) is stored last in BGR
    EXPECT_EQ(image.at<cv::Vec3b>(0, 0)[2], 0);
    EXPECT_EQ(image.at<cv::Vec3b>(0, 1)[2], 0);
    EXPECT_EQ(image.at<cv::Vec3b>(0, 0)[1], 1);
    EXPECT_EQ(image.at<cv::Vec3b>(0, 1)[1], 255);
    EXPECT_EQ(image.at<cv::Vec3b>(0, 0)[0], 255);
}

TEST(ImageTensor, RejectsWrongInputs) {
    EXPECT_ANY_THROW(image_to_tensor(cv::Mat(4, 4, CV_8UC1)));
    EXPECT_ANY_THROW(image_to_tensor(cv::Mat()));
    EXPECT_ANY_THROW(tensor_to_image(torch::zeros({2, 3, 4, 4})));
    EXPECT_ANY_THROW(tensor_to_image(torch::zeros({4, 4})));
}

TEST(DnnBlob, MatchesTheTensorConversion) {
    const cv::Mat image = random_image(13, 9, 11);
    const cv::Mat blob = image_to_blob(image);
    const auto tensor = image_to_tensor(image);
    ASSERT_EQ(blob.size[1], 3);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 13; ++y)
            for (int x = 0; x < 9; ++x)
                ASSERT_EQ(blob.ptr<float>(0, c)[y * 9 + x], tensor[0][c][y][x].item<float>());
    EXPECT_EQ(cv::norm(blob_to_image(blob), image, cv::NORM_INF), 0.0);
}

}  // namespace
}  // namespace stylecam
