// Benchmarks of the SIMD kernels against their scalar references (kernels/reference.h).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench.h"
#include "kernels/conv3x3.h"
#include "kernels/dense.h"
#include "kernels/elementwise.h"
#include "kernels/reference.h"

namespace sw {
namespace bench {
namespace {

// Deterministic fill in [-1, 1): benchmark inputs only need to be finite and varied.
std::vector<float> Filled(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float& f : v) {
    s = s * 1664525u + 1013904223u;
    f = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
  return v;
}

struct DenseShape {
  size_t batch, in, out;
  Activation act;
};

// The acceptance shape first, then the layers of a small score MLP (2 -> 128 -> 128 -> 2) over a
// batch of samples, and a single-sample matrix-vector product.
const DenseShape kDenseShapes[] = {
    {256, 1024, 1024, Activation::kNone}, {10000, 2, 128, Activation::kSilu},
    {10000, 128, 128, Activation::kSilu}, {10000, 128, 2, Activation::kNone},
    {1, 1024, 1024, Activation::kNone},
};

SW_BENCHMARK(f32_dense) {
  // "% peak": median of per-run ratios to the peak measured right after each run (see bench.h).
  std::printf("%-30s %9s %9s %7s %12s %8s\n", "f32_dense (1 thread)", "median ms", "GFLOP/s",
              "% peak", "ref GFLOP/s", "speedup");
  for (const DenseShape& s : kDenseShapes) {
    const std::vector<float> x = Filled(s.batch * s.in, 1), w = Filled(s.in * s.out, 2),
                             bias = Filled(s.out, 3);
    std::vector<float> y(s.batch * s.out);
    const double flops = 2.0 * s.batch * s.in * s.out;
    // Repeat small shapes so that one timed run takes at least about 10 ms.
    const int iters = static_cast<int>(std::max(1.0, 1e8 / flops));
    const PeakRelative timing = TimeRelativeToPeak(
        [&] {
          for (int i = 0; i < iters; ++i) {
            f32_dense(x.data(), w.data(), bias.data(), y.data(), s.batch, s.in, s.out, s.act);
          }
        },
        flops * iters, ctx.quick ? 3 : 15, ctx.quick ? 0.1 : 1.0);
    const double t = timing.seconds / iters;
    DoNotOptimize(y[y.size() / 2]);
    const double t_ref = MedianSeconds(
        [&] {
          reference::dense(x.data(), w.data(), bias.data(), y.data(), s.batch, s.in, s.out, s.act);
        },
        ctx.quick ? 1 : 3, 0.0);
    DoNotOptimize(y[y.size() / 2]);

    const std::string name = "b" + std::to_string(s.batch) + " " + std::to_string(s.in) + "->" +
                             std::to_string(s.out) + (s.act == Activation::kSilu ? " silu" : "");
    const double gflops = flops / t * 1e-9;
    std::printf("%-30s %9.3f %9.1f %6.0f%% %12.2f %7.1fx\n", name.c_str(), t * 1e3, gflops,
                100.0 * timing.fraction_of_peak, flops / t_ref * 1e-9, t_ref / t);
  }
  std::printf("\n");
}

// One list of elementwise kernels, each with its reference: adding a kernel is one line.
struct ElementwiseCase {
  const char* name;
  void (*simd)(float* x, const float* s, const float* z, size_t n);
  void (*ref)(float* x, const float* s, const float* z, size_t n);
};

const ElementwiseCase kElementwise[] = {
    {"f32_silu", [](float* x, const float* s, const float*, size_t n) { f32_silu(s, x, n); },
     [](float* x, const float* s, const float*, size_t n) { reference::silu(s, x, n); }},
    {"f32_scale",
     [](float* x, const float* s, const float*, size_t n) { f32_scale(s, 0.5f, x, n); },
     [](float* x, const float* s, const float*, size_t n) { reference::scale(s, 0.5f, x, n); }},
    {"f32_langevin_update",
     [](float* x, const float* s, const float* z, size_t n) {
       f32_langevin_update(x, s, z, 1e-3f, 1e-2f, n);
     },
     [](float* x, const float* s, const float* z, size_t n) {
       reference::langevin_update(x, s, z, 1e-3f, 1e-2f, n);
     }},
};

SW_BENCHMARK(f32_elementwise) {
  const size_t n = 1 << 16;  // 256 KiB per array: in L2, so compute rather than DRAM is measured
  std::vector<float> x = Filled(n, 4);
  const std::vector<float> s = Filled(n, 5), z = Filled(n, 6);
  std::printf("%-30s %9s %9s %12s %8s\n", "elementwise (64Ki floats)", "median us", "Gelem/s",
              "ref Gelem/s", "speedup");
  for (const ElementwiseCase& k : kElementwise) {
    const int reps = ctx.quick ? 3 : 21;
    const double t = MedianSeconds([&] { k.simd(x.data(), s.data(), z.data(), n); }, reps,
                                   ctx.quick ? 0.05 : 0.5);
    const double t_ref = MedianSeconds([&] { k.ref(x.data(), s.data(), z.data(), n); }, reps,
                                       ctx.quick ? 0.05 : 0.5);
    DoNotOptimize(x[n / 2]);
    std::printf("%-30s %9.1f %9.2f %12.2f %7.1fx\n", k.name, t * 1e6, n / t * 1e-9,
                n / t_ref * 1e-9, t_ref / t);
  }
  std::printf("\n");
}

struct ConvShape {
  size_t images, side, channels, cout;
};

// The 3 × 3 convolutions of the shipped U-Net (channels 8-32-128 at 28, 14 and 7 pixels a side):
// conv_in, the blocks' convolutions at each level (the first of a level widens its channels),
// conv_out, for one image and for four.
const ConvShape kConvShapes[] = {
    {1, 28, 1, 8},    {1, 28, 8, 8}, {1, 14, 8, 32}, {1, 14, 32, 32}, {1, 7, 32, 128},
    {1, 7, 128, 128}, {1, 28, 8, 1}, {4, 28, 8, 8},  {4, 14, 32, 32}, {4, 7, 128, 128},
};

SW_BENCHMARK(f32_conv3x3) {
  std::printf("%-30s %9s %9s %7s\n", "f32_conv3x3 (1 thread)", "median ms", "GFLOP/s", "% peak");
  for (const ConvShape& s : kConvShapes) {
    const size_t pixels = s.images * s.side * s.side;
    const std::vector<float> x = Filled(pixels * s.channels, 1),
                             w = Filled(9 * s.channels * s.cout, 2), bias = Filled(s.cout, 3);
    std::vector<float> y(pixels * s.cout),
        packed(::sw::f32_conv3x3_packed_floats(s.channels, s.cout));
    // Packed once, as a layer call does before its split (the copy is a small share of a call).
    ::sw::f32_conv3x3_pack(w.data(), s.channels, s.cout, 0, ::sw::f32_conv3x3_panels(s.cout),
                           packed.data());
    const double flops = 2.0 * pixels * 9 * s.channels * s.cout;
    const int iters = static_cast<int>(std::max(1.0, 1e8 / flops));
    const PeakRelative timing = TimeRelativeToPeak(
        [&] {
          for (int i = 0; i < iters; ++i) {
            ::sw::f32_conv3x3(x.data(), s.images, s.side, s.side, s.channels, packed.data(),
                              bias.data(), y.data(), s.cout, 0, pixels);
          }
        },
        flops * iters, ctx.quick ? 3 : 15, ctx.quick ? 0.1 : 1.0);
    DoNotOptimize(y[y.size() / 2]);
    const double t = timing.seconds / iters;
    const std::string name = std::to_string(s.images) + "x" + std::to_string(s.side) + "^2 " +
                             std::to_string(s.channels) + "->" + std::to_string(s.cout);
    std::printf("%-30s %9.3f %9.1f %6.0f%%\n", name.c_str(), t * 1e3, flops / t * 1e-9,
                100.0 * timing.fraction_of_peak);
  }
  std::printf("\n");
}

}  // namespace
}  // namespace bench
}  // namespace sw
