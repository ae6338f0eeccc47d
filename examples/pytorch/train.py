#!/usr/bin/env python3
"""Trains a score network in PyTorch with score-train's objective and writes a model file that
score-wasm loads (loadModel(bytes or path)).

    python3 train.py moons --steps 20000 --out moons.safetensors
    python3 train.py images.npy --init mnist.safetensors --reset-weights --out mine.safetensors
    torchrun --nproc_per_node 8 train.py moons --steps 60000 --out moons.safetensors

Denoising score matching with loss weight σ² on the model's noise levels (one level drawn per
example): ℓ = ½ ‖σ s(x + σ z, σ) + z‖², averaged over the batch; Adam (PyTorch's, lr 1e-3),
clipping at global gradient norm 1, and an EMA of the weights (decay 0.999) that is what gets
written, as src/train/trainer.cc. A fresh 2-D model gets score-train's network (ncsn-mlp
2+32 → 128 → 128 → 128 → 2) and its noise schedule and sampling defaults (noise_schedule.py).

Under torchrun (WORLD_SIZE set) it runs DistributedDataParallel: --batch is the global batch,
split evenly over the processes, each drawing its own examples; the gradient is their mean, so
every process takes the same Adam step. Rank 0 writes the file.
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

import convert
import noise_schedule
import score_models
import toy_data


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help=f"a 2-D data set ({', '.join(toy_data.NAMES)}) or an .npy file of "
                                "examples (n × dim, or n × H × W × C for a U-Net)")
    p.add_argument("--out", required=True, help="model file to write (the EMA weights)")
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--batch", type=int, default=256, help="examples per step over all processes")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--clip", type=float, default=1.0, help="global gradient norm; 0 = none")
    p.add_argument("--ema", type=float, default=0.999, help="EMA decay of the written weights")
    p.add_argument("--seed", type=int, default=0, help="data, initial weights, batches and noise")
    p.add_argument("--examples", type=int, default=100000, help="2-D: examples to generate")
    p.add_argument("--init", help="start from this model file: its architecture, config (noise "
                                  "levels, sampling defaults) and weights")
    p.add_argument("--reset-weights", action="store_true", help="with --init: fresh weights")
    p.add_argument("--hidden", default="128,128,128", help="fresh MLP: hidden layer widths")
    p.add_argument("--freqs", type=int, default=16, help="fresh MLP: Fourier frequencies of log σ")
    p.add_argument("--sigma-min", type=float, default=0.01)
    p.add_argument("--levels", type=int, default=0, help="0 = NCSNv2 technique 2 (capped ratio 2)")
    p.add_argument("--steps-per-level", type=int, default=100, help="sampling default")
    p.add_argument("--step-size-scale", type=float, default=1.0, help="sampling default: × technique 4")
    p.add_argument("--f16", action="store_true", help="store the weights as F16")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    return p.parse_args(argv)


def load_data(args):
    if args.data.endswith(".npy"):
        return np.load(args.data).astype(np.float32)
    return toy_data.make_toy2d(args.data, args.examples, args.seed)


def initial_model(args, data):
    """(module, metadata) to train: the --init file's, or a fresh MLP for n × dim data."""
    if args.init:
        model, metadata = convert.load_model_file(args.init)
        if args.reset_weights:
            score_models.init_weights(model, args.seed)
        return model, dict(metadata)
    if data.ndim != 2:
        raise SystemExit(f"train.py: data of shape {list(data.shape)}: a fresh model is an ncsn-mlp "
                         "for n × dim data; for images start from a U-Net file with --init")
    sigmas, sampling = noise_schedule.choose_noise_schedule(
        data, args.sigma_min, args.steps_per_level, fixed_levels=args.levels,
        step_size_scale=args.step_size_scale)
    dim = data.shape[1]
    config = {"dim": dim, "hidden": [int(w) for w in args.hidden.split(",")],
              "sigma_embedding_freqs": args.freqs, "sigmas": sigmas, "data_shape": [dim],
              "sampling": sampling}
    model = score_models.init_weights(score_models.NcsnMlp(config), args.seed)
    metadata = {"format": "score-wasm", "architecture": model.architecture,
                "config": convert.config_json(model.architecture, config)}
    return model, metadata


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    if args.batch % world:
        raise SystemExit(f"train.py: --batch {args.batch} is not a multiple of the {world} processes")
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)

    # Every process builds the same data and initial weights from the seed.
    data = load_data(args)
    model, metadata = initial_model(args, data)
    config = json.loads(metadata["config"])
    shape = config.get("data_shape", [config.get("dim")])
    data = torch.from_numpy(data.reshape(len(data), *shape)).to(device)
    sigmas = torch.tensor(config["sigmas"], dtype=torch.float32, device=device)
    model.to(device)
    ema = copy.deepcopy(model).requires_grad_(False)
    net = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[local_rank] if device.type == "cuda" else None) if distributed else model
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    # Each process its own stream of examples, levels and noise.
    g = torch.Generator(device=device).manual_seed(args.seed * 1000003 + rank)
    rows = args.batch // world

    if rank == 0:
        print(f"{args.data}: {len(data)} examples, {model.architecture}, sigma {config['sigmas'][0]:.4g} -> "
              f"{config['sigmas'][-1]:.4g} over {len(sigmas)} levels, {world} process(es) on {device}",
              file=sys.stderr)
    start, report, loss_sum = time.time(), 100, torch.zeros((), device=device)
    for step in range(1, args.steps + 1):
        x = data[torch.randint(len(data), (rows,), generator=g, device=device)]
        sigma = sigmas[torch.randint(len(sigmas), (rows,), generator=g, device=device)]
        z = torch.randn(x.shape, generator=g, device=device)
        sigma_b = sigma.reshape(-1, *([1] * (x.dim() - 1)))
        score = net(x + sigma_b * z, sigma)
        loss = 0.5 * (sigma_b * score + z).square().flatten(1).sum(1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip if args.clip > 0 else math.inf)
        if not (torch.isfinite(loss) and torch.isfinite(norm)):
            raise SystemExit(f"train.py: non-finite loss or gradient at step {step}; lower the learning rate")
        optimizer.step()
        with torch.no_grad():
            for e, p in zip(ema.parameters(), model.parameters()):
                e.mul_(args.ema).add_(p, alpha=1 - args.ema)
        loss_sum += loss.detach()
        if step % report == 0 or step == args.steps:
            if distributed:
                dist.all_reduce(loss_sum)
            mean = loss_sum.item() / world / ((step - 1) % report + 1)  # over the steps since the last report
            loss_sum.zero_()
            if rank == 0:
                print(f"step {step}/{args.steps}  loss {mean:.4f}  {time.time() - start:.1f} s", file=sys.stderr)

    if rank == 0:
        out = convert.model_file_bytes(ema.cpu(), metadata, "F16" if args.f16 else "F32")
        with open(args.out, "wb") as f:
            f.write(out)
        print(f"wrote {args.out} ({len(out)} bytes) in {time.time() - start:.1f} s", file=sys.stderr)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
