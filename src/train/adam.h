// The optimiser: Adam (Kingma & Ba 2015, in PyTorch's form), gradient clipping by global norm, and
// an exponential moving average of the weights (the EMA weights are what ship). All work on lists
// of tensors (each a std::vector<float>), matched by position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/tensor_table.h"  // TensorList

namespace sw {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class Adam {
 public:
  // Zero moments shaped like `sizes` (one entry per tensor), step 0.
  Adam(const AdamOptions& options, const std::vector<size_t>& sizes);

  // One update (t = step() + 1):  m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
  //   p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps).
  // params and grads have the sizes given at construction.
  void Update(const TensorList& params, const ConstTensorList& grads);

  int64_t step() const { return step_; }
  const AdamOptions& options() const { return options_; }
  void set_lr(double lr) { options_.lr = lr; }
  // The moments, for checkpoints (same shapes as the parameters).
  std::vector<std::vector<float>>& first_moment() { return m_; }
  std::vector<std::vector<float>>& second_moment() { return v_; }
  const std::vector<std::vector<float>>& first_moment() const { return m_; }
  const std::vector<std::vector<float>>& second_moment() const { return v_; }
  void set_step(int64_t step) { step_ = step; }

 private:
  AdamOptions options_;
  std::vector<std::vector<float>> m_, v_;
  int64_t step_ = 0;
};

// sqrt(Σ g²) over every value of every tensor, accumulated in double in list order.
double GlobalNorm(const ConstTensorList& grads);

// When max_norm > 0 and the global norm exceeds it, scales every gradient by max_norm / norm so
// the global norm becomes max_norm. Returns the norm before clipping.
double ClipByGlobalNorm(const TensorList& grads, double max_norm);

// ema ← decay · ema + (1 − decay) · params, elementwise; decay in [0, 1].
void EmaUpdate(const TensorList& ema, const ConstTensorList& params, double decay);

}  // namespace sw
