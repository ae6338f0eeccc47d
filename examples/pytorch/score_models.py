#!/usr/bin/env python3
"""The package's two score networks, ncsn-mlp and ncsn-unet, as torch.nn.Modules.

They compute what src/models/ncsn_mlp.cc and src/models/ncsn_unet.cc compute, in float32, so a
network trained here runs unchanged in score-wasm once convert.py has written its model file.
Parameters keep PyTorch's own layouts (nn.Linear [out, in], nn.Conv2d [out, in, 3, 3]); only
convert.py knows the file's layouts. Every parameter has the name of its tensor in the model file,
and the modules are registered in the order of the C++ tensor table (NcsnMlpTensorTable,
NcsnUnetTensorTable), so state_dict() lists the tensors in the order the package writes them.

forward(x, sigma) takes x in the model's own layout ([n, dim] for the MLP, [n, H, W, C] channels
last for the U-Net, as score-wasm's samples are) and sigma of shape [n], one noise level per row,
and returns the score in x's layout.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

# layers/sigma_embedding.h's kSigmaEmbeddingTwoPi. The angle is (2π f_j) · log σ in float64 in
# that order, as in the C++, so the embedding is the same doubles before its cast to float32.
SIGMA_EMBEDDING_TWO_PI = 6.283185307179586
# layers/group_norm.h's kGroupNormEps.
GROUP_NORM_EPS = 1e-5


class SigmaEmbedding(nn.Module):
    """[sin(2π f_j log σ), cos(2π f_j log σ)]: fixed frequencies, a buffer rather than a parameter."""

    def __init__(self, freqs):
        super().__init__()
        self.register_buffer("freqs", torch.zeros(freqs, dtype=torch.float32))

    def forward(self, sigma):
        # float64 as the C++ computes it: f_j log σ spans many periods for large f_j.
        angle = (SIGMA_EMBEDDING_TWO_PI * self.freqs.double())[None, :] * torch.log(sigma.double())[:, None]
        return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).float()


def divide_by_sigma(y, sigma):
    # y · (1/σ) in float32, the C++'s f32_scale(y, 1.0f / σ): not y / σ, which rounds differently.
    shape = (-1,) + (1,) * (y.dim() - 1)
    return y * torch.reciprocal(sigma.to(y.dtype)).reshape(shape)


def _rows_sigma(x, sigma):
    sigma = torch.as_tensor(sigma, dtype=torch.float32, device=x.device)
    return sigma.expand(x.shape[0]) if sigma.dim() == 0 else sigma


class NcsnMlp(nn.Module):
    """s(x, σ) = MLP([x, emb(σ)]) / σ with SiLU between the layers (models/ncsn_mlp.h)."""

    architecture = "ncsn-mlp"

    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        dim, freqs = config["dim"], config["sigma_embedding_freqs"]
        self.sigma_embed = SigmaEmbedding(freqs)
        widths = [dim + 2 * freqs] + list(config["hidden"]) + [dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))

    def forward(self, x, sigma):
        sigma = _rows_sigma(x, sigma)
        h = x
        if self.config["sigma_embedding_freqs"] > 0:
            h = torch.cat([x, self.sigma_embed(sigma)], dim=1)
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i + 1 < len(self.layers):
                h = F.silu(h)
        return divide_by_sigma(h, sigma)


class ResidualBlock(nn.Module):
    """conv2(SiLU(GN2(conv1(SiLU(GN1(h))) + emb(e)))) + skip(h); on the way up, first
    h = Upsample2(proj(h_low)) + skip_l (the proj belongs to the up level's tensors: "up.{l}.proj")."""

    def __init__(self, cin, cout, embedding_dim, groups, proj_from=None):
        super().__init__()
        # Registered in the C++ Walk's order: proj (up levels), norm1, conv1, emb, norm2, conv2, skip.
        if proj_from is not None:
            self.proj = nn.Conv2d(proj_from, cin, 1)
        self.norm1 = nn.GroupNorm(groups, cin, eps=GROUP_NORM_EPS)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(embedding_dim, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=GROUP_NORM_EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.has_skip = cin != cout
        if self.has_skip:
            self.skip = nn.Conv2d(cin, cout, 1)

    def forward(self, h, e):
        a = self.conv1(F.silu(self.norm1(h))) + self.emb(e)[:, :, None, None]
        b = self.conv2(F.silu(self.norm2(a)))
        return b + (self.skip(h) if self.has_skip else h)


class NcsnUnet(nn.Module):
    """The noise-conditional U-Net of models/ncsn_unet.h; computes in NCHW, takes and returns NHWC."""

    architecture = "ncsn-unet"

    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        height, width, image_channels = config["data_shape"]
        channels, groups = list(config["channels"]), config["groups"]
        e = config["embedding_dim"]
        levels = len(channels)
        if height % 2 ** (levels - 1) or width % 2 ** (levels - 1):
            raise ValueError(f"ncsn-unet: {height} x {width} cannot be halved {levels - 1} times")
        self.sigma_embed = SigmaEmbedding(config["sigma_embedding_freqs"])
        self.embed = nn.Linear(2 * config["sigma_embedding_freqs"], e)
        self.conv_in = nn.Conv2d(image_channels, channels[0], 3, padding=1)
        cins = [channels[0]] + channels[:-1]
        self.down = nn.ModuleList(ResidualBlock(cins[l], channels[l], e, groups) for l in range(levels))
        # Deepest level first, as the C++ walks (and stores) them; keyed by level, "up.{l}".
        self.up = nn.ModuleDict(
            (str(l), ResidualBlock(channels[l], channels[l], e, groups, proj_from=channels[l + 1]))
            for l in reversed(range(levels - 1)))
        self.norm_out = nn.GroupNorm(groups, channels[0], eps=GROUP_NORM_EPS)
        self.conv_out = nn.Conv2d(channels[0], image_channels, 3, padding=1)

    def preconditioning(self, sigma):
        """(in, out, skip) of models/ncsn_unet.h's NcsnUnetPreconditioning, each [n, 1, 1, 1]:
        s = out · F(in · x) + skip · x; NCSNv2's (1, 1/σ, 0) without "sigma_data", else EDM's
        (Karras et al. 2022) with v = σ² + σ_d²: (1/√v, σ_d/(σ√v), −1/v), in float64, then float32."""
        shape = (-1, 1, 1, 1)
        d = self.config.get("sigma_data", 0.0)
        if not d:
            return 1.0, torch.reciprocal(sigma).reshape(shape), 0.0
        s64 = sigma.double()
        v = s64 * s64 + d * d
        root = torch.sqrt(v)
        return tuple(c.float().reshape(shape) for c in (1.0 / root, d / (s64 * root), -1.0 / v))

    def forward(self, x, sigma):
        sigma = _rows_sigma(x, sigma)
        c_in, c_out, c_skip = self.preconditioning(sigma)
        e = F.silu(self.embed(self.sigma_embed(sigma)))
        h = self.conv_in((c_in * x).permute(0, 3, 1, 2))
        skips = []
        for l, block in enumerate(self.down):
            h = block(h, e)
            skips.append(h)
            if l + 1 < len(self.down):
                h = F.avg_pool2d(h, 2)
        for key, block in self.up.items():
            # Nearest-neighbour doubling: output pixel (y, x) reads (y // 2, x // 2), as Upsample2.
            h = F.interpolate(block.proj(h), scale_factor=2, mode="nearest") + skips[int(key)]
            h = block(h, e)
        y = self.conv_out(F.silu(self.norm_out(h)))
        return c_out * y.permute(0, 2, 3, 1) + c_skip * x


ARCHITECTURES = {NcsnMlp.architecture: NcsnMlp, NcsnUnet.architecture: NcsnUnet}


def build_model(architecture, config):
    """The module for a model file's "architecture" and parsed "config" (its weights uninitialised)."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r} (known: {', '.join(ARCHITECTURES)})")
    return ARCHITECTURES[architecture](config)


@torch.no_grad()
def init_weights(model, seed):
    """The C++ initialisation's distribution (InitTableTensors): weights N(0, 1/fan_in) with fan_in
    the input values of one output (9 · in for a 3×3 convolution), biases 0, GroupNorm 1 and 0, and
    Fourier frequencies N(0, 1). Its draws differ from the C++'s Philox stream."""
    g = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            fan_in = module.weight[0].numel()
            module.weight.copy_(torch.randn(module.weight.shape, generator=g) / math.sqrt(fan_in))
            module.bias.zero_()
        elif isinstance(module, nn.GroupNorm):
            module.weight.fill_(1.0)
            module.bias.zero_()
        elif isinstance(module, SigmaEmbedding):
            module.freqs.copy_(torch.randn(module.freqs.shape, generator=g))
    return model
