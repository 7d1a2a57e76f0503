// Distributed training over c10d's Gloo backend with real processes on 127.0.0.1: `stylecam
// launch` and ranks started by hand with torchrun's variables.

#include "core/error.h"
#include "nets/model_file.h"
#include "test_support.h"
#include "train/distributed.h"
#include "train/training_data.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace stylecam {
namespace {

using testing::TempDir;

/// Rows of a training log: step, then the terms in the header's order.
std::vector<std::vector<double>> read_log(const std::string& path) {
    std::ifstream log(path);
    std::vector<std::vector<double>> rows;
    std::string line;
    std::getline(log, line);  // header
    while (std::getline(log, line)) {
        std::vector<double> row;
        std::stringstream fields(line);
        for (std::string field; std::getline(fields, field, ',');) row.push_back(std::stod(field));
        rows.push_back(row);
    }
    return rows;
}

/// Largest |a - b| / max(|a|) over the models' tensors, and its tensor's name; "output" for
/// the models' outputs on a picture. The biases that an instance norm follows are left out: they
/// cannot change the output, their gradient is zero but for rounding, and Adam's normalised step
/// turns that noise, which differs with the summation order, into steps of the learning rate.
std::pair<double, std::string> weight_difference(const std::string& a, const std::string& b) {
    auto first = load_transformer_net(a).net, second = load_transformer_net(b).net;
    const auto other = second->named_parameters();
    std::pair<double, std::string> worst{0.0, ""};
    for (const auto& item : first->named_parameters()) {
        const auto& name = item.key();
        const auto ends_with = [&](const std::string& tail) {
            return name.size() > tail.size() &&
                   name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
        };
        // A residual block's last bias adds a constant to the trunk, which the next convolution
        // carries into an instance norm too.
        const bool before_norm = (ends_with(".conv2d.bias") && name.rfind("deconv3.", 0) != 0) ||
                                 (name.rfind("res", 0) == 0 && ends_with(".in2.bias"));
        if (before_norm) continue;
        const auto& x = item.value();
        const auto& y = other[name];
        const double scale = std::max(x.abs().max().item<double>(), 1e-12);
        const double difference = (x - y).abs().max().item<double>() / scale;
        if (difference > worst.first) worst = {difference, name};
    }
    torch::NoGradGuard no_grad;
    first->eval();
    second->eval();
    const auto picture =
        torch::rand({1, 3, 32, 40}, torch::TensorOptions().dtype(torch::kFloat)) * 255;
    const auto x = first->forward(picture), y = second->forward(picture);
    const double output = (x - y).abs().max().item<double>() / x.abs().max().item<double>();
    if (output > worst.first) worst = {output, "output"};
    return worst;
}

void expect_logs_match(const std::vector<std::vector<double>>& a,
                       const std::vector<std::vector<double>>& b, double relative) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t r = 0; r < a.size(); ++r) {
        ASSERT_EQ(a[r].size(), b[r].size());
        for (size_t c = 0; c < a[r].size(); ++c)
            EXPECT_NEAR(a[r][c], b[r][c], relative * std::abs(a[r][c]) + 1e-12)
                << "row " << r << " column " << c;
    }
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

/// Photos, a painting and a tiny VGG19 in a temp folder; `train` arguments for a tiny run.
class DistributedTraining : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_.path("photos"));
        for (int i = 0; i < 5; ++i)
            cv::imwrite(dir_.path("photos/p" + std::to_string(i) + ".png"),
                        testing::smooth_noise(40, 52, 30 + i));
        cv::imwrite(dir_.path("painting.png"), testing::smooth_noise(48, 48, 99));
        testing::write_tiny_vgg(dir_.path("vgg.safetensors"));
    }
    /// A train command line (without --batch, --steps, --output).
    // fp32 loss network: these tests compare runs that split the same global batch differently,
    // and bf16 kernels round differently for another batch layout (0.008 after 6 steps).
    std::string train(const std::string& extra = "") const {
        return "train --style " + dir_.path("painting.png") + " --data " + dir_.path("photos") +
               " --vgg " + dir_.path("vgg.safetensors") +
               " --arch c4-r1-k3-s1 --image-size 32 --threads 1 --seed 5 --lr 3e-3 --precision "
               "fp32 "
               "--tv-weight 1e-4 --noise-stability 20 --motion-stability 20 " +
               extra;
    }
    std::string out(const std::string& name) const { return dir_.path(name); }
    TempDir dir_;
};

}  // namespace

