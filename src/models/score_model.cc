#include "models/score_model.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/memory_budget.h"
#include "core/thread_pool.h"

namespace sw {

namespace {
// Rows per task (see ForEachChunk): at least the model's minimum, so a task amortises its wake-up,
// at most a few hundred so large batches still spread over every thread.
constexpr size_t kMaxRowsPerTask = 512;
}  // namespace

void ScoreRowsAt(const ScoreModel& model, const float* x, size_t n, float sigma, float* out,
                 const Parallel& par) {
  thread_local std::vector<float> sigmas;  // per thread: calls come once per task and step
  sigmas.assign(n, sigma);
  model.ScoreRowsOn(par, x, n, sigmas.data(), out);
}

bool SplitInsideRows(size_t n, const Parallel& par) {
  const size_t threads = par.threads();
  return threads > 1 && n < threads;
}

Status ScoreBatch(const ScoreModel& model, const float* x, size_t n, float sigma, float* out,
                  ThreadPool* pool, size_t max_threads) {
  if (n == 0) return InvalidArgument("the number of points must be positive");
  if (!std::isfinite(sigma) || sigma < model.min_sigma() || (model.min_sigma() > 0 && sigma <= 0)) {
    return InvalidArgument("sigma must be a finite number >= " + std::to_string(model.min_sigma()) +
                           " (got " + std::to_string(sigma) + ")");
  }
  const size_t count = n * model.dim();
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(x[i])) {
      return InvalidArgument("point " + std::to_string(i / model.dim()) +
                             " has a non-finite value at index " + std::to_string(i % model.dim()));
    }
  }
  const size_t dim = model.dim();
  const size_t threads = std::min(n, ChunkThreads(pool, max_threads));
  SW_RETURN_IF_ERROR(CheckWorkingMemory(SaturatingMul(threads, model.scratch_bytes_per_thread()),
                                        "scoring on " + std::to_string(threads) + " thread(s)"));
  const Parallel par{pool, max_threads};
  if (SplitInsideRows(n, par)) {
    ScoreRowsAt(model, x, n, sigma, out, par);
    return Status::Ok();
  }
  ForEachChunk(
      pool, n, model.min_rows_per_task(), kMaxRowsPerTask,
      [&](size_t begin, size_t end) {
        ScoreRowsAt(model, x + begin * dim, end - begin, sigma, out + begin * dim);
      },
      max_threads);
  return Status::Ok();
}

}  // namespace sw
