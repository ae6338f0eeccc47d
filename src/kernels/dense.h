// Dense (fully connected) layer kernel: y = act(x · W + b), f32, row-major.
// Highway SIMD body in dense.cc (dynamic dispatch natively, the static WASM SIMD target in WASM);
// the scalar reference is in kernels/reference.h.
#pragma once

#include <cstddef>

namespace sw {

enum class Activation { kNone = 0, kSilu = 1 };

// y[b*out + o] = act(bias[o] + sum_i x[b*in + i] * w[i*out + o]) for b < batch.
// x: batch×in, w: in×out (row-major, i.e. the transpose of PyTorch's Linear.weight), bias: out or
// nullptr, y: batch×out; y must not overlap x or w. Pointers need no particular alignment.
// Each output element is accumulated over i in increasing order, so a row's result does not depend
// on batch or on the other rows (bit-identical whatever the batch split across threads).
void f32_dense(const float* x, const float* w, const float* bias, float* y, size_t batch, size_t in,
               size_t out, Activation act);

}  // namespace sw
