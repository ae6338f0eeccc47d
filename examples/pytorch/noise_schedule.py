#!/usr/bin/env python3
"""The noise levels and sampling step size score-train chooses for a data set (NCSNv2's
techniques 1, 2 and 4), as in src/train/noise_schedule.cc, so that a model trained here gets the
schedule and sampling defaults the package's own trainer would give it."""
import math

import numpy as np


def largest_pairwise_distance(data, max_exact=2048, seed=0):
    """Technique 1's σ_max: exact up to max_exact rows, else the exact maximum over a subsample of
    that many rows raised by farthest-point sweeps over all rows from the best pair's ends."""
    x = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
    if len(x) < 2:
        return 0.0
    rows = x if len(x) <= max_exact else x[np.random.default_rng(seed).choice(len(x), max_exact, replace=False)]
    sq = np.einsum("ij,ij->i", rows, rows)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * rows @ rows.T, 0)
    a, b = np.unravel_index(np.argmax(d2), d2.shape)
    best = d2[a, b]
    if len(x) > len(rows):
        ends = [rows[a], rows[b]]
        for _ in range(2):
            for k, p in enumerate(ends):
                far = np.einsum("ij,ij->i", x - p, x - p)
                q = int(np.argmax(far))
                best = max(best, far[q])
                ends[k] = x[q]
    return math.sqrt(best)


def shell_overlap(gamma, dim):
    centre = math.sqrt(2.0 * dim) * (gamma - 1.0)
    phi = lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0))
    return phi(centre + 3.0 * gamma) - phi(centre - 3.0 * gamma)


def choose_gamma(dim):
    """Technique 2's ratio; +inf for dim <= 4, where no ratio solves it."""
    if 2.0 * dim <= 9.0:
        return math.inf
    lo, hi = 1.0, 2.0
    while shell_overlap(hi, dim) > 0.5:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        if hi - lo <= 1e-13 * hi:
            break
        mid = 0.5 * (lo + hi)
        if shell_overlap(mid, dim) > 0.5:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _variance_ratio(u, gamma, steps):
    decay = math.exp(2.0 * steps * math.log1p(-u))
    c = 2.0 / (2.0 - u)
    return decay * (gamma * gamma - c) + c


def choose_step_size(gamma, sigma_min, steps_per_level):
    """Technique 4's ε (the paper's convention): a log grid, then golden-section search."""
    grid = 4000
    lo, hi = math.log(1e-15), math.log(0.999)
    at = lambda log_u: _variance_ratio(math.exp(log_u), gamma, steps_per_level)
    values = [at(lo + (hi - lo) * k / (grid - 1)) for k in range(grid)]
    best = int(np.argmin(values))
    a = lo + (hi - lo) * max(0, best - 1) / (grid - 1)
    b = lo + (hi - lo) * min(grid - 1, best + 1) / (grid - 1)
    inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - inv_phi * (b - a), a + inv_phi * (b - a)
    fc, fd = at(c), at(d)
    for _ in range(200):
        if b - a <= 1e-12:
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - inv_phi * (b - a)
            fc = at(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv_phi * (b - a)
            fd = at(d)
    return math.exp(0.5 * (a + b)) * sigma_min * sigma_min


def geometric_sigmas(sigma_max, sigma_min, levels):
    """float32 σ_i = σ_max (σ_min / σ_max)^(i / (L − 1)), as the C++'s GeometricSigmas."""
    sigma_max, sigma_min = float(np.float32(sigma_max)), float(np.float32(sigma_min))
    if levels == 1:
        return [sigma_max]
    ratio = math.log(sigma_min / sigma_max)
    return [float(np.float32(sigma_max * math.exp(ratio * i / (levels - 1)))) for i in range(levels)]


def choose_noise_schedule(data, sigma_min=0.01, steps_per_level=100, max_gamma=2.0, fixed_levels=0,
                          step_size_scale=1.0):
    """(sigmas, sampling defaults) as score-train writes them into a model file."""
    dim = int(np.prod(np.shape(data)[1:]))
    sigma_min = float(np.float32(sigma_min))
    sigma_max = largest_pairwise_distance(data)
    if not 0 < sigma_min < sigma_max:
        raise ValueError(f"sigma_min = {sigma_min} must lie in (0, {sigma_max}), the data's largest distance")
    # The ratio from the distance in float64, the levels from its float32 value, as score-train.
    log_ratio = math.log(sigma_max / sigma_min)
    levels = fixed_levels or math.ceil(log_ratio / math.log(min(choose_gamma(dim), max_gamma))) + 1
    gamma = math.exp(log_ratio / (levels - 1))
    # Twice technique 4's ε: the annealed sampler steps x + (α/2) s + √α z (NCSN's form).
    step = float(np.float32(np.float32(2.0 * choose_step_size(gamma, sigma_min, steps_per_level))
                            * np.float32(step_size_scale)))
    sampling = {"sampler": "annealed-langevin", "steps_per_level": steps_per_level, "step_size": step,
                "denoise": True}
    return geometric_sigmas(sigma_max, sigma_min, levels), sampling
