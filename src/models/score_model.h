// ScoreModel: anything that gives s(x, σ) ≈ ∇x log p_σ(x), the score of the data distribution
// convolved with N(0, σ² I). Samplers only see this interface.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "core/thread_pool.h"

namespace sw {

class ScoreModel {
 public:
  virtual ~ScoreModel() = default;

  // Number of values per sample (e.g. 2 for points in the plane, 784 for 28×28 images).
  virtual size_t dim() const = 0;

  // Smallest σ the model accepts (0 for models with an exact σ = 0 score, > 0 for networks).
  virtual float min_sigma() const = 0;

  // Bytes of scratch one thread's ScoreRows allocates (activations of one tile of rows, whatever
  // n is), known when the model is built; callers add it up against the working-memory budget
  // (core/memory_budget.h) before they call.
  virtual uint64_t scratch_bytes_per_thread() const = 0;

  // The fewest rows worth a task of their own when a caller splits a batch over threads: a cheap
  // row (a 2-D point) would drown in a task's overhead, while an image's row takes milliseconds,
  // so that a handful of images can use every thread. Only the split depends on it, never a
  // row's result.
  virtual size_t min_rows_per_task() const { return 8; }

  // out[n×dim] = s(x_r, sigma[r]) row by row for x[n×dim], each row at its own noise level (an
  // adaptive ODE solver moves every chain at its own pace); out must not overlap x. A row's result
  // depends only on that row and its σ (never on n or on other rows). Thread-safe: may run
  // concurrently on disjoint rows. Inputs are validated by the caller (ScoreBatch); this is the
  // hot path.
  virtual void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const = 0;

  // ScoreRows with the model's own work split over par's threads, for callers with too few rows
  // to give every thread some (one image on two threads); the same bits as ScoreRows. Models
  // whose layers do not split (cheap rows) compute on the calling thread.
  virtual void ScoreRowsOn(const Parallel& par, const float* x, size_t n, const float* sigma,
                           float* out) const {
    (void)par;
    ScoreRows(x, n, sigma, out);
  }

  // out[n×dim] = vᵀ ∂s/∂x row by row: the vector–Jacobian product of the score at x with v[n×dim]
  // (the score is a gradient, so its Jacobian is the Hessian of log p_σ, symmetric where exact).
  // The divergence ∇·s of the likelihood is built from it. Same contract as ScoreRows.
  virtual void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                            float* out) const = 0;
};

// ScoreRows (ScoreRowsOn par) with every row at one σ (the fixed-schedule samplers, tools and
// tests).
void ScoreRowsAt(const ScoreModel& model, const float* x, size_t n, float sigma, float* out,
                 const Parallel& par = Parallel());

// Whether a batch of n rows on par's threads should let the model split its own work instead of
// splitting the rows: when there are fewer rows than threads and more than one thread.
bool SplitInsideRows(size_t n, const Parallel& par);

// Validates the arguments (finite x, finite sigma >= model.min_sigma(), the threads' scratch within
// the working-memory budget: OUT_OF_MEMORY otherwise) and computes the score of all rows, split
// into fixed chunks over `pool` (may be null) on at most max_threads threads.
Status ScoreBatch(const ScoreModel& model, const float* x, size_t n, float sigma, float* out,
                  ThreadPool* pool, size_t max_threads = 0);

}  // namespace sw
