#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace stylecam {
namespace {

TEST(BoundedQueue, DeliversEveryItemInOrderAcrossThreads) {
    BoundedQueue<int> queue(3);
    std::thread producer([&] {
        for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.push(i));
        queue.close();
    });
    std::vector<int> received;
    while (auto item = queue.pop()) {
        EXPECT_LE(queue.size(), 3u);
        received.push_back(*item);
    }
    producer.join();
    ASSERT_EQ(received.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[static_cast<size_t>(i)], i);
}

TEST(BoundedQueue, TryPushRefusesWhenFullAndCloseDrainsThenEnds) {
    BoundedQueue<int> queue(2);
    EXPECT_TRUE(queue.try_push(1));
    EXPECT_TRUE(queue.try_push(2));
    EXPECT_FALSE(queue.try_push(3));
    queue.close();
    EXPECT_FALSE(queue.push(4));
    EXPECT_EQ(queue.pop(), 1);
    EXPECT_EQ(queue.pop(), 2);
    EXPECT_FALSE(queue.pop().has_value());
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
    BoundedQueue<int> queue(1);
    ASSERT_TRUE(queue.push(1));
    std::atomic<bool> returned{false}, accepted{true};
    std::thread producer([&] {
        accepted = queue.push(2);  // blocks: the queue is full
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(returned.load());
    queue.close();
    producer.join();
    EXPECT_TRUE(returned.load());
    EXPECT_FALSE(accepted.load());
}

}  // namespace
}  // namespace stylecam
