// Softmax cross-entropy over the dense stack (layers/dense_stack.h), the chunked training loop, and
// prediction.
#include "eval/classifier.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "train/adam.h"
#include "train/batch_gradient.h"

namespace sw {
namespace {

constexpr char kFormatKey[] = "format";
constexpr char kFormat[] = "score-wasm-image-classifier";
constexpr char kDimKey[] = "dim";
constexpr size_t kMaxThreads = 256;
constexpr size_t kMaxBatch = size_t{1} << 20;
constexpr double kPi = 3.14159265358979323846;

// log Σ_k exp(logits[k]) in double, shifted by the maximum so that no exp overflows.
double LogSumExp(const float* logits) {
  const double m = *std::max_element(logits, logits + kImageClasses);
  double s = 0;
  for (size_t k = 0; k < kImageClasses; ++k) s += std::exp(logits[k] - m);
  return m + std::log(s);
}

size_t ArgMax(const float* p) {
  return static_cast<size_t>(std::max_element(p, p + kImageClasses) - p);
}

std::vector<DenseView> Layers(const ClassifierWeights& w) {
  std::vector<DenseView> layers;
  size_t in = w.dim;
  for (size_t i = 0; i < w.w.size(); ++i) {
    layers.push_back({w.w[i].data(), w.b[i].data(), in, w.b[i].size()});
    in = w.b[i].size();
  }
  return layers;
}

}  // namespace

TensorList ClassifierTensors(ClassifierWeights* w) {
  TensorList list;
  for (size_t i = 0; i < w->w.size(); ++i) {
    list.push_back(&w->w[i]);
    list.push_back(&w->b[i]);
  }
  return list;
}

namespace {

// Threads actually used: the single-threaded WASM build cannot start any (and results do not
// depend on the count anyway).
size_t UsableThreads(size_t threads) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  (void)threads;
  return 1;
#else
  return threads;
#endif
}

Status ValidateThreads(size_t threads) {
  if (threads < 1 || threads > kMaxThreads) {
    return InvalidArgument("classifier: threads must be 1 to 256, got " + std::to_string(threads));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateClassifierWeights(const ClassifierWeights& weights) {
  if (weights.dim == 0) return InvalidArgument("classifier: dim must be > 0");
  if (weights.w.size() != weights.b.size() || weights.w.size() < 2) {
    return InvalidArgument(
        "classifier: need as many weight as bias tensors, and at least one hidden layer");
  }
  size_t in = weights.dim;
  for (size_t i = 0; i < weights.w.size(); ++i) {
    const size_t out = weights.b[i].size();
    const std::string layer = "classifier: layer " + std::to_string(i);
    if (out == 0) return InvalidArgument(layer + " has no outputs");
    if (i + 1 == weights.w.size() && out != kImageClasses) {
      return InvalidArgument(layer + " (the last) must have 10 outputs, has " +
                             std::to_string(out));
    }
    if (weights.w[i].size() != in * out) {
      return InvalidArgument(layer + ": weight has " + std::to_string(weights.w[i].size()) +
                             " values, expected " + std::to_string(in) + " x " +
                             std::to_string(out));
    }
    for (const std::vector<float>* t : {&weights.w[i], &weights.b[i]}) {
      for (float v : *t) {
        if (!std::isfinite(v)) return InvalidArgument(layer + " has a non-finite value");
      }
    }
    in = out;
  }
  return Status::Ok();
}

Status InitClassifierWeights(size_t dim, const std::vector<size_t>& hidden, uint64_t seed,
                             ClassifierWeights* out) {
  if (dim == 0) return InvalidArgument("classifier: dim must be > 0");
  if (hidden.empty()) return InvalidArgument("classifier: needs at least one hidden layer");
  for (size_t h : hidden) {
    if (h == 0) return InvalidArgument("classifier: hidden widths must be > 0");
  }
  std::vector<size_t> widths = hidden;
  widths.push_back(kImageClasses);
  ClassifierWeights w;
  w.dim = dim;
  size_t in = dim;
  for (size_t i = 0; i < widths.size(); ++i) {
    const size_t o = widths[i];
    w.w.emplace_back(in * o);
    w.b.emplace_back(o, 0.0f);
    FillNormal(seed, RandomStream::kClassifierInit, i, 0, w.w[i].data(), in * o);
    const float scale = 1.0f / std::sqrt(static_cast<float>(in));
    for (float& v : w.w[i]) v *= scale;
    in = o;
  }
  *out = std::move(w);
  return Status::Ok();
}

void ZeroClassifierGrads(const ClassifierWeights& weights, ClassifierWeights* grads) {
  grads->dim = weights.dim;
  grads->w.resize(weights.w.size());
  grads->b.resize(weights.b.size());
  for (size_t i = 0; i < weights.w.size(); ++i) {
    grads->w[i].assign(weights.w[i].size(), 0.0f);
    grads->b[i].assign(weights.b[i].size(), 0.0f);
  }
}

double ClassifierLossAndGrad(const ClassifierWeights& weights, const float* x,
                             const uint8_t* labels, size_t rows, float grad_scale,
                             const TensorList& grads, ClassifierTape* tape) {
  if (rows == 0) return 0.0;
  const std::vector<DenseView> layers = Layers(weights);
  // Logits into dlogits, then replaced in place by d loss / d logits = scale (softmax − one-hot).
  tape->dlogits.resize(rows * kImageClasses);
  DenseStackForward(layers, x, rows, &tape->stack, tape->dlogits.data());
  double loss = 0;
  for (size_t r = 0; r < rows; ++r) {
    float* d = tape->dlogits.data() + r * kImageClasses;
    const double lse = LogSumExp(d);
    loss += lse - d[labels[r]];
    for (size_t k = 0; k < kImageClasses; ++k) {
      const double p = std::exp(d[k] - lse);
      d[k] = static_cast<float>(grad_scale * (p - (k == labels[r] ? 1.0 : 0.0)));
    }
  }
  std::vector<DenseGrad> dense_grads;
  for (size_t i = 0; i < layers.size(); ++i) {
    dense_grads.push_back({grads[2 * i]->data(), grads[2 * i + 1]->data()});
  }
  // No gradient for the images.
  DenseStackBackward(layers, tape->dlogits.data(), &tape->stack, dense_grads, nullptr);
  return loss;
}

ImageClassifier::ImageClassifier(ClassifierWeights weights, size_t threads)
    : weights_(std::move(weights)) {
  if (threads > 1) pool_ = std::make_unique<ThreadPool>(threads);
}

ImageClassifier::~ImageClassifier() = default;

Status ImageClassifier::FromWeights(ClassifierWeights weights, size_t threads,
                                    std::unique_ptr<ImageClassifier>* out) {
  SW_RETURN_IF_ERROR(ValidateThreads(threads));
  SW_RETURN_IF_ERROR(ValidateClassifierWeights(weights));
  out->reset(new ImageClassifier(std::move(weights), UsableThreads(threads)));
  return Status::Ok();
}

Status ImageClassifier::Train(const float* images, const uint8_t* labels, size_t n, size_t dim,
                              const ClassifierOptions& options,
                              std::unique_ptr<ImageClassifier>* out,
                              const std::function<void(int epoch, double loss)>& progress) {
  if (options.epochs < 0) return InvalidArgument("classifier: epochs must be >= 0");
  if (options.batch < 1 || options.batch > kMaxBatch) {
    return InvalidArgument("classifier: batch must be 1 to 2^20, got " +
                           std::to_string(options.batch));
  }
  if (!std::isfinite(options.lr) || options.lr <= 0) {
    return InvalidArgument("classifier: lr must be finite and > 0");
  }
  SW_RETURN_IF_ERROR(ValidateThreads(options.threads));
  if (n == 0 || dim == 0) return InvalidArgument("classifier: needs n >= 1 images of dim >= 1");
  for (size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(images[i])) {
      return InvalidArgument("classifier: image " + std::to_string(i / dim) +
                             " has a non-finite value");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] >= kImageClasses) {
      return InvalidArgument("classifier: label " + std::to_string(i) + " is " +
                             std::to_string(labels[i]) + ", expected 0 to 9");
    }
  }
  ClassifierWeights initial;
  SW_RETURN_IF_ERROR(InitClassifierWeights(dim, options.hidden, options.seed, &initial));
  std::unique_ptr<ImageClassifier> model(
      new ImageClassifier(std::move(initial), UsableThreads(options.threads)));
  ClassifierWeights& weights = model->weights_;

  // Per chunk of a batch: its examples and the training forward pass's tape.
  struct Chunk {
    std::vector<float> x;
    std::vector<uint8_t> y;
    ClassifierTape tape;
  };
  const TensorList params = ClassifierTensors(&weights);
  std::vector<size_t> sizes;
  for (const std::vector<float>* t : params) sizes.push_back(t->size());
  BatchGradient batch(sizes, std::min(options.batch, n), kChunkRows);
  std::vector<Chunk> chunks(batch.max_chunks());
  const TensorList& grad_list = batch.Mean();
  const ConstTensorList const_grads(grad_list.begin(), grad_list.end());
  AdamOptions adam_options;
  adam_options.lr = options.lr;
  Adam adam(adam_options, sizes);

  const uint64_t key =
      options.seed ^ (uint64_t{static_cast<uint32_t>(RandomStream::kClassifierBatch)} << 56);
  std::vector<size_t> order(n);
  const size_t total_steps =
      static_cast<size_t>(options.epochs) * ((n + options.batch - 1) / options.batch);
  size_t step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    // A fresh Fisher–Yates shuffle of [0, n) per epoch: step k swaps k with a Philox-chosen index.
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t k = 0; k + 1 < n; ++k) {
      const uint64_t kk = k;
      const PhiloxCounter r =
          Philox4x32(PhiloxCounter{{static_cast<uint32_t>(kk), static_cast<uint32_t>(kk >> 32),
                                    static_cast<uint32_t>(epoch), 0}},
                     key);
      const uint64_t bits = (uint64_t{r.v[0]} << 32) | r.v[1];
      std::swap(order[k], order[k + static_cast<size_t>(bits % (n - k))]);
    }
    double epoch_loss = 0;
    for (size_t start = 0; start < n; start += options.batch) {
      const size_t rows = std::min(options.batch, n - start);
      // The batch's rows [begin, end), in the epoch's order, and their summed loss; the gradient
      // is added to the chunk's grads (ClassifierTensors order).
      const auto run_chunk = [&](size_t c, size_t begin, size_t end, const TensorList& grads) {
        Chunk& ch = chunks[c];
        const size_t m = end - begin;
        ch.x.resize(m * dim);
        ch.y.resize(m);
        for (size_t r = 0; r < m; ++r) {
          const size_t index = order[start + begin + r];
          std::copy(images + index * dim, images + (index + 1) * dim, ch.x.begin() + r * dim);
          ch.y[r] = labels[index];
        }
        return ClassifierLossAndGrad(weights, ch.x.data(), ch.y.data(), m, 1.0f, grads, &ch.tape);
      };
      const double batch_loss = batch.Compute(rows, model->pool_.get(), run_chunk);
      if (!std::isfinite(batch_loss) || !std::isfinite(GlobalNorm(const_grads))) {
        return InvalidArgument("classifier: non-finite loss or gradient in epoch " +
                               std::to_string(epoch + 1) + " (lower the learning rate)");
      }
      // Half-cosine decay of the learning rate from lr to 0 over the run, so that the last steps
      // average out the batch noise. Measured on Fashion-MNIST (4 epochs, lr 3e-3): 88.6 to 88.8 %
      // test accuracy over three seeds, against 87.4 % at a constant lr.
      const double progress_fraction = static_cast<double>(step) / static_cast<double>(total_steps);
      adam.set_lr(0.5 * options.lr * (1.0 + std::cos(kPi * progress_fraction)));
      adam.Update(params, const_grads);
      ++step;
      epoch_loss += batch_loss;
    }
    if (progress) progress(epoch + 1, epoch_loss / static_cast<double>(n));
  }
  *out = std::move(model);
  return Status::Ok();
}

