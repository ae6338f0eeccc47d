// What a classifier's probabilities say about a set of generated images: which classes the samples
// fall in (mode collapse shows as a lopsided histogram or missing classes) and how confidently
// (blurry or nonsensical samples get low maximum probabilities).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

struct ClassStats {
  size_t samples = 0;
  std::vector<size_t> counts;   // per class: samples whose most probable class it is
  size_t largest_class = 0;     // the class with the most samples (the lowest on ties)
  double largest_fraction = 0;  // counts[largest_class] / samples
  size_t classes_present = 0;   // classes with a count > 0
  double mean_confidence = 0;   // mean over samples of the maximum probability
};

// Stats of probs (n × classes, row-major, each row a probability vector as from
// ImageClassifier::Predict); a sample's class is its most probable one, the lowest index on ties.
// INVALID_ARGUMENT when n = 0, classes = 0 or a probability is not finite.
Status ComputeClassStats(const float* probs, size_t n, size_t classes, ClassStats* out);

// A one-paragraph report, e.g. "1000 samples over 10 classes: 0: 98, 1: 112, ...; largest class
// 1 (11.2 %); 10 of 10 classes present; mean confidence 0.953." When class_names has one name
// per class, the classes are called by name instead of by index.
std::string FormatClassStats(const ClassStats& stats,
                             const std::vector<std::string>& class_names = {});

}  // namespace sw
