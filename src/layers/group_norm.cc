// Group normalisation and its backward pass (see group_norm.h).
#include "layers/group_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/elementwise.h"

namespace sw {
namespace {

// sums[k] = Σ over pixels p in increasing order of term(k, row_p[k]) for the kBlock channels at
// row_0 (rows `stride` floats apart), in double, the kBlock running sums held in registers (summed
// one pixel at a time through memory, each add waited for the store of the one before: measured,
// about half of the layer's time on 28 × 28 × 8).
template <size_t kBlock, class Term>
void BlockSums(const float* row0, size_t k0, size_t pixels, size_t stride, double* sums,
               const Term& term) {
  double acc[kBlock] = {};
  const float* row = row0 + k0;
  for (size_t p = 0; p < pixels; ++p, row += stride) {
    for (size_t j = 0; j < kBlock; ++j) acc[j] += term(k0 + j, row[j]);
  }
  std::copy_n(acc, kBlock, sums + k0);
}

// BlockSums over `width` channels: blocks of 8, then of 4, 2 and 1 for the rest. Each channel's
// sum is the same sequence of adds whichever block it falls in.
template <class Term>
void ChannelSums(const float* row0, size_t pixels, size_t stride, size_t width, double* sums,
                 const Term& term) {
  size_t k = 0;
  for (; k + 8 <= width; k += 8) BlockSums<8>(row0, k, pixels, stride, sums, term);
  if (k + 4 <= width) BlockSums<4>(row0, k, pixels, stride, sums, term), k += 4;
  if (k + 2 <= width) BlockSums<2>(row0, k, pixels, stride, sums, term), k += 2;
  if (k < width) BlockSums<1>(row0, k, pixels, stride, sums, term);
}

// Channels of the statistics per task at least: a task's sums are a chain of one add per pixel
// whatever its width up to about this many channels, so narrower tasks would gain nothing.
constexpr size_t kMinStatChannelsPerTask = 16;

}  // namespace

void GroupNormSilu(const float* x, const ImageDims& d, size_t groups, const float* gamma,
                   const float* beta, float* y, float* act, float* mean_out, float* rstd_out,
                   const Parallel& par) {
  const size_t hw = d.h * d.w, c = d.c, gc = c / groups;
  const double count = static_cast<double>(hw * gc);
  // The statistics of groups [g0, g1) (channels [k0, k0 + width)) of image b. A channel's sums
  // and a group's total are the same arithmetic whichever groups share a task.
  // Items are (image, group) pairs, image-major: a task takes a run of them, so that images split
  // over the threads as well as the groups of one image.
  par.For(d.n * groups, (kMinStatChannelsPerTask + gc - 1) / gc, 1, [&](size_t i0, size_t i1) {
    // Per channel: the sums, then the centred squares; and the group's mean spread out.
    thread_local std::vector<double> sum, mean;
    sum.resize(c);
    mean.resize(c);
    for (size_t i = i0; i < i1;) {
      const size_t b = i / groups, g0 = i % groups, g1 = std::min(groups, g0 + (i1 - i));
      const size_t k0 = g0 * gc, width = (g1 - g0) * gc;
      const float* xi = x + b * hw * c + k0;
      // Two passes in double: the mean, then the centred sum of squares (no cancellation).
      ChannelSums(xi, hw, c, width, sum.data(), [](size_t, float v) { return double(v); });
      for (size_t g = 0; g < g1 - g0; ++g) {
        double s = 0.0;
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) s += sum[k];
        std::fill(&mean[g * gc], &mean[g * gc] + gc, s / count);
      }
      const double* centre = mean.data();
      ChannelSums(xi, hw, c, width, sum.data(), [centre](size_t k, float v) {
        const double dv = v - centre[k];
        return dv * dv;
      });
      for (size_t g = 0; g < g1 - g0; ++g) {
        double ss = 0.0;
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) ss += sum[k];
        mean_out[b * groups + g0 + g] = static_cast<float>(mean[g * gc]);
        rstd_out[b * groups + g0 + g] =
            static_cast<float>(1.0 / std::sqrt(ss / count + kGroupNormEps));
      }
      i += g1 - g0;
    }
  });
  // The normalisation and SiLU of pixels [begin, end) of the batch (contiguous, so that threads
  // never write the same cache line).
  par.For(d.pixels(), 16, 1, [&](size_t begin, size_t end) {
    thread_local std::vector<float> m, r;  // the image's mean and rstd, per channel
    m.resize(c);
    r.resize(c);
    for (size_t p0 = begin; p0 < end;) {
      const size_t b = p0 / hw, p1 = std::min(end, (b + 1) * hw);
      for (size_t k = 0; k < c; ++k) {
        m[k] = mean_out[b * groups + k / gc];
        r[k] = rstd_out[b * groups + k / gc];
      }
      for (size_t p = p0; p < p1; ++p) {
        const float* row = x + p * c;
        float* out = y + p * c;
        for (size_t k = 0; k < c; ++k) out[k] = (row[k] - m[k]) * r[k] * gamma[k] + beta[k];
      }
      f32_silu(y + p0 * c, act + p0 * c, (p1 - p0) * c);
      p0 = p1;
    }
  });
}

void GroupNormBackward(const float* x, const ImageDims& d, size_t groups, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dgamma,
                       float* dbeta, float* dx) {
  const size_t hw = d.h * d.w, c = d.c, gc = c / groups;
  const double count = static_cast<double>(hw * gc);
  for (size_t b = 0; b < d.n; ++b) {
    const float* xi = x + b * hw * c;
    const float* dyi = dy + b * hw * c;
    for (size_t g = 0; g < groups; ++g) {
      const float m = mean[b * groups + g], rs = rstd[b * groups + g];
      // With x̂ = (x - m) rstd and g = dy γ: dx = rstd (g - mean(g) - x̂ mean(g x̂)).
      double sum_g = 0.0, sum_gx = 0.0;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const float xhat = (xi[p * c + k] - m) * rs;
          const float dyv = dyi[p * c + k];
          if (dgamma != nullptr) dgamma[k] += dyv * xhat;
          if (dbeta != nullptr) dbeta[k] += dyv;
          const double gv = double(dyv) * gamma[k];
          sum_g += gv;
          sum_gx += gv * xhat;
        }
      }
      if (dx == nullptr) continue;
      const float mean_g = static_cast<float>(sum_g / count);
      const float mean_gx = static_cast<float>(sum_gx / count);
      float* dxi = dx + b * hw * c;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const float xhat = (xi[p * c + k] - m) * rs;
          dxi[p * c + k] = rs * (dyi[p * c + k] * gamma[k] - mean_g - xhat * mean_gx);
        }
      }
    }
  }
}

}  // namespace sw
