// Class statistics and Fréchet distances of generated images (see image_quality.h).
#include "eval/image_quality.h"

#include <algorithm>
#include <vector>

#include "eval/frechet.h"

namespace sw {

Status MeasureImageSamples(const ImageClassifier& classifier, const ImageDataset& train,
                           const ImageDataset& test, const float* samples, size_t n,
                           ImageSampleQuality* out) {
  const size_t dim = classifier.dim();
  if (train.height * train.width != dim || test.height * test.width != dim ||
      train.pixels.size() != train.count * dim || test.pixels.size() != test.count * dim) {
    return InvalidArgument("MeasureImageSamples: the data sets' images are not the classifier's");
  }
  if (n < 2 || train.count < 2 || test.count < 2) {
    return InvalidArgument(
        "MeasureImageSamples: need at least 2 samples, training and test images");
  }
  const size_t features = classifier.feature_dim();
  struct Predicted {
    std::vector<float> probs, features;
  };
  const auto predict = [&](const float* images, size_t count) {
    Predicted p;
    p.probs.resize(count * kImageClassCount);
    p.features.resize(count * features);
    classifier.Predict(images, count, p.probs.data(), p.features.data());
    return p;
  };
  const Predicted sampled = predict(samples, n);
  const Predicted tested = predict(test.pixels.data(), test.count);
  const size_t floor_n = std::min(n, train.count);
  std::vector<float> spread(floor_n * dim);
  for (size_t i = 0; i < floor_n; ++i) {
    const size_t row = i * train.count / floor_n;
    std::copy(train.pixels.begin() + row * dim, train.pixels.begin() + (row + 1) * dim,
              spread.begin() + i * dim);
  }
  const Predicted trained = predict(spread.data(), floor_n);

  ImageSampleQuality q;
  q.floor_count = floor_n;
  SW_RETURN_IF_ERROR(ComputeClassStats(sampled.probs.data(), n, kImageClassCount, &q.classes));
  ClassStats test_stats;
  SW_RETURN_IF_ERROR(
      ComputeClassStats(tested.probs.data(), test.count, kImageClassCount, &test_stats));
  q.test_confidence = test_stats.mean_confidence;
  // The test split's moments once, for both distances.
  GaussianMoments test_moments, moments;
  SW_RETURN_IF_ERROR(FitGaussian(tested.features.data(), test.count, features, &test_moments));
  SW_RETURN_IF_ERROR(FitGaussian(sampled.features.data(), n, features, &moments));
  SW_RETURN_IF_ERROR(FrechetDistance(moments, test_moments, &q.frechet));
  SW_RETURN_IF_ERROR(FitGaussian(trained.features.data(), floor_n, features, &moments));
  SW_RETURN_IF_ERROR(FrechetDistance(moments, test_moments, &q.frechet_floor));
  *out = q;
  return Status::Ok();
}

}  // namespace sw
