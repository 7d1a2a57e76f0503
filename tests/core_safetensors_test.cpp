#include "core/error.h"
#include "core/safetensors.h"
#include "test_support.h"

#include <fstream>

namespace stylecam {
namespace {

using testing::TempDir;

std::map<std::string, torch::Tensor> sample_tensors() {
    torch::manual_seed(1);
    return {{"a.f32", torch::randn({2, 3})},
            {"b.f16", torch::randn({4}).to(torch::kHalf)},
            {"c.bf16", torch::randn({3, 1, 2}).to(torch::kBFloat16)},
            {"d.scalar", torch::tensor(3.5f)},
            {"e.empty", torch::zeros({0, 5})},
            {"f.i64", torch::arange(7)}};
}

TEST(SafeTensors, RoundTripKeepsValuesDtypesShapesAndMetadata) {
    TempDir dir;
    const auto tensors = sample_tensors();
    const Metadata metadata = {{"style", "mosaic"}, {"note", "ünïcødé \"quoted\""}};
    write_safetensors(dir.path("x.safetensors"), tensors, metadata);
    const auto loaded = read_safetensors(dir.path("x.safetensors"));
    EXPECT_EQ(loaded.metadata, metadata);
    ASSERT_EQ(loaded.tensors.size(), tensors.size());
    for (const auto& [name, tensor] : tensors) {
        const auto& other = loaded.tensors.at(name);
        EXPECT_EQ(other.scalar_type(), tensor.scalar_type()) << name;
        EXPECT_EQ(other.sizes(), tensor.sizes()) << name;
        EXPECT_TRUE(torch::equal(other, tensor)) << name;
    }
    const auto header = read_safetensors_header(dir.path("x.safetensors"));
    EXPECT_EQ(header.tensors.at("b.f16").dtype, "F16");
    EXPECT_EQ(header.tensors.at("c.bf16").shape, (std::vector<int64_t>{3, 1, 2}));
    EXPECT_EQ(header.metadata, metadata);
}

TEST(SafeTensors, WritesNonContiguousTensorsByValue) {
    const auto base = torch::arange(12, torch::kFloat32).reshape({3, 4});
    const auto bytes = serialize_safetensors({{"t", base.t()}}, {});
    const auto loaded = parse_safetensors(bytes, "mem");
    EXPECT_TRUE(torch::equal(loaded.tensors.at("t"), base.t().contiguous()));
}

TEST(SafeTensors, HeaderIsAlignedAndLittleEndian) {
    const auto bytes = serialize_safetensors({{"t", torch::ones({2})}}, {});
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    EXPECT_EQ(length % 8, 0u);
    EXPECT_EQ(bytes.size(), 8 + length + 8);
    EXPECT_EQ(bytes[8], '{');
}

void expect_rejected(const std::string& bytes, const std::string& expected_fragment) {
    try {
        parse_safetensors(bytes, "bad.safetensors");
        FAIL() << "accepted a corrupt file; expected: " << expected_fragment;
    } catch (const Error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("bad.safetensors"), std::string::npos) << message;
        EXPECT_NE(message.find(expected_fragment), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

std::string with_header(const std::string& json, const std::string& data = "") {
    std::string bytes(8, '\0');
    uint64_t length = json.size();
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    return bytes + json + data;
}

TEST(SafeTensors, RejectsCorruptFiles) {
    expect_rejected("abc", "only 3 bytes");
    expect_rejected(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "header length");
    expect_rejected(with_header("{not json"), "not valid JSON");
    expect_rejected(with_header("[1,2]"), "not a JSON object");
    expect_rejected(
        with_header(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234"),
        "outside the file");
    expect_rejected(with_header(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                std::string(8, '\0')),
                    "need 12");
    expect_rejected(with_header(R"({"t":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})",
                                std::string(8, '\0')),
                    "unsupported dtype 'Q4'");
    expect_rejected(with_header(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                                std::string(8, '\0')),
                    "non-integer");
    expect_rejected(with_header(R"({"t":{"dtype":"F32","shape":[2]}})"), "lacks");
    expect_rejected(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                std::string(12, '\0')),
                    "overlap");
    expect_rejected(with_header(R"({"__metadata__":{"k":1}})"), "not a string");
}

TEST(SafeTensors, TruncatedFileIsRejected) {
    TempDir dir;
    write_safetensors(dir.path("full.safetensors"), {{"w", torch::randn({64, 64})}}, {});
    std::ifstream in(dir.path("full.safetensors"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    testing::write_text(dir.path("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
    EXPECT_THROW(read_safetensors(dir.path("cut.safetensors")), Error);
    EXPECT_THROW(read_safetensors_header(dir.path("cut.safetensors")), Error);
}

TEST(SafeTensors, MissingFileNamesThePath) {
    try {
        read_safetensors("/nonexistent/model.safetensors");
        FAIL();
    } catch (const Error& error) {
        EXPECT_EQ(std::string(error.what()), "/nonexistent/model.safetensors: file not found");
    }
}

}  // namespace
}  // namespace stylecam