void ImageClassifier::Predict(const float* images, size_t n, float* probs, float* features) const {
  std::lock_guard<std::mutex> lock(predict_mu_);
  const std::vector<DenseView> layers = Layers(weights_);
  const size_t features_dim = feature_dim();
  ForEachChunk(pool_.get(), n, 16, 256, [&](size_t begin, size_t end) {
    const size_t rows = end - begin;
    std::vector<float> a, b;
    float* p = probs + begin * kImageClasses;
    DenseStackInfer(layers, images + begin * weights_.dim, rows, p, &a, &b,
                    features != nullptr ? features + begin * features_dim : nullptr);
    for (size_t r = 0; r < rows; ++r) {
      float* row = p + r * kImageClasses;
      const double lse = LogSumExp(row);
      for (size_t k = 0; k < kImageClasses; ++k) {
        row[k] = static_cast<float>(std::exp(row[k] - lse));
      }
    }
  });
}

double ImageClassifier::Accuracy(const float* images, const uint8_t* labels, size_t n) const {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  std::vector<float> probs(n * kImageClasses);
  Predict(images, n, probs.data(), nullptr);
  size_t correct = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ArgMax(probs.data() + i * kImageClasses) == labels[i]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

Status ImageClassifier::ToSafetensors(SafetensorsFile* out) const {
  SafetensorsFile file;
  file.metadata[kFormatKey] = kFormat;
  file.metadata[kDimKey] = std::to_string(weights_.dim);
  size_t in = weights_.dim;
  for (size_t i = 0; i < weights_.w.size(); ++i) {
    const size_t o = weights_.b[i].size();
    const std::string prefix = "layers." + std::to_string(i);
    file.tensors.push_back(Tensor{
        prefix + ".weight", {static_cast<int64_t>(in), static_cast<int64_t>(o)}, weights_.w[i]});
    file.tensors.push_back(Tensor{prefix + ".bias", {static_cast<int64_t>(o)}, weights_.b[i]});
    in = o;
  }
  *out = std::move(file);
  return Status::Ok();
}

Status ImageClassifier::FromSafetensors(const SafetensorsFile& file, size_t threads,
                                        std::unique_ptr<ImageClassifier>* out) {
  SW_RETURN_IF_ERROR(ValidateThreads(threads));
  const auto format = file.metadata.find(kFormatKey);
  if (format == file.metadata.end() || format->second != kFormat) {
    return InvalidModel(std::string("not an image classifier: metadata \"format\" must be \"") +
                        kFormat + "\"");
  }
  ClassifierWeights weights;
  for (size_t i = 0;; ++i) {
    const std::string prefix = "layers." + std::to_string(i);
    const Tensor* w = file.Find(prefix + ".weight");
    const Tensor* b = file.Find(prefix + ".bias");
    if (w == nullptr && b == nullptr) break;
    if (w == nullptr || b == nullptr || w->shape.size() != 2 || b->shape.size() != 1 ||
        w->shape[1] != b->shape[0]) {
      return InvalidModel("image classifier: " + prefix +
                          " needs a weight (in x out) and a bias (out)");
    }
    if (i == 0) weights.dim = static_cast<size_t>(w->shape[0]);
    weights.w.push_back(w->data);
    weights.b.push_back(b->data);
  }
  const auto dim = file.metadata.find(kDimKey);
  if (dim == file.metadata.end() || dim->second != std::to_string(weights.dim)) {
    return InvalidModel("image classifier: metadata \"dim\" does not match layers.0.weight");
  }
  const Status valid = ValidateClassifierWeights(weights);
  if (!valid.ok()) return InvalidModel(valid.message());
  out->reset(new ImageClassifier(std::move(weights), UsableThreads(threads)));
  return Status::Ok();
}

Status ImageClassifier::Save(const std::string& path) const {
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ToSafetensors(&file));
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(WriteSafetensors(file, false, &bytes));
  return WriteFileBytes(path, bytes);
}

Status ImageClassifier::Load(const std::string& path, size_t threads,
                             std::unique_ptr<ImageClassifier>* out) {
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadSafetensors(bytes.data(), bytes.size(), &file));
  return FromSafetensors(file, threads, out);
}

}  // namespace sw
