#include "eval/image_metrics.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

namespace sw {

Status ComputeClassStats(const float* probs, size_t n, size_t classes, ClassStats* out) {
  if (n == 0) return InvalidArgument("class stats: no samples");
  if (classes == 0) return InvalidArgument("class stats: classes must be > 0");
  ClassStats stats;
  stats.samples = n;
  stats.counts.assign(classes, 0);
  double confidence = 0;
  for (size_t i = 0; i < n; ++i) {
    const float* p = probs + i * classes;
    size_t best = 0;
    for (size_t k = 0; k < classes; ++k) {
      if (!std::isfinite(p[k])) {
        return InvalidArgument("class stats: sample " + std::to_string(i) +
                               " has a non-finite probability");
      }
      if (p[k] > p[best]) best = k;
    }
    ++stats.counts[best];
    confidence += p[best];
  }
  for (size_t k = 0; k < classes; ++k) {
    if (stats.counts[k] > stats.counts[stats.largest_class]) stats.largest_class = k;
    if (stats.counts[k] > 0) ++stats.classes_present;
  }
  stats.largest_fraction =
      static_cast<double>(stats.counts[stats.largest_class]) / static_cast<double>(n);
  stats.mean_confidence = confidence / static_cast<double>(n);
  *out = std::move(stats);
  return Status::Ok();
}

std::string FormatClassStats(const ClassStats& stats, const std::vector<std::string>& class_names) {
  const size_t classes = stats.counts.size();
  auto name = [&](size_t k) {
    return class_names.size() == classes ? class_names[k] : std::to_string(k);
  };
  std::string text =
      std::to_string(stats.samples) + " samples over " + std::to_string(classes) + " classes: ";
  for (size_t k = 0; k < classes; ++k) {
    text += (k == 0 ? "" : ", ") + name(k) + ": " + std::to_string(stats.counts[k]);
  }
  char numbers[96];
  std::snprintf(numbers, sizeof(numbers), " (%.1f %%); ", 100.0 * stats.largest_fraction);
  text +=
      "; largest class " + (classes > 0 ? name(stats.largest_class) : std::string("-")) + numbers;
  text += std::to_string(stats.classes_present) + " of " + std::to_string(classes) +
          " classes present; ";
  std::snprintf(numbers, sizeof(numbers), "mean confidence %.3f.", stats.mean_confidence);
  text += numbers;
  return text;
}

}  // namespace sw
