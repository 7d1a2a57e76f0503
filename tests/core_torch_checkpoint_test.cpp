/// The pickle reader, the zip container, SHA-256 and torch.save checkpoints in both formats:
/// tiny checkpoints made here, the real ones from ../shared/weights/original when present, and
/// damaged inputs (truncated, bit-flipped, hostile) that must fail with one line, never crash.

#include "checkpoint_fixtures.h"
#include "core/error.h"
#include "core/pickle_reader.h"
#include "core/sha256.h"
#include "core/torch_checkpoint.h"
#include "core/zip_archive.h"
#include "test_support.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>

namespace stylecam {
namespace {

using Kind = PickleValue::Kind;
using testing::small_fixture;

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "(no error)";
}

PickleRef read_plain(const std::string& bytes) {
    size_t offset = 0;
    return read_pickle(bytes, &offset, {}, "test.pkl");
}

std::string pickle_error(const std::string& bytes) {
    return error_of([&] { read_plain(bytes); });
}

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Crc32, KnownVector) { EXPECT_EQ(crc32("123456789"), 0xCBF43926u); }

TEST(PickleReader, ReadsTheValuesTorchSaveWrites) {
    // {'a': [1, -2, 70000, True, None], 'b': ('x', 1.5), 'c': -300 (LONG1)}
    const std::string bytes(
        "\x80\x02}q\x00(X\x01\x00\x00\x00"
        "a]q\x01(K\x01J\xfe\xff\xff\xffJp\x11\x01\x00\x88Ne"
        "X\x01\x00\x00\x00"
        "b\x8c\x01xG?\xf8\x00\x00\x00\x00\x00\x00\x86"
        "X\x01\x00\x00\x00"
        "c\x8a\x02\xd4\xfeu.",
        62);
    const auto value = read_plain(bytes);
    ASSERT_EQ(value->kind, Kind::Dict);
    const auto a = value->find("a");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->items.size(), 5u);
    EXPECT_EQ(a->items[0]->integer, 1);
    EXPECT_EQ(a->items[1]->integer, -2);
    EXPECT_EQ(a->items[2]->integer, 70000);
    EXPECT_TRUE(a->items[3]->boolean);
    EXPECT_EQ(a->items[4]->kind, Kind::None);
    const auto b = value->find("b");
    ASSERT_TRUE(b && b->kind == Kind::Tuple && b->items.size() == 2);
    EXPECT_EQ(b->items[0]->text, "x");
    EXPECT_EQ(b->items[1]->real, 1.5);
    EXPECT_EQ(value->find("c")->integer, -300);
}

TEST(PickleReader, RefusesWhatItDoesNotKnow) {
    EXPECT_NE(pickle_error("\x80\x02"
                           "cos\nsystem\n.")
                  .find("unsupported class os.system"),
              std::string::npos);
    EXPECT_NE(pickle_error("\x80\x02I1\n.").find("unsupported opcode 0x49"), std::string::npos);
    EXPECT_NE(pickle_error("\x80\x02h\x05.").find("memo entry 5 not defined"), std::string::npos);
    EXPECT_NE(pickle_error(std::string("\x80\x02X\xff\x00\x00\x00"
                                       "ab.",
                                       10))
                  .find("truncated"),
              std::string::npos);
    EXPECT_NE(pickle_error("\x80\x02K\x01K\x02.").find("STOP with a malformed stack"),
              std::string::npos);
    EXPECT_NE(pickle_error("\x80\x02").find("truncated"), std::string::npos);
    EXPECT_NE(pickle_error("\x80\x02"
                           "a.")
                  .find("stack underflow"),
              std::string::npos);
    EXPECT_NE(pickle_error(std::string("\x80\x02]q\x00h\x00"
                                       "a.",
                                       9))
                  .find("inside itself"),
              std::string::npos);
    // a list put into a dict, then changed: would let values form cycles
    EXPECT_NE(pickle_error(std::string("\x80\x02}K\x01]q\x01sh\x01K\x02"
                                       "a.",
                                       15))
                  .find("changed after"),
              std::string::npos);
    EXPECT_NE(
        pickle_error(std::string(200, ']') + std::string(199, 'a') + ".").find("nested too deeply"),
        std::string::npos);
    EXPECT_EQ(pickle_error("\x80\x02"
                           "cos\nsystem\n.")
                  .rfind("test.pkl: pickle byte 2: ", 0),
              0u);
}

