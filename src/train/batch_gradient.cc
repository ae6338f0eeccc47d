// Chunked batch gradients (see batch_gradient.h).
#include "train/batch_gradient.h"

#include <algorithm>

namespace sw {
namespace {

// Elements per task of the chunk sum (see ForEachChunk).
constexpr size_t kMinSumSlice = 4096, kMaxSumSlice = 1 << 16;

TensorList ListOf(std::vector<std::vector<float>>* tensors) {
  TensorList list;
  for (std::vector<float>& t : *tensors) list.push_back(&t);
  return list;
}

}  // namespace

BatchGradient::BatchGradient(const std::vector<size_t>& sizes, size_t max_rows, size_t chunk_rows)
    : chunk_rows_(chunk_rows) {
  const size_t chunks = (max_rows + chunk_rows - 1) / chunk_rows;
  for (size_t size : sizes) mean_.emplace_back(size, 0.0f);
  mean_list_ = ListOf(&mean_);
  chunk_grads_.assign(chunks, mean_);
  for (auto& grads : chunk_grads_) chunk_lists_.push_back(ListOf(&grads));
  chunk_loss_.assign(chunks, 0.0);
}

double BatchGradient::Compute(size_t rows, ThreadPool* pool, const ChunkFn& chunk_fn) {
  const size_t chunks = (rows + chunk_rows_ - 1) / chunk_rows_;
  const auto run = [&](size_t c) {
    for (std::vector<float>& g : chunk_grads_[c]) std::fill(g.begin(), g.end(), 0.0f);
    const size_t begin = c * chunk_rows_;
    chunk_loss_[c] = chunk_fn(c, begin, std::min(rows, begin + chunk_rows_), chunk_lists_[c]);
  };
  if (pool != nullptr && chunks > 1) {
    pool->ParallelFor(chunks, run);
  } else {
    for (size_t c = 0; c < chunks; ++c) run(c);
  }
  // Sum in chunk order, each element on its own: the same bits whatever thread ran which chunk or
  // which slice of the sum. Slices of every tensor go over the pool (this sum is most of a step's
  // serial work).
  const float inv_rows = 1.0f / static_cast<float>(rows);
  for (size_t t = 0; t < mean_.size(); ++t) {
    ForEachChunk(pool, mean_[t].size(), kMinSumSlice, kMaxSumSlice, [&](size_t begin, size_t end) {
      float* g = mean_[t].data();
      std::fill(g + begin, g + end, 0.0f);
      for (size_t c = 0; c < chunks; ++c) {
        const float* cg = chunk_grads_[c][t].data();
        for (size_t i = begin; i < end; ++i) g[i] += cg[i];
      }
      for (size_t i = begin; i < end; ++i) g[i] *= inv_rows;
    });
  }
  double loss = 0.0;
  for (size_t c = 0; c < chunks; ++c) loss += chunk_loss_[c];
  return loss;
}

}  // namespace sw
