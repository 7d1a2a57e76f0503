#include "live/auto_scale.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <vector>

namespace stylecam {
namespace {

/// A machine whose network time at `scale` is `ms_at(scale)`.
using Machine = std::function<double(double scale)>;

Machine quadratic(double ms_at_full_scale) {
    return [ms_at_full_scale](double scale) { return ms_at_full_scale * scale * scale; };
}

/// Runs `frames` frames on `machine`; the scales returned, one per frame.
std::vector<double> run(AutoScale& controller, const Machine& machine, int frames) {
    std::vector<double> scales;
    for (int i = 0; i < frames; ++i)
        scales.push_back(controller.update(machine(controller.current())));
    return scales;
}

int changes(const std::vector<double>& scales, std::size_t from = 0) {
    int count = 0;
    for (std::size_t i = std::max<std::size_t>(from, 1); i < scales.size(); ++i)
        count += scales[i] != scales[i - 1];
    return count;
}

int steps_up(const std::vector<double>& scales) {
    int count = 0;
    for (std::size_t i = 1; i < scales.size(); ++i) count += scales[i] > scales[i - 1];
    return count;
}

TEST(AutoScale, LadderRunsFromTheChosenScaleDownToTheMinimum) {
    AutoScale controller;  // 30 fps, max 1.0, min 0.35
    EXPECT_EQ(controller.ladder(), (std::vector<double>{1.0, 0.85, 0.7, 0.6, 0.5, 0.42, 0.35}));
    EXPECT_DOUBLE_EQ(controller.current(), 1.0);
    EXPECT_NEAR(controller.budget_ms(), 33.33, 0.01);
    controller.reset(0.8);  // 0.85 is above the ceiling: skipped
    EXPECT_EQ(controller.ladder(), (std::vector<double>{0.8, 0.7, 0.6, 0.5, 0.42, 0.35}));
    controller.reset(0.25);  // below the minimum: the user's scale alone
    EXPECT_EQ(controller.ladder(), (std::vector<double>{0.25}));
}

TEST(AutoScale, FastMachineStaysAtTheChosenScale) {
    AutoScale controller;
    for (const double scale : run(controller, quadratic(10), 500)) EXPECT_DOUBLE_EQ(scale, 1.0);
    AutoScaleOptions options;
    options.max_scale = 0.5;
    AutoScale capped(options);
    for (const double scale : run(capped, quadratic(1), 500)) EXPECT_DOUBLE_EQ(scale, 0.5);
}

TEST(AutoScale, SlowMachineStepsDownToHoldTheTargetAndSettles) {
    // 80 ms at full scale, 30 fps wanted: 0.6 (28.8 ms) is the largest rung within budget.
    std::mt19937 random(7);
    std::uniform_real_distribution<double> noise(0.9, 1.1);
    AutoScale controller;
    const auto scales = run(
        controller, [&](double scale) { return 80 * scale * scale * noise(random); }, 600);
    const auto first = std::find(scales.begin(), scales.end(), 0.6);
    ASSERT_NE(first, scales.end());
    EXPECT_LT(first - scales.begin(), 30) << "too slow to react";
    EXPECT_DOUBLE_EQ(scales.back(), 0.6);
    EXPECT_LE(changes(scales), 2);
    EXPECT_EQ(changes(scales, 100), 0) << "oscillates once settled";
}

TEST(AutoScale, FixedOverheadStillEndsWithinTheBudget) {
    // Time = 5 ms + 60 ms × scale²: the scale² prediction is optimistic downwards.
    AutoScale controller;
    const auto scales = run(
        controller, [](double scale) { return 5 + 60 * scale * scale; }, 500);
    const double settled = scales.back();
    EXPECT_LE(5 + 60 * settled * settled, controller.budget_ms() * 1.1);
    EXPECT_LT(settled, 1.0);
    EXPECT_EQ(changes(scales, 100), 0);
}

TEST(AutoScale, GoesBackUpWhenTheLoadDrops) {
    AutoScale controller;
    EXPECT_DOUBLE_EQ(run(controller, quadratic(80), 300).back(), 0.6);
    const auto scales = run(controller, quadratic(20), 500);  // another program ended
    EXPECT_DOUBLE_EQ(scales.back(), 1.0);
    EXPECT_EQ(steps_up(scales), 3);  // 0.7, 0.85, 1.0: one rung at a time
    EXPECT_GT(std::count(scales.begin(), scales.end(), 0.6), 30) << "steps up without waiting";
}

TEST(AutoScale, NeverLeavesTheLadderWhateverTheTimes) {
    std::mt19937 random(3);
    std::uniform_real_distribution<double> exponent(0.0, 4.0), noise(0.8, 1.2);
    for (const double max_scale : {1.0, 0.5}) {
        AutoScaleOptions options;
        options.max_scale = max_scale;
        AutoScale controller(options);
        double ms_at_full_scale = 1;
        for (int i = 0; i < 3000; ++i) {
            if (i % 50 == 0) ms_at_full_scale = std::pow(10.0, exponent(random));
            const double scale = controller.current();
            const double next = controller.update(ms_at_full_scale * scale * scale * noise(random));
            EXPECT_LE(next, max_scale);
            EXPECT_GE(next, 0.35);
            EXPECT_NE(std::find(controller.ladder().begin(), controller.ladder().end(), next),
                      controller.ladder().end());
        }
    }
    AutoScale controller;  // hopelessly slow: the minimum, not below
    EXPECT_DOUBLE_EQ(run(controller, quadratic(1e5), 100).back(), 0.35);
    controller.reset(0.25);
    for (const double scale : run(controller, quadratic(1e5), 100)) EXPECT_DOUBLE_EQ(scale, 0.25);
}

TEST(AutoScale, OneSlowFrameIsNotASlowMachine) {
    AutoScale controller;
    run(controller, quadratic(10), 50);
    EXPECT_DOUBLE_EQ(controller.update(500), 1.0);
    for (const double scale : run(controller, quadratic(10), 100)) EXPECT_DOUBLE_EQ(scale, 1.0);
    // Nonsense times are ignored.
    EXPECT_DOUBLE_EQ(controller.update(0), 1.0);
    EXPECT_DOUBLE_EQ(controller.update(std::nan("")), 1.0);
    EXPECT_DOUBLE_EQ(controller.update(-3), 1.0);
}

TEST(AutoScale, BacksOffWhenAStepUpDoesNotHold) {
    // The scale² model is wrong here: 0.6 looks like it leaves room for 0.7, which is too slow.
    AutoScaleOptions options;
    options.max_scale = 0.7;
    AutoScale controller(options);
    const auto scales = run(
        controller, [](double scale) { return scale > 0.65 ? 40.0 : 19.0; }, 2000);
    EXPECT_LE(steps_up(scales), 8);  // without the back-off: one every ~50 frames
    EXPECT_LT(std::count(scales.begin(), scales.end(), 0.7), 100);
}

TEST(AutoScale, BacksOffWhenAStepUpHoldsOnlyForSeconds) {
    // A busy machine (the window and the encoder share the cores): a step up to 0.7 looks fine
    // for 100 frames, then the frames take 45 ms; 0.6 always holds. Seen in the live soak.
    AutoScaleOptions options;
    options.max_scale = 0.7;
    AutoScale controller(options);
    double last_scale = 0;
    int at_scale = 0;
    const auto machine = [&](double scale) {
        at_scale = scale == last_scale ? at_scale + 1 : 0;
        last_scale = scale;
        if (scale < 0.65) return 12.0;
        return at_scale < 100 ? 19.0 : 45.0;
    };
    const auto scales = run(controller, machine, 3000);
    // Without the back-off (it used to apply only within up_frames of a step up): one step up
    // every ~150 frames, 19 in all.
    EXPECT_LE(steps_up(scales), 8);
}

TEST(AutoScale, ResetAndTargetRate) {
    AutoScale controller;
    EXPECT_DOUBLE_EQ(run(controller, quadratic(80), 100).back(), 0.6);
    controller.reset(1.0);  // the user moved the slider: start again from the ceiling
    EXPECT_DOUBLE_EQ(controller.current(), 1.0);
    controller.set_target_fps(10);  // 100 ms: 80 ms at full scale fits
    EXPECT_NEAR(controller.budget_ms(), 100, 1e-9);
    for (const double scale : run(controller, quadratic(80), 300)) EXPECT_DOUBLE_EQ(scale, 1.0);
    controller.set_target_fps(0);  // ignored
    EXPECT_DOUBLE_EQ(controller.target_fps(), 10);
}

}  // namespace
}  // namespace stylecam
