// Generated 2-D toy data sets, the standard test beds of score-based models. Point i of a set is a
// pure function of (seed, i) through Philox (stream kToy2d), so the first k points of a set of n
// are the same for every n >= k, whatever the machine.
//
// Geometry (all sets except two-modes lie roughly within [-4, 4]^2):
//   moons         two interleaving unit half circles, as in scikit-learn: the upper one
//                 (cos t, sin t) and the lower one (1 - cos t, 0.5 - sin t), t ~ U(0, pi), each
//                 half with probability 1/2, plus N(0, 0.05^2 I) noise. Extent [-1, 2] x [-0.5, 1].
//   swiss-roll    (t cos t, t sin t) / 5 with t ~ U(1.5 pi, 4.5 pi), plus N(0, 0.05^2 I) noise:
//                 a spiral of radius 0.94 .. 2.83.
//   rings         the 8-Gaussian ring: N(c_k, 0.25^2 I), c_k = 3 (cos(k pi/4), sin(k pi/4)),
//                 k uniform in 0..7.
//   checkerboard  uniform on the 8 black squares of a 4 x 4 board of side-2 squares covering
//                 [-4, 4]^2; square (col, row) = (floor((x + 4) / 2), floor((y + 4) / 2)) is
//                 black when col + row is even.
//   two-modes     0.2 N((-5, -5), I) + 0.8 N((5, 5), I), NCSN's example of mode weights that
//                 plain Langevin dynamics gets wrong (GaussianMixture holds its exact score).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

// The names MakeToy2d accepts, in a fixed order.
std::vector<std::string> Toy2dNames();

// Replaces *out with n points (n x 2, row-major) of the named set for `seed`. Unknown name, null
// out or n > 2^28 -> INVALID_ARGUMENT (the message lists the known names).
Status MakeToy2d(const std::string& name, size_t n, uint64_t seed, std::vector<float>* out);

}  // namespace sw
