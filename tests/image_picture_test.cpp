#include "core/error.h"
#include "image/color.h"
#include "image/picture.h"
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

using testing::TempDir;

TEST(Picture, GrayscaleBecomesBgr) {
    cv::Mat gray(5, 7, CV_8UC1, cv::Scalar(90));
    const auto picture = to_picture(gray);
    EXPECT_EQ(picture.bgr.type(), CV_8UC3);
    EXPECT_EQ(picture.bgr.at<cv::Vec3b>(2, 3), cv::Vec3b(90, 90, 90));
    EXPECT_TRUE(picture.alpha.empty());
}

TEST(Picture, AlphaIsKeptThroughPng) {
    TempDir dir;
    cv::Mat bgra(6, 9, CV_8UC4, cv::Scalar(10, 20, 30, 77));
    ASSERT_TRUE(cv::imwrite(dir.path("in.png"), bgra));
    auto picture = read_picture(dir.path("in.png"));
    EXPECT_EQ(picture.bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
    ASSERT_FALSE(picture.alpha.empty());
    write_picture(dir.path("out.png"), picture);
    const cv::Mat back = cv::imread(dir.path("out.png"), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(back.type(), CV_8UC4);
    EXPECT_EQ(back.at<cv::Vec4b>(3, 3), cv::Vec4b(10, 20, 30, 77));
    // JPEG has no alpha: dropped, not an error.
    write_picture(dir.path("out.jpg"), picture);
    EXPECT_EQ(cv::imread(dir.path("out.jpg"), cv::IMREAD_UNCHANGED).channels(), 3);
}

TEST(Picture, SixteenBitIsKeptThroughPng) {
    TempDir dir;
    cv::Mat deep(4, 4, CV_16UC3, cv::Scalar(257 * 200, 257 * 100, 257 * 3));
    ASSERT_TRUE(cv::imwrite(dir.path("in.png"), deep));
    auto picture = read_picture(dir.path("in.png"));
    EXPECT_EQ(picture.source_depth, CV_16U);
    EXPECT_EQ(picture.bgr.at<cv::Vec3b>(1, 1), cv::Vec3b(200, 100, 3));
    write_picture(dir.path("out.png"), picture);
    const cv::Mat back = cv::imread(dir.path("out.png"), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(back.depth(), CV_16U);
    EXPECT_EQ(back.at<cv::Vec3w>(0, 0), cv::Vec3w(257 * 200, 257 * 100, 257 * 3));
}

TEST(Picture, BadFilesGiveOneLineErrors) {
    TempDir dir;
    testing::write_text(dir.path("text.jpg"), "this is not a JPEG\n");
    try {
        read_picture(dir.path("text.jpg"));
        FAIL();
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("text.jpg: cannot decode image"),
                  std::string::npos);
    }
    EXPECT_THROW(read_picture(dir.path("missing.png")), Error);
    Picture picture = to_picture(cv::Mat(2, 2, CV_8UC3, cv::Scalar(1, 2, 3)));
    EXPECT_THROW(write_picture(dir.path("out.xyz"), picture), Error);
    EXPECT_THROW(write_picture(dir.path("no/such/folder/out.png"), picture), Error);
    EXPECT_FALSE(std::filesystem::exists(dir.path("out.xyz")));
}

TEST(Color, BlendIsLinear) {
    const cv::Mat a(2, 2, CV_8UC3, cv::Scalar(200, 100, 0));
    const cv::Mat b(2, 2, CV_8UC3, cv::Scalar(0, 100, 200));
    EXPECT_EQ(blend(a, b, 0.25).at<cv::Vec3b>(1, 1), cv::Vec3b(50, 100, 150));
    EXPECT_EQ(blend(a, b, 1.0).at<cv::Vec3b>(0, 0), cv::Vec3b(200, 100, 0));
    EXPECT_EQ(blend(a, b, 0.0).at<cv::Vec3b>(0, 0), cv::Vec3b(0, 100, 200));
}

TEST(Color, PreserveColorsTakesLumaFromStylizedAndChromaFromOriginal) {
    cv::Mat stylized(8, 8, CV_8UC3), original(8, 8, CV_8UC3);
    cv::theRNG().state = 5;
    cv::randu(stylized, 0, 256);
    cv::randu(original, 60, 200);
    const cv::Mat out = preserve_colors(stylized, original);
    cv::Mat out_ycc, stylized_ycc, original_ycc;
    cv::cvtColor(out, out_ycc, cv::COLOR_BGR2YCrCb);
    cv::cvtColor(stylized, stylized_ycc, cv::COLOR_BGR2YCrCb);
    cv::cvtColor(original, original_ycc, cv::COLOR_BGR2YCrCb);
    std::vector<cv::Mat> o, s, g;
    cv::split(out_ycc, o);
    cv::split(stylized_ycc, s);
    cv::split(original_ycc, g);
    // Round trips through 8-bit RGB cost a few levels where colours clip; on average ~1.
    EXPECT_LT(cv::norm(o[0], s[0], cv::NORM_L1) / 64, 4.0);
    EXPECT_LT(cv::norm(o[1], g[1], cv::NORM_L1) / 64, 4.0);
    EXPECT_LT(cv::norm(o[2], g[2], cv::NORM_L1) / 64, 4.0);
    // and it is not simply the stylized image
    EXPECT_GT(cv::norm(out, stylized, cv::NORM_L1) / 64, 20.0);
}

}  // namespace
}  // namespace stylecam
