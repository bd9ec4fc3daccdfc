// WorkerPool: a fixed set of threads running submitted tasks in FIFO order. Thread-safe. The
// engine runs node executors on one; the server runs request handlers on another.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace atelier {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // runs what is queued, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  // Like Submit, but false (and nothing queued) when `max_queued` tasks already wait or the pool
  // is joining: for callers that must refuse work rather than queue it without bound.
  bool TrySubmit(std::function<void()> task, size_t max_queued);
  // Finishes queued tasks and joins the threads. Idempotent.
  void Join();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace atelier
