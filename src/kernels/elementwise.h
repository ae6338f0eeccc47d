// Elementwise f32 kernels (Highway SIMD in elementwise.cc; scalar references in reference.h).
// All accept unaligned pointers and any n (including 0); in-place use (y == x) is allowed.
#pragma once

#include <cstddef>

namespace sw {

// y[i] = x[i] * sigmoid(x[i])  (SiLU / swish).
void f32_silu(const float* x, float* y, size_t n);

// y[i] = a * x[i].
void f32_scale(const float* x, float a, float* y, size_t n);

// x[i] += a * s[i] + b * z[i]  (one Langevin update: drift along the score s plus noise z).
void f32_langevin_update(float* x, const float* s, const float* z, float a, float b, size_t n);

}  // namespace sw