void expect_small_fixture(const TorchCheckpoint& checkpoint) {
    ASSERT_EQ(checkpoint.tensors.size(), 3u);
    EXPECT_EQ(checkpoint.order, (std::vector<std::string>{"layer.weight", "layer.bias", "half"}));
    EXPECT_TRUE(torch::equal(checkpoint.tensors.at("layer.weight"),
                             torch::arange(1, 7, torch::kFloat32).reshape({2, 3})));
    EXPECT_TRUE(torch::equal(checkpoint.tensors.at("layer.bias"), torch::tensor({-1.5f, 0.25f})));
    const auto& half = checkpoint.tensors.at("half");
    EXPECT_EQ(half.scalar_type(), torch::kFloat16);
    EXPECT_TRUE(torch::equal(half.to(torch::kFloat32), torch::tensor({1.0f, -2.0f, 0.5f})));
}

TEST(TorchCheckpoint, ReadsBothFormats) {
    const auto legacy = parse_torch_checkpoint(testing::legacy_checkpoint(small_fixture()), "l");
    EXPECT_EQ(legacy.format, "legacy");
    expect_small_fixture(legacy);
    const auto zip = parse_torch_checkpoint(testing::zip_checkpoint(small_fixture()), "z");
    EXPECT_EQ(zip.format, "zip");
    expect_small_fixture(zip);
    expect_small_fixture(
        parse_torch_checkpoint(testing::zip_checkpoint(small_fixture(), true), "zip64"));
}

TEST(TorchCheckpoint, TensorsMayShareAStorage) {
    // Two views of one storage (as `torch.save` writes for tensors that share memory): the
    // second tensor is the first one's last two elements.
    auto tensors = small_fixture();
    auto bytes = testing::state_dict_pickle(tensors, true);
    // Point tensor 1 ("layer.bias") at storage "0" from offset 4: same dtype, 6 elements.
    const std::string from = std::string(
        "X\x01\x00\x00\x00"
        "1",
        6);
    const auto at = bytes.find(from);
    ASSERT_NE(at, std::string::npos);
    bytes[at + 5] = '0';
    const std::string numel_2("J\x02\x00\x00\x00", 5), numel_6("J\x06\x00\x00\x00", 5);
    bytes.replace(bytes.find(numel_2, at), 5, numel_6);
    const std::string offset_0("QJ\x00\x00\x00\x00", 6), offset_4("QJ\x04\x00\x00\x00", 6);
    bytes.replace(bytes.find(offset_0, at), 6, offset_4);
    tensors.erase(tensors.begin() + 1);
    std::vector<std::pair<std::string, std::string>> entries = {
        {"a/data.pkl", bytes}, {"a/data/0", tensors[0].bytes}, {"a/data/2", tensors[1].bytes}};
    const auto checkpoint = parse_torch_checkpoint(testing::stored_zip(entries), "shared");
    EXPECT_TRUE(torch::equal(checkpoint.tensors.at("layer.bias"), torch::tensor({5.0f, 6.0f})));
}

