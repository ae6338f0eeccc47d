// The mean gradient of one batch, computed the same way by every training loop of the project (the
// score trainer, train/trainer.h, and the evaluation classifier, eval/classifier.h): the batch is
// cut into fixed chunks of chunk_rows rows; each chunk's summed loss and gradient are computed
// alone (on any thread, into the chunk's own gradient tensors), then the chunks are summed in
// chunk order, element by element, and divided by the batch size. So the gradient is a function of
// the batch alone, bit for bit, whatever the thread count or which thread ran which chunk.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "models/tensor_table.h"

namespace sw {

class BatchGradient {
 public:
  // Gradients shaped like `sizes` (one per parameter tensor), for batches of up to max_rows rows
  // in chunks of chunk_rows >= 1.
  BatchGradient(const std::vector<size_t>& sizes, size_t max_rows, size_t chunk_rows);

  // The loss summed over batch rows [begin, end) of chunk `chunk`; its gradient is ADDED to
  // `grads` (zero on entry, the parameters' shapes).
  using ChunkFn =
      std::function<double(size_t chunk, size_t begin, size_t end, const TensorList& grads)>;

  // Runs the chunks of a batch of 1 <= rows <= max_rows rows over `pool` (null: this thread) and
  // returns the loss summed over the batch; Mean() then holds the batch's mean gradient.
  double Compute(size_t rows, ThreadPool* pool, const ChunkFn& chunk_fn);

  const TensorList& Mean() const { return mean_list_; }
  size_t chunk_rows() const { return chunk_rows_; }
  size_t max_chunks() const { return chunk_grads_.size(); }

 private:
  size_t chunk_rows_;
  std::vector<std::vector<std::vector<float>>> chunk_grads_;  // [chunk][tensor]
  std::vector<TensorList> chunk_lists_;
  std::vector<double> chunk_loss_;
  std::vector<std::vector<float>> mean_;
  TensorList mean_list_;
};

}  // namespace sw
