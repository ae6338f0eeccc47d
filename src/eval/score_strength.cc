#include "eval/score_strength.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "models/score_model.h"

namespace sw {
namespace {

// Rows per task: a fixed split, so that the chunk sums (and their order) never depend on threads.
constexpr size_t kChunkRows = 16;

struct LevelSums {
  double pull = 0, recovered = 0, noise = 0;  // numerators and sum |z|^2
};

// The sums of rows [r0, r1) at every level.
void MeasureChunk(const ScoreModel& model, const float* data, size_t r0, size_t r1,
                  const std::vector<float>& sigmas, uint64_t seed, LevelSums* sums) {
  const size_t dim = model.dim(), rows = r1 - r0;
  std::vector<float> z(rows * dim), noisy(rows * dim), nudged(rows * dim), s(rows * dim),
      s_nudged(rows * dim);
  for (size_t level = 0; level < sigmas.size(); ++level) {
    const float sigma = sigmas[level], h = sigma / 20;
    for (size_t r = 0; r < rows; ++r) {
      FillNormal(seed, RandomStream::kScoreStrength, r0 + r, static_cast<uint32_t>(level),
                 z.data() + r * dim, dim);
    }
    for (size_t i = 0; i < rows * dim; ++i) {
      noisy[i] = data[r0 * dim + i] + sigma * z[i];
      nudged[i] = noisy[i] + h * z[i];
    }
    ScoreRowsAt(model, noisy.data(), rows, sigma, s.data());
    ScoreRowsAt(model, nudged.data(), rows, sigma, s_nudged.data());
    LevelSums& out = sums[level];
    for (size_t i = 0; i < rows * dim; ++i) {
      // The difference is taken in double: in float it would lose the slope's low digits.
      out.pull -= double(sigma) * sigma * z[i] * (double(s_nudged[i]) - double(s[i])) / h;
      out.recovered -= double(sigma) * s[i] * z[i];
      out.noise += double(z[i]) * z[i];
    }
  }
}

}  // namespace

Status MeasureScoreStrength(const ScoreModel& model, const float* data, size_t n,
                            const std::vector<float>& sigmas, uint64_t seed, ThreadPool* pool,
                            std::vector<ScoreStrength>* out) {
  if (out == nullptr || data == nullptr || n == 0) {
    return InvalidArgument("MeasureScoreStrength needs data (n >= 1) and an output");
  }
  if (sigmas.empty()) return InvalidArgument("MeasureScoreStrength needs at least one sigma");
  for (float sigma : sigmas) {
    if (!std::isfinite(sigma) || !(sigma > 0) || sigma < model.min_sigma()) {
      return InvalidArgument("MeasureScoreStrength: sigma " + std::to_string(sigma) +
                             " must be finite, > 0 and >= the model's smallest sigma " +
                             std::to_string(model.min_sigma()));
    }
  }
  const size_t dim = model.dim();
  if (!std::all_of(data, data + n * dim, [](float v) { return std::isfinite(v); })) {
    return InvalidArgument("MeasureScoreStrength: the data has a non-finite value");
  }

  const size_t levels = sigmas.size(), chunks = (n + kChunkRows - 1) / kChunkRows;
  std::vector<LevelSums> sums(chunks * levels);
  const auto run = [&](size_t c) {
    MeasureChunk(model, data, c * kChunkRows, std::min(n, (c + 1) * kChunkRows), sigmas, seed,
                 sums.data() + c * levels);
  };
  if (pool != nullptr) {
    pool->ParallelFor(chunks, run);
  } else {
    for (size_t c = 0; c < chunks; ++c) run(c);
  }

  std::vector<ScoreStrength> result(levels);
  for (size_t level = 0; level < levels; ++level) {
    LevelSums total;
    for (size_t c = 0; c < chunks; ++c) {
      total.pull += sums[c * levels + level].pull;
      total.recovered += sums[c * levels + level].recovered;
      total.noise += sums[c * levels + level].noise;
    }
    result[level] = {sigmas[level], total.pull / total.noise, total.recovered / total.noise};
  }
  *out = std::move(result);
  return Status::Ok();
}

std::string FormatScoreStrength(const std::vector<ScoreStrength>& levels) {
  std::string text;
  for (const ScoreStrength& l : levels) {
    char line[96];
    std::snprintf(line, sizeof line, "sigma %9.4g: pull %.3f, recovered %.3f\n", l.sigma, l.pull,
                  l.recovered);
    text += line;
  }
  return text;
}

}  // namespace sw