TEST(TorchCheckpoint, DamageIsOneLineNamingTheFile) {
    const auto legacy = testing::legacy_checkpoint(small_fixture());
    const auto zip = testing::zip_checkpoint(small_fixture());
    const auto check = [](const std::string& bytes, const std::string& fragment) {
        const auto message = error_of([&] { parse_torch_checkpoint(bytes, "bad.pth"); });
        EXPECT_EQ(message.rfind("bad.pth: ", 0), 0u) << message;
        EXPECT_NE(message.find(fragment), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    };
    check("", "empty file");
    check("hello, world", "not a PyTorch checkpoint");
    check(legacy.substr(0, legacy.size() - 3), "truncated");
    check(legacy + "x", "unexpected bytes");
    check(zip.substr(0, zip.size() - 30), "zip");
    std::string flipped = zip;
    flipped[100] ^= 0x10;  // inside the pickle: the CRC catches it
    check(flipped, "CRC mismatch");
    check(testing::stored_zip({{"a/version", "3\n"}}), "no data.pkl");
    auto doubles = small_fixture();
    doubles[0].storage_type = "LongStorage";  // 24 bytes hold three int64
    doubles[0].sizes = {3};
    EXPECT_EQ(parse_torch_checkpoint(testing::legacy_checkpoint(doubles), "x")
                  .tensors.at("layer.weight")
                  .scalar_type(),
              torch::kInt64);
    auto unknown = small_fixture();
    unknown[0].storage_type = "ComplexFloatStorage";
    check(testing::legacy_checkpoint(unknown), "unsupported class 'torch.ComplexFloatStorage'");
    auto too_big = small_fixture();
    too_big[1].sizes = {3};  // 2 elements stored
    check(testing::zip_checkpoint(too_big), "past the end of its storage");
}

/// $STYLECAM_FUZZ_SCALE multiplies the fuzz loops' iterations (and seeds them differently), for
/// longer runs by hand; the default 1 keeps them under a second.
int fuzz_scale() {
    const char* scale = std::getenv("STYLECAM_FUZZ_SCALE");
    return scale ? std::max(1, std::atoi(scale)) : 1;
}

/// Random truncations and bit flips of `original`: each parse succeeds or throws `Error` with a
/// one-line message naming the input; nothing else escapes.
void fuzz(const std::string& original, uint32_t seed, int iterations) {
    iterations *= fuzz_scale();
    seed += 1000 * (fuzz_scale() - 1);
    std::mt19937 random(seed);
    int failures = 0;
    for (int i = 0; i < iterations; ++i) {
        std::string bytes = original;
        const int mode = static_cast<int>(random() % 3);
        if (mode != 1) bytes.resize(random() % (bytes.size() + 1));
        if (mode != 0 && !bytes.empty()) {
            const int flips = 1 + static_cast<int>(random() % 4);
            for (int f = 0; f < flips; ++f)
                bytes[random() % bytes.size()] ^= static_cast<char>(1 << (random() % 8));
        }
        try {
            parse_torch_checkpoint(bytes, "fuzz.pth");
        } catch (const Error& error) {
            ++failures;
            const std::string message = error.what();
            ASSERT_EQ(message.rfind("fuzz.pth", 0), 0u) << "iteration " << i << ": " << message;
            ASSERT_EQ(message.find('\n'), std::string::npos) << message;
        } catch (const std::exception& error) {
            FAIL() << "iteration " << i << " (seed " << seed
                   << "): not a stylecam::Error: " << error.what();
        }
    }
    EXPECT_GT(failures, iterations / 4);
}

TEST(TorchCheckpoint, ZipWithADamagedPickleButAValidCrc) {
    // Bit flips inside data.pkl with the CRC recomputed, so that the pickle reader sees them.
    const auto tensors = small_fixture();
    const auto pickle = testing::state_dict_pickle(tensors, false);
    std::mt19937 random(4 + 1000 * (fuzz_scale() - 1));
    for (int i = 0; i < 2000 * fuzz_scale(); ++i) {
        std::string bytes = pickle;
        const int flips = 1 + static_cast<int>(random() % 3);
        for (int f = 0; f < flips; ++f)
            bytes[random() % bytes.size()] ^= static_cast<char>(1 << (random() % 8));
        std::vector<std::pair<std::string, std::string>> entries = {{"a/data.pkl", bytes}};
        for (size_t t = 0; t < tensors.size(); ++t)
            entries.emplace_back("a/data/" + std::to_string(t), tensors[t].bytes);
        try {
            parse_torch_checkpoint(testing::stored_zip(entries), "fuzz.pth");
        } catch (const Error& error) {
            ASSERT_EQ(std::string(error.what()).rfind("fuzz.pth", 0), 0u) << error.what();
        } catch (const std::exception& error) {
            FAIL() << "iteration " << i << ": not a stylecam::Error: " << error.what();
        }
    }
}

TEST(TorchCheckpoint, SurvivesTruncationAndBitFlips) {
    const auto start = std::chrono::steady_clock::now();
    fuzz(testing::legacy_checkpoint(small_fixture()), 1, 3000);
    fuzz(testing::zip_checkpoint(small_fixture()), 2, 3000);
    const auto modulator =
        testing::shared_dir() + "/weights/original/microast/modulator_iter_160000.pth.tar";
    if (std::filesystem::exists(modulator)) {
        std::ifstream in(modulator, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        fuzz(bytes, 3, 1000);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 30.0 * fuzz_scale());
}

TEST(TorchCheckpoint, ReadsTheRealMosaicInBothFormats) {
    const auto dir = testing::shared_dir() + "/weights/original/pytorch_examples/";
    STYLECAM_REQUIRE_FILE(dir + "mosaic.pth");
    STYLECAM_REQUIRE_FILE(dir + "mosaic_legacy.pth");
    const auto zip = read_torch_checkpoint(dir + "mosaic.pth");
    const auto legacy = read_torch_checkpoint(dir + "mosaic_legacy.pth");
    EXPECT_EQ(zip.format, "zip");
    EXPECT_EQ(legacy.format, "legacy");
    EXPECT_EQ(zip.order, legacy.order);
    EXPECT_TRUE(zip.tensors.count("in1.running_mean"));
    for (const auto& [name, tensor] : zip.tensors)
        EXPECT_TRUE(torch::equal(tensor, legacy.tensors.at(name))) << name;
}

}  // namespace
}  // namespace stylecam
