#include "layers/sigma_embedding.h"

#include <cmath>
#include <cstddef>

namespace sw {

void SigmaEmbedding(const float* freqs, size_t f, float sigma, float* out) {
  const double log_sigma = std::log(static_cast<double>(sigma));
  for (size_t j = 0; j < f; ++j) {
    const double angle = kSigmaEmbeddingTwoPi * static_cast<double>(freqs[j]) * log_sigma;
    out[j] = static_cast<float>(std::sin(angle));
    out[f + j] = static_cast<float>(std::cos(angle));
  }
}

}  // namespace sw
