// The noise-level input of every noise-conditional network: a Fourier embedding of log σ,
//   out[j] = sin(2π f_j log σ),  out[F + j] = cos(2π f_j log σ),   j < F = freqs.size(),
// computed in double so that large f_j log σ stays accurate. It has no trainable parameters (the
// frequencies are fixed at initialisation), so it has no backward pass. Shared by inference and
// training of every architecture, so all of them see the same bits.
#pragma once

#include <cstddef>

namespace sw {

// 2π as the embedding uses it: the angle is (kSigmaEmbeddingTwoPi · f_j) · log σ in double, in that
// order (the ONNX export, onnx/onnx_export.cc, forms the same products).
inline constexpr double kSigmaEmbeddingTwoPi = 6.283185307179586;

// Writes the 2F values of the embedding of `sigma` (> 0) to out.
void SigmaEmbedding(const float* freqs, size_t count, float sigma, float* out);

}  // namespace sw
