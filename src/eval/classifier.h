// A small image classifier that we train ourselves on the data set a generative model learnt, used
// only as a measuring instrument: its class probabilities give the class balance and confidence of
// generated samples (eval/image_metrics.h), its last hidden layer is the feature space of the
// Fréchet distance (eval/frechet.h). An MLP dim → hidden... → 10: SiLU hidden layers, softmax
// output, trained with softmax cross-entropy and Adam (train/adam.h), the learning rate decaying
// along a half cosine to 0 over the run.
//
// Determinism: the initial weights come from FillNormal(seed, kClassifierInit, layer, 0); epoch e
// visits the examples in a Fisher–Yates order keyed by Philox (seed, kClassifierBatch, counter
// {k, e}). A batch is cut into fixed chunks of kChunkRows rows whose loss and gradient are computed
// alone (on any thread) and summed in chunk order, and Predict's rows are independent (the dense
// kernel's promise). So the trained weights and every prediction are bit-identical for any thread
// count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"
#include "layers/dense_stack.h"
#include "models/tensor_table.h"

namespace sw {

class ThreadPool;

// MNIST and Fashion-MNIST both have ten classes; labels are 0..9.
constexpr size_t kImageClasses = 10;

struct ClassifierOptions {
  int epochs = 4;      // passes over the training set, >= 0
  size_t batch = 128;  // examples per Adam step, 1 to 2^20
  double lr = 3e-3;    // Adam's initial learning rate, finite and > 0; decays to 0 (half cosine)
  uint64_t seed = 0;   // initial weights and batch order
  size_t threads = 2;  // 1 to 256; never changes the result
  // Hidden layer widths, at least one; the last is the feature dimension.
  std::vector<size_t> hidden = {256, 128};
};

// The network's tensors, a dense stack (layers/dense_stack.h): layer i maps in_i → out_i with w[i]
// (in_i × out_i, row-major, the layout of f32_dense) and b[i] (out_i). in_0 = dim, every layer but
// the last is followed by SiLU, the last gives kImageClasses logits. Gradients use the same struct.
struct ClassifierWeights {
  size_t dim = 0;
  std::vector<std::vector<float>> w, b;
};

// Checks the shapes chain dim → ... → kImageClasses with at least one hidden layer, and that every
// value is finite (INVALID_ARGUMENT saying what is wrong).
Status ValidateClassifierWeights(const ClassifierWeights& weights);

// Random initial weights: w[i] ~ N(0, 1 / in_i) (variance-preserving through the layers), b = 0.
// INVALID_ARGUMENT when dim or a hidden width is 0 or `hidden` is empty.
Status InitClassifierWeights(size_t dim, const std::vector<size_t>& hidden, uint64_t seed,
                             ClassifierWeights* out);

// The tensors in the order w[0], b[0], w[1], b[1], ...
TensorList ClassifierTensors(ClassifierWeights* weights);

// Resizes *grads to the shapes of `weights` and sets every value to 0.
void ZeroClassifierGrads(const ClassifierWeights& weights, ClassifierWeights* grads);

// What the training forward pass keeps for the backward pass (reused to avoid allocation).
struct ClassifierTape {
  DenseStackTape stack;
  std::vector<float> dlogits;  // rows × kImageClasses
};

// The summed softmax cross-entropy Σ_r −log p(labels[r] | x_r) over x (rows × dim) and, added to
// grads (ClassifierTensors of weights shaped by ZeroClassifierGrads), grad_scale × its gradient
// with respect to every weight and bias (grad_scale = 1 / batch size gives the gradient of the
// batch mean). `weights` must be valid and every label below kImageClasses. Sums over rows run in a
// fixed order, so the result is a function of the rows alone.
double ClassifierLossAndGrad(const ClassifierWeights& weights, const float* x,
                             const uint8_t* labels, size_t rows, float grad_scale,
                             const TensorList& grads, ClassifierTape* tape);

class ImageClassifier {
 public:
  // Rows of a batch per chunk: the unit of work per thread and of the gradient-sum order.
  static constexpr size_t kChunkRows = 32;

  // Trains a new classifier on images (n × dim values, all finite) with labels[n] < kImageClasses.
  // progress, when given, is called after every epoch with the epoch (1-based) and its mean
  // training loss. INVALID_ARGUMENT on bad data or options, or when the loss becomes non-finite
  // (lower the learning rate). *out unchanged on error.
  static Status Train(const float* images, const uint8_t* labels, size_t n, size_t dim,
                      const ClassifierOptions& options, std::unique_ptr<ImageClassifier>* out,
                      const std::function<void(int epoch, double loss)>& progress = {});

  // A classifier with the given weights (checked by ValidateClassifierWeights) predicting on
  // `threads` threads (1 to 256).
  static Status FromWeights(ClassifierWeights weights, size_t threads,
                            std::unique_ptr<ImageClassifier>* out);

  ~ImageClassifier();

  // For images (n × dim): probs (n × kImageClasses) the softmax probabilities and, when features
  // is not null, features (n × feature_dim()) the last hidden layer after its SiLU. Rows are
  // independent; the thread pool is shared, so concurrent calls on one classifier take turns.
  void Predict(const float* images, size_t n, float* probs, float* features) const;

  // Fraction of the n images whose most probable class (the lowest on ties) is their label; NaN
  // when n = 0.
  double Accuracy(const float* images, const uint8_t* labels, size_t n) const;

  size_t dim() const { return weights_.dim; }
  size_t feature_dim() const { return weights_.b[weights_.b.size() - 2].size(); }
  const ClassifierWeights& weights() const { return weights_; }

  // The weights as a .safetensors file: tensors "layers.<i>.weight" (in × out) and
  // "layers.<i>.bias", metadata {"format": "score-wasm-image-classifier", "dim": "<dim>"}.
  Status ToSafetensors(SafetensorsFile* out) const;
  // The reverse; INVALID_MODEL when the file is not such a classifier.
  static Status FromSafetensors(const SafetensorsFile& file, size_t threads,
                                std::unique_ptr<ImageClassifier>* out);
  // Whole-file helpers for native tools (IO_ERROR when the file cannot be written or read).
  Status Save(const std::string& path) const;
  static Status Load(const std::string& path, size_t threads,
                     std::unique_ptr<ImageClassifier>* out);

 private:
  ImageClassifier(ClassifierWeights weights, size_t threads);

  ClassifierWeights weights_;
  std::unique_ptr<ThreadPool> pool_;  // null for one thread
  mutable std::mutex predict_mu_;     // ThreadPool::ParallelFor is not re-entrant
};

}  // namespace sw
