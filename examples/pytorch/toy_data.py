#!/usr/bin/env python3
"""The package's 2-D data sets (src/data/toy2d.h) drawn with numpy: the same distributions, not the
same points (the C++ draws from Philox, this from numpy's PCG64)."""
import numpy as np

NAMES = ("moons", "swiss-roll", "rings", "checkerboard", "two-modes")


def make_toy2d(name, n, seed):
    """n points (n × 2, float32) of the named set."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, 3))
    z = rng.standard_normal((n, 2))
    if name == "moons":
        # The upper unit half circle and the lower one shifted to (1, 0.5), as scikit-learn's.
        t = np.pi * u[:, 1]
        upper = u[:, 0] < 0.5
        xy = np.stack([np.where(upper, np.cos(t), 1 - np.cos(t)),
                       np.where(upper, np.sin(t), 0.5 - np.sin(t))], axis=1) + 0.05 * z
    elif name == "swiss-roll":
        t = 1.5 * np.pi * (1 + 2 * u[:, 0])
        xy = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 5 + 0.05 * z
    elif name == "rings":
        angle = 0.25 * np.pi * np.minimum(7, np.floor(8 * u[:, 0]))
        xy = 3 * np.stack([np.cos(angle), np.sin(angle)], axis=1) + 0.25 * z
    elif name == "checkerboard":
        # Black square k of the 4 × 4 board of side 2 over [-4, 4]²: col + row even.
        k = np.minimum(7, np.floor(8 * u[:, 0])).astype(int)
        row = k // 2
        col = 2 * (k % 2) + row % 2
        xy = -4 + 2 * np.stack([col + u[:, 1], row + u[:, 2]], axis=1)
    elif name == "two-modes":
        mean = np.where(u[:, 0] < 0.2, -5.0, 5.0)
        xy = mean[:, None] + z
    else:
        raise ValueError(f"unknown 2-D data set {name!r}; known: {', '.join(NAMES)}")
    return xy.astype(np.float32)
