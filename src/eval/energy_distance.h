// Energy distance between two samples (Székely & Rizzo), a two-sample test statistic that is zero
// exactly when the distributions agree:  D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'|.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "core/status.h"

namespace sw {

class ThreadPool;

// D^2 estimated from a (na x dim) and b (nb x dim), row-major: the cross term is the mean over
// all na * nb pairs, the within-set terms are U-statistics (mean over pairs i != j), so the
// estimate is unbiased for the population D^2 (and can be slightly negative when the two agree).
// Exact, O((na + nb)^2 dim), on `pool` when given (else inline). Distances are computed in float,
// summed in double over fixed blocks of rows and the blocks added in order, so the result does
// not depend on the thread count. NaN when na < 2, nb < 2 or dim = 0.
double EnergyDistance(const float* a, size_t na, const float* b, size_t nb, size_t dim,
                      ThreadPool* pool);

// Independent draws of the data that EnergyDistanceNoiseFloor averages over.
inline constexpr int kNoiseFloorDraws = 8;

// The noise floor of EnergyDistance(samples, reference) for samples of the data's own
// distribution: the mean |D²| between `reference` (nr × dim) and `draws` independent samples of
// the data, draw(k, &points) writing the k-th (k = 0..draws-1; any size, n × dim). A single such
// U-statistic has mean zero and is negative about half the time, so one draw is no floor; the
// mean of the absolute values of several is. Fails with draw's status.
Status EnergyDistanceNoiseFloor(const float* reference, size_t nr, size_t dim, int draws,
                                const std::function<Status(int, std::vector<float>*)>& draw,
                                ThreadPool* pool, double* out);

}  // namespace sw