TEST(DistributedData, RankSharesTogetherAreTheGlobalBatch) {
    std::vector<cv::Mat> pictures;
    for (int i = 0; i < 5; ++i) pictures.push_back(testing::smooth_noise(40, 52, i));
    DataOptions options;
    options.image_size = 24;
    options.seed = 2;
    const TrainingData data(pictures, options);
    for (const int64_t step : {0, 3, 7}) {
        const auto whole = data.batch(step, 6);
        const auto shares = torch::cat({data.batch(step, BatchShare{6, 0, 2}),
                                        data.batch(step, BatchShare{6, 2, 2}),
                                        data.batch(step, BatchShare{6, 4, 2})});
        EXPECT_TRUE(torch::equal(whole, shares)) << "step " << step;
    }
    EXPECT_THROW(data.batch(0, BatchShare{4, 3, 2}), Error);
}

TEST(DistributedOptions, ComeFromTheEnvironmentAndBadOnesAreNamed) {
    DistributedOptions explicit_options;
    explicit_options.world_size = 4;
    explicit_options.rank = 3;
    explicit_options.master_port = 1234;
    const auto resolved = resolve_distributed_options(explicit_options);
    EXPECT_TRUE(is_distributed(resolved));
    EXPECT_EQ(resolved.local_rank, 3);
    EXPECT_EQ(resolved.master_port, 1234);
    explicit_options.rank = 4;
    try {
        resolve_distributed_options(explicit_options);
        FAIL();
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("rank 4 is out of range for world size 4"),
                  std::string::npos)
            << error.what();
    }
    const auto bad = testing::run_stylecam("launch --nproc 2 -- models");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("launch runs `train` or `distill`"), std::string::npos) << bad.err;
}

// Two steps: after that Adam's normalised steps amplify the rounding differences of gradient
// components near zero (the sums over the batch run in another order), as any change of
// summation order would; by step 4 the small stability terms differ by about 3e-4.
TEST_F(DistributedTraining, TwoRanksOfBatchBMatchOneProcessOfBatch2B) {
    const auto single =
        testing::run_stylecam(train("--batch 4 --steps 2 --output " + out("single.safetensors")));
    ASSERT_EQ(single.exit_code, 0) << single.err;
    const auto dual = testing::run_stylecam(
        "launch --nproc 2 -- " + train("--batch 2 --steps 2 --output " + out("dual.safetensors")));
    ASSERT_EQ(dual.exit_code, 0) << dual.err;
    const auto one = read_log(out("single.safetensors.csv")),
               two = read_log(out("dual.safetensors.csv"));
    ASSERT_EQ(one.size(), 2u);
    ASSERT_EQ(one[0].size(), 7u);  // step, total, content, motion, noise, style, tv
    expect_logs_match(one, two, 1e-5);
    const auto difference = weight_difference(out("single.safetensors"), out("dual.safetensors"));
    EXPECT_LT(difference.first, 1e-5) << difference.second;
    const auto metadata = load_transformer_net(out("dual.safetensors")).metadata;
    EXPECT_EQ(metadata.at("training_batch"), "4");
    EXPECT_EQ(metadata.at("training_world_size"), "2");
    // Rank 0 alone writes: one log, one checkpoint, one model.
    EXPECT_TRUE(std::filesystem::exists(out("dual.safetensors.ckpt")));
}

