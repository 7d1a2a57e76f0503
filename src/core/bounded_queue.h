#pragma once
/// A first-in first-out queue between threads that holds at most `capacity` items: producers wait
/// while it is full (`push`), or give up at once (`try_push`); consumers wait while it is empty.
/// `close()` ends the stream: later pushes fail, waiting producers wake and fail, and consumers
/// still receive every item queued before the close, then an empty optional. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace stylecam {

template <typename T>
class BoundedQueue {
  public:
    /// `capacity` ≥ 1 items.
    explicit BoundedQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

    /// Waits for room, then appends `item`. False (item discarded) when the queue is closed.
    bool push(T item) {
        std::unique_lock<std::mutex> lock(mutex_);
        not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    /// Appends `item` when there is room now; false (item discarded) when full or closed.
    bool try_push(T item) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (closed_ || items_.size() >= capacity_) return false;
        items_.push_back(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    /// Waits for the next item; empty once the queue is closed and drained.
    std::optional<T> pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;
        std::optional<T> item(std::move(items_.front()));
        items_.pop_front();
        lock.unlock();
        not_full_.notify_one();
        return item;
    }

    /// Ends the stream (idempotent); items already queued can still be popped.
    void close() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            closed_ = true;
        }
        not_full_.notify_all();
        not_empty_.notify_all();
    }

    /// Drops every queued item (for a consumer that gives up), so waiting producers wake.
    void clear() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            items_.clear();
        }
        not_full_.notify_all();
    }

    size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return items_.size();
    }
    size_t capacity() const { return capacity_; }

  private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace stylecam
