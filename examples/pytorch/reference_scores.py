#!/usr/bin/env python3
"""Writes what tests/node/pytorch.test.mjs checks score-wasm against, into one directory:

    python3 reference_scores.py OUT_DIR [--models DIR] [--train-steps N]

- scores.json and NAME.f32 for each model file in --models (default: the package's web/models):
  inputs, noise levels and the PyTorch modules' scores (score_models.py), as little-endian float32;
  batches at the largest and smallest trained σ, one between the two largest, the middle one, and
  one batch with its own σ per row;
- roundtrip/NAME.safetensors: each file through convert.py to-torch then to-safetensors;
- trained-moons.safetensors: train.py on moons for --train-steps steps, and its run time.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch

import convert
import toy_data

HERE = os.path.dirname(os.path.abspath(__file__))


def base_points(name, shape, n, seed):
    """n examples at the data's scale: the named 2-D set's points, or smooth strokes in [0, 1]."""
    if len(shape) == 1 and name in toy_data.NAMES:
        return toy_data.make_toy2d(name, n, seed)
    if len(shape) == 1:
        return np.random.default_rng(seed).standard_normal((n, shape[0])).astype(np.float32)
    h, w, c = shape
    r = np.arange(n)[:, None, None, None]
    y, x = np.arange(h)[None, :, None, None], np.arange(w)[None, None, :, None]
    strokes = np.maximum(0, np.sin(0.35 * x + 0.7 * r) * np.cos(0.23 * y - r))
    return np.broadcast_to(strokes, (n, h, w, c)).astype(np.float32)


def model_batches(name, path):
    """[(label, x, sigma per row, torch score)] for the model file at path."""
    model, metadata = convert.load_model_file(path)
    # A U-Net image costs as much as thousands of 2-D points.
    rows = 64 if metadata["architecture"] == "ncsn-mlp" else 6
    config = json.loads(metadata["config"])
    shape = config.get("data_shape", [config.get("dim")])
    levels = config["sigmas"]
    rng = np.random.default_rng(1234)
    plans = [("largest trained σ", [levels[0]] * rows),
             ("σ between the two largest levels", [math.sqrt(levels[0] * levels[1])] * rows),
             ("the middle level", [levels[len(levels) // 2]] * rows),
             ("smallest trained σ", [levels[-1]] * rows),
             ("one σ per row", np.exp(rng.uniform(math.log(levels[-1]), math.log(levels[0]), rows)))]
    batches = []
    for k, (label, sigma) in enumerate(plans):
        sigma = np.asarray(sigma, dtype=np.float32)
        base = base_points(name, shape, rows, seed=17 + k)
        x = (base + sigma.reshape(-1, *[1] * len(shape)) * rng.standard_normal(base.shape)).astype(np.float32)
        with torch.no_grad():
            score = model(torch.from_numpy(x), torch.from_numpy(sigma)).numpy()
        batches.append((label, x, sigma, score))
    return batches


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--models", default=os.path.join(HERE, "..", "..", "web", "models"))
    p.add_argument("--train-steps", type=int, default=1000)
    args = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(os.path.join(args.out, "roundtrip"), exist_ok=True)

    manifest = {"models": {}, "roundtrip": {}}
    for path in sorted(glob.glob(os.path.join(args.models, "*.safetensors"))):
        name = os.path.basename(path)[:-len(".safetensors")]
        entry = {"file": f"{name}.f32", "batches": []}
        chunks, offset = [], 0
        for label, x, sigma, score in model_batches(name, path):
            entry["batches"].append({"label": label, "rows": len(x), "sigmas": [float(s) for s in sigma],
                                     "x": offset, "score": offset + x.size, "size": x.size})
            chunks += [x.ravel(), score.ravel()]
            offset += 2 * x.size
        np.concatenate(chunks).astype("<f4").tofile(os.path.join(args.out, entry["file"]))
        manifest["models"][name] = entry

        pt = os.path.join(args.out, "roundtrip", f"{name}.pt")
        back = os.path.join(args.out, "roundtrip", f"{name}.safetensors")
        convert.main(["to-torch", path, pt])
        convert.main(["to-safetensors", pt, back])
        os.remove(pt)
        with open(path, "rb") as a, open(back, "rb") as b:
            manifest["roundtrip"][name] = {"identical": a.read() == b.read()}

    # The real command line, as a user runs it; one thread keeps it to a shared core's pace.
    trained = os.path.join(args.out, "trained-moons.safetensors")
    start = time.time()
    # A short run's EMA at 0.999 would still be mostly the random initial weights; 0.99 averages
    # the last hundred or so steps.
    subprocess.run([sys.executable, os.path.join(HERE, "train.py"), "moons", "--steps", str(args.train_steps),
                    "--ema", "0.99", "--seed", "0", "--threads", "1", "--out", trained], check=True)
    manifest["trained"] = {"file": "trained-moons.safetensors", "data": "moons",
                           "steps": args.train_steps, "seconds": round(time.time() - start, 1)}
    with open(os.path.join(args.out, "scores.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
