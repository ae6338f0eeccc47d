#include "eval/energy_distance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"

namespace sw {
namespace {

// Rows per task and columns per inner block. Both are fixed (never derived from the thread
// count) so that every partial sum, and the order they are added in, is the same on any pool.
constexpr size_t kRowsPerBlock = 32;
constexpr size_t kColumnBlock = 512;

// The points of a set transposed to dim columns of n floats, so that the inner loop over points
// is contiguous (and vectorises) whatever dim is.
std::vector<float> Transpose(const float* x, size_t n, size_t dim) {
  std::vector<float> t(n * dim);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < dim; ++k) t[k * n + i] = x[i * dim + k];
  }
  return t;
}

// Sum over j in [begin, end) of |x - y_j|, y given transposed (column k at yt + k * ny).
double SumDistances(const float* x, const float* yt, size_t ny, size_t dim, size_t begin,
                    size_t end) {
  float d2[kColumnBlock];
  double total = 0;
  for (size_t j0 = begin; j0 < end; j0 += kColumnBlock) {
    const size_t m = std::min(kColumnBlock, end - j0);
    std::fill(d2, d2 + m, 0.0f);
    for (size_t k = 0; k < dim; ++k) {
      const float xk = x[k];
      const float* col = yt + k * ny + j0;
      for (size_t j = 0; j < m; ++j) {
        const float d = col[j] - xk;
        d2[j] += d * d;
      }
    }
    for (size_t j = 0; j < m; ++j) d2[j] = std::sqrt(d2[j]);
    // Four partial sums break the dependency chain of the additions (fixed order: deterministic).
    double s[4] = {0, 0, 0, 0};
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
      for (int l = 0; l < 4; ++l) s[l] += d2[j + l];
    }
    for (; j < m; ++j) s[0] += d2[j];
    total += (s[0] + s[1]) + (s[2] + s[3]);
  }
  return total;
}

// Sum over rows i of x and columns j of y of |x_i - y_j|; with `upper`, x and y are the same set
// and only pairs j > i count.
double SumPairDistances(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                        bool upper, ThreadPool* pool) {
  const std::vector<float> yt = Transpose(y, ny, dim);
  const size_t blocks = (nx + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<double> partial(blocks, 0.0);
  ForEachChunk(pool, blocks, 1, 1, [&](size_t first, size_t last) {
    for (size_t blk = first; blk < last; ++blk) {
      double sum = 0;
      const size_t row_end = std::min(nx, (blk + 1) * kRowsPerBlock);
      for (size_t i = blk * kRowsPerBlock; i < row_end; ++i) {
        sum += SumDistances(x + i * dim, yt.data(), ny, dim, upper ? i + 1 : 0, ny);
      }
      partial[blk] = sum;
    }
  });
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

}  // namespace

double EnergyDistance(const float* a, size_t na, const float* b, size_t nb, size_t dim,
                      ThreadPool* pool) {
  if (na < 2 || nb < 2 || dim == 0) return std::numeric_limits<double>::quiet_NaN();
  const double dna = static_cast<double>(na), dnb = static_cast<double>(nb);
  const double cross = SumPairDistances(a, na, b, nb, dim, false, pool) / (dna * dnb);
  // Each unordered pair once: mean over i != j is twice the sum over i < j, over n (n - 1).
  const double within_a = 2.0 * SumPairDistances(a, na, a, na, dim, true, pool) / (dna * (dna - 1));
  const double within_b = 2.0 * SumPairDistances(b, nb, b, nb, dim, true, pool) / (dnb * (dnb - 1));
  return 2.0 * cross - within_a - within_b;
}

Status EnergyDistanceNoiseFloor(const float* reference, size_t nr, size_t dim, int draws,
                                const std::function<Status(int, std::vector<float>*)>& draw,
                                ThreadPool* pool, double* out) {
  double sum = 0;
  std::vector<float> points;
  for (int k = 0; k < draws; ++k) {
    SW_RETURN_IF_ERROR(draw(k, &points));
    sum += std::fabs(EnergyDistance(points.data(), points.size() / dim, reference, nr, dim, pool));
  }
  *out = sum / draws;
  return Status::Ok();
}

}  // namespace sw
