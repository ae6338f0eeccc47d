// An ODE integrated chain by chain in u = ln σ: dy/du = f(y, σ) for a state of state_dim() values
// per chain. The probability-flow ODE (sampling, encoding) and its augmented form (likelihoods)
// are such ODEs; the solvers (dormand_prince.h, and the Heun steps of likelihood.cc) only see this
// interface. Working in ln σ makes the step sizes relative: the schedules span three or more
// orders of magnitude of σ (the reference code's t of the VE SDE is ln σ up to a constant).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/score_model.h"

namespace sw {

class ChainOde {
 public:
  virtual ~ChainOde() = default;
  virtual size_t state_dim() const = 0;
  // Network evaluations (scores or vector–Jacobian products) per row of one Derivative call.
  virtual int64_t evaluations_per_row() const = 0;
  // The fewest rows worth a task of their own (the model's ScoreModel::min_rows_per_task()).
  virtual size_t min_rows_per_task() const = 0;
  // Bytes of scratch one thread's Derivative of up to max_rows rows allocates (the model's own
  // included), for the working-memory budget.
  virtual uint64_t scratch_bytes(size_t max_rows) const = 0;
  // dy[rows × state_dim] = f(y_r, sigma[r]) for the rows y of the chains chains[r]. Thread-safe
  // on disjoint rows; a row's result depends only on its state, its σ and its chain index.
  virtual void Derivative(const double* y, const float* sigma, const size_t* chains, size_t rows,
                          double* dy) const = 0;
};

// The n start states of a ChainOde of state_dim values per chain: each chain's first start_dim
// (≤ state_dim) values from start (n × start_dim), the rest 0 (a likelihood's running integral).
std::vector<double> ChainStartStates(const float* start, size_t start_dim, size_t n,
                                     size_t state_dim);

// The probability-flow ODE of the VE SDE, dx/dσ = −σ s(x, σ), i.e. dx/du = −σ² s(x, σ).
class ProbabilityFlowOde : public ChainOde {
 public:
  explicit ProbabilityFlowOde(const ScoreModel* model) : model_(model) {}
  size_t state_dim() const override { return model_->dim(); }
  int64_t evaluations_per_row() const override { return 1; }
  size_t min_rows_per_task() const override { return model_->min_rows_per_task(); }
  uint64_t scratch_bytes(size_t max_rows) const override;
  void Derivative(const double* y, const float* sigma, const size_t* chains, size_t rows,
                  double* dy) const override;

 private:
  const ScoreModel* model_;
};

}  // namespace sw
