#include "eval/frechet.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace sw {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Status CheckMoments(const GaussianMoments& m, const char* which) {
  const std::string name = std::string("frechet: ") + which;
  if (m.dim == 0) return InvalidArgument(name + " has dim 0");
  if (m.mean.size() != m.dim || m.cov.size() != m.dim * m.dim) {
    return InvalidArgument(name + ": mean must have dim values and cov dim x dim");
  }
  for (double v : m.mean) {
    if (!std::isfinite(v)) return InvalidArgument(name + ": non-finite mean");
  }
  for (double v : m.cov) {
    if (!std::isfinite(v)) return InvalidArgument(name + ": non-finite covariance");
  }
  return Status::Ok();
}

// The symmetric square root V diag(sqrt(max(λ, 0))) Vᵀ of a symmetric positive semi-definite
// matrix; eigenvalues below 0 can only be rounding.
Matrix SymmetricSqrt(const Matrix& m) {
  Eigen::SelfAdjointEigenSolver<Matrix> solver(m);
  const Eigen::VectorXd root = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return solver.eigenvectors() * root.asDiagonal() * solver.eigenvectors().transpose();
}

}  // namespace

Status FitGaussian(const float* x, size_t n, size_t dim, GaussianMoments* out) {
  if (n < 2) return InvalidArgument("frechet: needs at least 2 points, got " + std::to_string(n));
  if (dim == 0) return InvalidArgument("frechet: dim must be > 0");
  for (size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(x[i])) {
      return InvalidArgument("frechet: point " + std::to_string(i / dim) +
                             " has a non-finite value");
    }
  }
  // Two passes in blocks of rows (the mean, then the centred products), so that memory stays
  // O(block × dim + dim²) even for 60 000 raw 784-pixel images.
  using FloatRows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  constexpr size_t kBlockRows = 1024;
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(dim);
  for (size_t start = 0; start < n; start += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n - start);
    mean += Eigen::Map<const FloatRows>(x + start * dim, rows, dim).cast<double>().colwise().sum();
  }
  mean /= static_cast<double>(n);
  Matrix sum = Matrix::Zero(dim, dim);
  for (size_t start = 0; start < n; start += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n - start);
    const Matrix centred =
        Eigen::Map<const FloatRows>(x + start * dim, rows, dim).cast<double>().rowwise() - mean;
    sum.noalias() += centred.transpose() * centred;
  }
  // Averaged with its transpose: the product's two triangles may differ in the last bit.
  const Matrix cov = (sum + sum.transpose()) / (2.0 * static_cast<double>(n - 1));
  GaussianMoments m;
  m.dim = dim;
  m.count = n;
  m.mean.assign(mean.data(), mean.data() + dim);
  m.cov.assign(cov.data(), cov.data() + dim * dim);
  *out = std::move(m);
  return Status::Ok();
}

Status FrechetDistance(const GaussianMoments& p, const GaussianMoments& q, double* out) {
  SW_RETURN_IF_ERROR(CheckMoments(p, "first set"));
  SW_RETURN_IF_ERROR(CheckMoments(q, "second set"));
  if (p.dim != q.dim) {
    return InvalidArgument("frechet: dimensions differ (" + std::to_string(p.dim) + " and " +
                           std::to_string(q.dim) + ")");
  }
  const size_t d = p.dim;
  const Eigen::Map<const Eigen::VectorXd> mu1(p.mean.data(), d), mu2(q.mean.data(), d);
  const Eigen::Map<const Matrix> c1(p.cov.data(), d, d), c2(q.cov.data(), d, d);
  const Matrix s1 = SymmetricSqrt(c1);
  // s1 c2 s1 is symmetric up to rounding; the solver reads its lower triangle.
  const Matrix m = s1 * c2 * s1;
  Eigen::SelfAdjointEigenSolver<Matrix> solver(m, Eigen::EigenvaluesOnly);
  const double trace_sqrt = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  const double fd = (mu1 - mu2).squaredNorm() + c1.trace() + c2.trace() - 2.0 * trace_sqrt;
  *out = std::max(0.0, fd);
  return Status::Ok();
}

Status FrechetDistance(const float* a, size_t na, const float* b, size_t nb, size_t dim,
                       double* out) {
  GaussianMoments p, q;
  SW_RETURN_IF_ERROR(FitGaussian(a, na, dim, &p));
  SW_RETURN_IF_ERROR(FitGaussian(b, nb, dim, &q));
  return FrechetDistance(p, q, out);
}

}  // namespace sw
