// How close a set of generated images is to its data set, in the terms of web/models/README.md:
// a classifier trained on the training split gives the samples' class histogram and confidence,
// and the Fréchet distance between samples and the test split in its feature space ("FID" with
// our own feature network), next to its floor: the same distance for as many training images.
// score-eval prints these figures and the shipped-model tests check them, from this one place.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "data/image_datasets.h"
#include "eval/classifier.h"
#include "eval/image_metrics.h"

namespace sw {

struct ImageSampleQuality {
  ClassStats classes;          // of the samples, by the classifier's most probable class
  double test_confidence = 0;  // the classifier's mean confidence on the test images
  double frechet = 0;          // FD² samples vs the test split
  double frechet_floor = 0;    // FD² of floor_count training images vs the test split
  size_t floor_count = 0;      // min(n, training images)
};

// Measures n samples (n × height × width values, the data set's layout). The floor's training
// images are spread evenly over the split (the npm digits come sorted by class, so the first n
// would be one digit); a Fréchet distance carries a bias that grows as n shrinks, which the floor
// at the same n shares. INVALID_ARGUMENT when the sizes disagree (samples, train, test and the
// classifier's dim), n < 2 or a value is not finite; *out unchanged then.
Status MeasureImageSamples(const ImageClassifier& classifier, const ImageDataset& train,
                           const ImageDataset& test, const float* samples, size_t n,
                           ImageSampleQuality* out);

}  // namespace sw