TEST_F(DistributedTraining, ResumeOfATwoRankRunEqualsTheUninterruptedRun) {
    const auto whole = testing::run_stylecam(
        "launch --nproc 2 -- " + train("--batch 2 --steps 6 --output " + out("whole.safetensors")));
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    const auto first = testing::run_stylecam(
        "launch --nproc 2 -- " + train("--batch 2 --steps 4 --output " + out("part.safetensors")));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    std::filesystem::copy_file(out("part.safetensors.ckpt"), out("single.safetensors.ckpt"));
    std::filesystem::copy_file(out("part.safetensors.csv"), out("single.safetensors.csv"));
    const auto rest = testing::run_stylecam(
        "launch --nproc 2 -- " +
        train("--batch 2 --steps 6 --resume --output " + out("part.safetensors")));
    ASSERT_EQ(rest.exit_code, 0) << rest.err;
    EXPECT_LT(weight_difference(out("whole.safetensors"), out("part.safetensors")).first, 1e-6);
    expect_logs_match(read_log(out("whole.safetensors.csv")), read_log(out("part.safetensors.csv")),
                      1e-6);
    // The checkpoint keeps the global batch: one process of batch 4 continues it alike, for
    // two steps, as in TwoRanksOfBatchBMatchOneProcessOfBatch2B (a third step lets Adam turn
    // the other summation order's rounding into 9e-5 in in3.bias).
    const auto alone = testing::run_stylecam(
        train("--batch 4 --steps 6 --resume --output " + out("single.safetensors")));
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    const auto alone_difference =
        weight_difference(out("whole.safetensors"), out("single.safetensors"));
    EXPECT_LT(alone_difference.first, 1e-5) << alone_difference.second;
    // Another global batch is refused.
    const auto other = testing::run_stylecam(
        train("--batch 2 --steps 6 --resume --output " + out("single.safetensors")));
    EXPECT_EQ(other.exit_code, 1);
    EXPECT_NE(other.err.find("checkpoint of a different run"), std::string::npos) << other.err;
}

TEST_F(DistributedTraining, KillingARankStopsTheOtherWithAMessageNamingIt) {
    // Two ranks started by hand, as torchrun or a scheduler would; rank 1 is killed once rank 0
    // has written its first checkpoint.
    const std::string command = train("--batch 1 --steps 100000 --checkpoint-every 2 --output " +
                                      out("killed.safetensors"));
    const std::string script =
        "export MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
        " WORLD_SIZE=2; "
        "RANK=0 timeout 120 " STYLECAM_EXE " " +
        command + " >" + out("rank0.log") + " 2>&1" +
        " & p0=$!; "
        "RANK=1 " STYLECAM_EXE " " +
        command + " >/dev/null 2>&1 & p1=$!; " + "for i in $(seq 600); do [ -e " +
        out("killed.safetensors.ckpt") +
        " ] && break; sleep 0.1; done; "
        "kill -9 $p1; t0=$(date +%s%N); wait $p0; rc=$?; t1=$(date +%s%N); "
        "echo \"$rc $(( (t1 - t0) / 1000000 ))\"";
    const auto result = testing::run_shell(script);
    std::stringstream fields(result.out);
    int code = -1, milliseconds = -1;
    fields >> code >> milliseconds;
    std::ifstream err_file(out("rank0.log"));
    const std::string err((std::istreambuf_iterator<char>(err_file)), {});
    EXPECT_EQ(code, 1) << err;
    EXPECT_GE(milliseconds, 0);
    EXPECT_LT(milliseconds, 60000);
    EXPECT_NE(err.find("stylecam: error: lost rank 1 of 2"), std::string::npos) << err;

    // Under `launch`: killing a rank makes the launcher stop the other and name the lost one.
    const std::string launch =
        STYLECAM_EXE " launch --nproc 2 -- " +
        train("--batch 1 --steps 100000 --checkpoint-every 2 --output " +
              out("launched.safetensors")) +
        " >" + out("launch.log") + " 2>&1 & pl=$!; for i in $(seq 600); do [ -e " +
        out("launched.safetensors.ckpt") +
        " ] && break; sleep 0.1; done; "
        "kill -9 $(cut -d\" \" -f2 /proc/$pl/task/$pl/children); wait $pl; echo $?";
    const auto launched = testing::run_shell("timeout 120 bash -c '" + launch + "'");
    std::ifstream launch_file(out("launch.log"));
    const std::string launch_log((std::istreambuf_iterator<char>(launch_file)), {});
    EXPECT_EQ(launched.out, "1\n") << launch_log;
    EXPECT_NE(launch_log.find("stylecam: error: rank 1 of 2 was killed by signal 9"),
              std::string::npos)
        << launch_log;
}

}  // namespace stylecam
