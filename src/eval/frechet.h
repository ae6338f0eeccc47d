// The Fréchet distance between Gaussians fitted to two feature sets:
//   FD² = |μ1 − μ2|² + tr(C1 + C2 − 2 (C1^{1/2} C2 C1^{1/2})^{1/2}).
// On the features of an Inception network this is FID (Heusel et al. 2017). Here the features are
// the last hidden layer of our own image classifier (eval/classifier.h) trained on the same data
// set: "FID with our own feature net". Its values are comparable between models measured with the
// same classifier, never with published FID numbers.
#pragma once

#include <cstddef>
#include <vector>

#include "core/status.h"

namespace sw {

// A Gaussian fitted to n points of dimension dim: the mean and the unbiased covariance (divided by
// n − 1, as numpy.cov and the reference FID code), in double.
struct GaussianMoments {
  size_t dim = 0;
  size_t count = 0;          // the n it was fitted to
  std::vector<double> mean;  // dim
  std::vector<double> cov;   // dim × dim, row-major, symmetric
};

// Fits x (n × dim, row-major). INVALID_ARGUMENT when n < 2, dim = 0 or a value is not finite.
// Fitting a reference set once and reusing its moments saves the pass over it per comparison.
Status FitGaussian(const float* x, size_t n, size_t dim, GaussianMoments* out);

// FD² between two fitted Gaussians, in double. C1^{1/2} and the square root of the symmetric
// positive semi-definite C1^{1/2} C2 C1^{1/2} come from symmetric eigendecompositions, with tiny
// negative eigenvalues (rounding) taken as 0; the result is clamped at 0 likewise. Symmetric in its
// arguments up to rounding. INVALID_ARGUMENT when the dimensions differ, the sizes do not match dim
// or a value is not finite.
Status FrechetDistance(const GaussianMoments& p, const GaussianMoments& q, double* out);

// FitGaussian on a (na × dim) and b (nb × dim), then FD² between them.
Status FrechetDistance(const float* a, size_t na, const float* b, size_t nb, size_t dim,
                       double* out);

}  // namespace sw
