#pragma once
/// A one-slot, latest-wins mailbox between two threads: `put` overwrites an unread item (and
/// counts it as dropped), `take` returns the newest item once. Never queues without bound.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace stylecam {

template <typename T>
class Mailbox {
  public:
    /// Stores `item`, replacing an unread one (counted in `dropped()`).
    void put(T item) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (slot_) ++dropped_;
            slot_ = std::move(item);
        }
        ready_.notify_one();
    }

    /// The unread item, if any, without waiting.
    std::optional<T> try_take() {
        std::lock_guard<std::mutex> lock(mutex_);
        return take_locked();
    }

    /// Waits up to `timeout` for an unread item; empty on timeout or after `close()`.
    template <typename Rep, typename Period>
    std::optional<T> take(std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return slot_.has_value() || closed_; });
        return take_locked();
    }

    /// Wakes every waiter; later `take` calls return at once.
    void close() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

    int64_t dropped() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return dropped_;
    }

  private:
    std::optional<T> take_locked() {
        std::optional<T> item = std::move(slot_);
        slot_.reset();
        return item;
    }

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::optional<T> slot_;
    int64_t dropped_ = 0;
    bool closed_ = false;
};

}  // namespace stylecam
