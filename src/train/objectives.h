// Training objectives for any trainable network (models/trainable_network.h), each over a block of
// rows through a tape of the network: the loss SUMMED over the rows (callers divide by the batch
// size) and, when grads is not empty, its gradient ADDED to grads (one vector per Parameters()
// entry). The random draws (noise level, z, v) are inputs, so the objectives are deterministic
// functions.
//
// Denoising score matching with λ(σ) = σ² (DESIGN.md §3) times a weight w_r per row (1 for NCSN;
// train/trainer.h's LossWeight), per row r with x̃ = x + σ_r z:
//   ℓ_r = ½ w_r || σ_r s_θ(x̃, σ_r) + z ||²
//
// Sliced score matching in the finite-difference form (FD-SSM, Pang et al. 2020), on the same
// noise-perturbed x̃ with the same σ² weight, v ~ N(0, I) and ε = fd_eps · σ_r:
//   a± = vᵀ s_θ(x̃ ± ε v, σ_r)
//   ℓ_r = σ_r² [ (a+ − a−) / (2ε)  +  ½ ((a+ + a−) / 2)² ]
// (a+ − a−)/(2ε) = vᵀ ∇x s v + O(ε²) and (a+ + a−)/2 = vᵀ s(x̃) + O(ε²), so ℓ_r is the SSM loss
// vᵀ∇x s v + ½ (vᵀ s)² up to O(ε²) (exact for a score linear in x), from two forward passes and one
// backward pass; no second-order backprop. Its expectation over v is tr ∇x s + ½ ||s||², the exact
// SSM objective at x̃. Unlike DSM it can be negative.
#pragma once

#include <cstddef>
#include <vector>

#include "models/trainable_network.h"
#include "train/adam.h"

namespace sw {

// Scratch reused between calls (one per thread / chunk).
struct ObjectiveWorkspace {
  std::vector<float> x, sigma, score, dscore;
};

// `tape` is one of the trained network's, whose rows have `dim` values. Both objectives run its
// Forward once (DSM on `rows` rows, FD-SSM on 2·rows) and, when grads is not empty, its Backward.

// DSM: x, z: rows × dim; sigma: rows (each > 0); weight: rows, or null for all 1. Returns Σ_r ℓ_r.
double DsmLossAndGrad(TrainTape* tape, size_t dim, const float* x, const float* sigma,
                      const float* z, const float* weight, size_t rows, const TensorList& grads,
                      ObjectiveWorkspace* ws);

// FD-SSM: x, z, v: rows × dim; sigma: rows (each > 0); fd_eps > 0 (ε relative to σ). Returns Σ_r
// ℓ_r.
double FdSsmLossAndGrad(TrainTape* tape, size_t dim, const float* x, const float* sigma,
                        const float* z, const float* v, size_t rows, float fd_eps,
                        const TensorList& grads, ObjectiveWorkspace* ws);

}  // namespace sw
