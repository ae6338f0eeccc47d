#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz) from the shipped models.

  /usr/bin/python3 tests/fuzz/make_seeds.py OUT_DIR

OUT_DIR/model_load/       model files: the shipped ones (web/models/*.safetensors), tiny MLPs and
                          U-Nets built here, valid-but-hostile ones (huge data_shape) and broken
                          ones (truncated, bad header length, bad JSON, wrong dtype, bad offsets,
                          NaN, bad metadata and config values).
OUT_DIR/sampler_options/  inputs of fuzz_sampler_options: config JSON text, a NUL byte, then the
                          binary option values that fuzz_sampler_options.cc decodes.

Only the standard library (there is no python3-safetensors here): a safetensors file is an 8-byte
little-endian header length N, N bytes of JSON header, then the raw little-endian tensor data.
"""
import json
import math
import os
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "web", "models")


# ---------------------------------------------------------------------------------------------
# safetensors


def parse(data):
    """(header dict with __metadata__, data bytes) of a safetensors file."""
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def header_bytes(header):
    text = json.dumps(header, separators=(",", ":")).encode()
    return text + b" " * ((8 - len(text) % 8) % 8)


def assemble(header, payload):
    h = header_bytes(header)
    return struct.pack("<Q", len(h)) + h + payload


def build(metadata, tensors, dtype="F32"):
    """A model file from {name: (shape, values)} in the given order."""
    header = {"__metadata__": metadata}
    payload = b""
    for name, (shape, values) in tensors.items():
        if dtype == "F32":
            raw = struct.pack("<%df" % len(values), *values)
        else:
            raw = struct.pack("<%de" % len(values), *values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(payload), len(payload) + len(raw)]}
        payload += raw
    return assemble(header, payload)


def values(rng, count, scale):
    return [rng.gauss(0, scale) for _ in range(count)]


def geometric(hi, lo, levels):
    if levels == 1:
        return [hi]
    return [hi * math.exp(math.log(lo / hi) * i / (levels - 1)) for i in range(levels)]


SAMPLING = {"sampler": "annealed-langevin", "steps_per_level": 5, "step_size": 0.05,
            "denoise": True}


def mlp_file(dim, hidden, freqs, sigmas, sampling=SAMPLING, dtype="F32", seed=1, data_shape=None):
    """An ncsn-mlp file (models/ncsn_mlp.h): sigma_embed.freqs [F], layers.i.weight [in, out]."""
    rng = random.Random(seed)
    config = {"dim": dim, "hidden": hidden, "sigma_embedding_freqs": freqs, "sigmas": sigmas}
    if data_shape is not None:
        config["data_shape"] = data_shape
    if sampling is not None:
        config["sampling"] = sampling
    tensors = {}
    if freqs:
        tensors["sigma_embed.freqs"] = ([freqs], values(rng, freqs, 1))
    widths = [dim + 2 * freqs] + hidden + [dim]
    for i in range(len(widths) - 1):
        fan_in, fan_out = widths[i], widths[i + 1]
        tensors["layers.%d.weight" % i] = ([fan_in, fan_out], values(rng, fan_in * fan_out,
                                                                      fan_in ** -0.5))
        tensors["layers.%d.bias" % i] = ([fan_out], [0.0] * fan_out)
    metadata = {"format": "score-wasm", "architecture": "ncsn-mlp",
                "config": json.dumps(config, separators=(",", ":"))}
    return build(metadata, tensors, dtype)


def unet_tensors(c):
    """The tensor list of models/ncsn_unet.cc's Describe(): (name, shape, init) in storage order."""
    specs = []

    def linear(name, fan_in, fan_out):
        specs.append((name + ".weight", [fan_in, fan_out], "normal"))
        specs.append((name + ".bias", [fan_out], "zeros"))

    def norm(name, ch):
        specs.append((name + ".weight", [ch], "ones"))
        specs.append((name + ".bias", [ch], "zeros"))

    def block(name, cin, cout, e):
        norm(name + ".norm1", cin)
        linear(name + ".conv1", 9 * cin, cout)
        linear(name + ".emb", e, cout)
        norm(name + ".norm2", cout)
        linear(name + ".conv2", 9 * cout, cout)
        if cin != cout:
            linear(name + ".skip", cin, cout)

    ch, e = c["channels"], c["embedding_dim"]
    linear("embed", 2 * c["sigma_embedding_freqs"], e)
    linear("conv_in", 9 * c["data_shape"][2], ch[0])
    cin = ch[0]
    for level, cout in enumerate(ch):
        block("down.%d" % level, cin, cout, e)
        cin = cout
    for level in reversed(range(len(ch) - 1)):
        linear("up.%d.proj" % level, ch[level + 1], ch[level])
        block("up.%d" % level, ch[level], ch[level], e)
    norm("norm_out", ch[0])
    linear("conv_out", 9 * ch[0], c["data_shape"][2])
    return specs


def unet_file(data_shape, channels, groups, freqs, embedding_dim, sigmas, sampling=SAMPLING,
              dtype="F16", seed=2, sigma_data=None):
    rng = random.Random(seed)
    config = {"data_shape": data_shape, "channels": channels, "groups": groups,
              "sigma_embedding_freqs": freqs, "embedding_dim": embedding_dim, "sigmas": sigmas}
    if sampling is not None:
        config["sampling"] = sampling
    if sigma_data is not None:
        config["sigma_data"] = sigma_data
    tensors = {"sigma_embed.freqs": ([freqs], values(rng, freqs, 1))}
    for name, shape, init in unet_tensors(config):
        count = 1
        for d in shape:
            count *= d
        if init == "normal":
            tensors[name] = (shape, values(rng, count, shape[0] ** -0.5))
        else:
            tensors[name] = (shape, [1.0 if init == "ones" else 0.0] * count)
    metadata = {"format": "score-wasm", "architecture": "ncsn-unet",
                "config": json.dumps(config, separators=(",", ":"))}
    return build(metadata, tensors, dtype)


def with_metadata(data, **changes):
    """The file with metadata entries replaced (value None removes the entry)."""
    header, payload = parse(data)
    meta = header["__metadata__"]
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return assemble(header, payload)


def with_config(data, edit):
    header, payload = parse(data)
    config = json.loads(header["__metadata__"]["config"])
    edit(config)
    header["__metadata__"]["config"] = json.dumps(config, separators=(",", ":"))
    return assemble(header, payload)


def with_header(data, edit):
    header, payload = parse(data)
    edit(header)
    return assemble(header, payload)


def first_tensor(header):
    return next(k for k in header if k != "__metadata__")


# ---------------------------------------------------------------------------------------------
# seeds


def model_load_seeds():
    seeds = {}
    shipped = {}
    for name in sorted(os.listdir(MODELS)):
        if name.endswith(".safetensors"):
            with open(os.path.join(MODELS, name), "rb") as f:
                shipped[name[: -len(".safetensors")]] = f.read()
    for name, data in shipped.items():
        seeds["shipped-" + name] = data

    sig = geometric(2.0, 0.05, 4)
    tiny_mlp = mlp_file(2, [4], 2, sig)
    tiny_unet = unet_file([4, 4, 1], [2, 4], 2, 2, 4, sig)
    seeds.update({
        "mlp-tiny": tiny_mlp,
        "mlp-tiny-f16": mlp_file(2, [4], 2, sig, dtype="F16"),
        "mlp-no-hidden-no-embedding": mlp_file(3, [], 0, [0.5], sampling=None),
        "mlp-langevin-data-shape": mlp_file(
            4, [3, 3], 1, [0.3], data_shape=[1, 2, 2],
            sampling={"sampler": "langevin", "steps_per_level": 3, "step_size": 0.01}),
        "unet-tiny": tiny_unet,
        "unet-tiny-f32": unet_file([4, 4, 1], [2, 4], 2, 2, 4, sig, dtype="F32"),
        "unet-one-level-2ch": unet_file([2, 2, 2], [2], 1, 1, 2, [1.0], sampling=None),
        "unet-three-levels": unet_file([8, 4, 1], [2, 2, 4], 2, 1, 2, sig),
        "unet-preconditioned": unet_file([4, 4, 1], [2, 4], 2, 2, 4, sig, sigma_data=0.3),
    })

    moons = shipped.get("moons", tiny_mlp)
    (n,) = struct.unpack("<Q", moons[:8])
    # Truncated files.
    seeds["broken-empty"] = b""
    seeds["broken-4-bytes"] = moons[:4]
    seeds["broken-cut-in-header"] = moons[: 8 + n // 2]
    seeds["broken-cut-after-header"] = moons[: 8 + n]
    seeds["broken-cut-in-data"] = moons[: len(moons) // 2]
    seeds["broken-one-byte-short"] = tiny_mlp[:-1]
    seeds["broken-trailing-byte"] = tiny_mlp + b"\0"
    # Header lengths.
    body = tiny_mlp[8:]
    (tn,) = struct.unpack("<Q", tiny_mlp[:8])
    seeds["broken-length-zero"] = struct.pack("<Q", 0) + body
    seeds["broken-length-past-end"] = struct.pack("<Q", len(body) + 1) + body
    seeds["broken-length-short"] = struct.pack("<Q", tn - 1) + body
    seeds["broken-length-huge"] = struct.pack("<Q", 1 << 63) + body
    seeds["broken-length-over-limit"] = struct.pack("<Q", 100 * 1000 * 1000 + 1) + body
    # Bad JSON headers.
    h = tiny_mlp[8 : 8 + tn].rstrip(b" ")
    seeds["broken-json-bracket"] = assemble_raw(h[:-1] + b"]", tiny_mlp[8 + tn :])
    seeds["broken-json-trailing-comma"] = assemble_raw(h[:-1] + b",}", tiny_mlp[8 + tn :])
    seeds["broken-json-not-object"] = assemble_raw(b"[" + h + b"]", tiny_mlp[8 + tn :])
    seeds["broken-json-nul"] = assemble_raw(h + b"\0", tiny_mlp[8 + tn :])
    seeds["broken-json-duplicate-key"] = assemble_raw(
        h[:-1] + b',"__metadata__":{}}', tiny_mlp[8 + tn :])
    seeds["broken-json-deep"] = assemble_raw(
        h[:-1] + b',"x":' + b"[" * 20 + b"]" * 20 + b"}", tiny_mlp[8 + tn :])
    # Tensor entries.
    def set_field(field, value):
        return lambda hd: hd[first_tensor(hd)].__setitem__(field, value)
    seeds["broken-dtype-f64"] = with_header(tiny_mlp, set_field("dtype", "F64"))
    seeds["broken-dtype-bf16"] = with_header(tiny_mlp, set_field("dtype", "BF16"))
    seeds["broken-dtype-i32"] = with_header(tiny_mlp, set_field("dtype", "I32"))
    seeds["broken-dtype-f16-of-f32"] = with_header(tiny_mlp, set_field("dtype", "F16"))
    seeds["broken-shape-mismatch"] = with_header(tiny_mlp, set_field("shape", [3]))
    seeds["broken-shape-negative"] = with_header(tiny_mlp, set_field("shape", [-2]))
    seeds["broken-shape-huge"] = with_header(tiny_mlp, set_field("shape", [1 << 62, 1 << 62]))
    seeds["broken-shape-zero"] = with_header(tiny_mlp, set_field("shape", [0, 1 << 40]))
    seeds["broken-offsets-overlap"] = with_header(tiny_mlp, set_field("data_offsets", [0, 8]))
    seeds["broken-offsets-reversed"] = with_header(tiny_mlp, set_field("data_offsets", [8, 0]))
    seeds["broken-extra-field"] = with_header(tiny_mlp, set_field("extra", 1))
    nan = bytearray(tiny_mlp)
    nan[8 + tn : 8 + tn + 4] = struct.pack("<I", 0x7FC00000)
    seeds["broken-nan-value"] = bytes(nan)
    seeds["broken-missing-tensor"] = with_header(
        tiny_mlp, lambda hd: hd.pop("layers.0.bias") and None)
    # Metadata.
    seeds["meta-no-format"] = with_metadata(tiny_mlp, format=None)
    seeds["meta-other-format"] = with_metadata(tiny_mlp, format="pytorch")
    seeds["meta-long-format"] = with_metadata(tiny_mlp, format="x" * 5000)
    seeds["meta-no-architecture"] = with_metadata(tiny_mlp, architecture=None)
    seeds["meta-unknown-architecture"] = with_metadata(tiny_mlp, architecture="ncsn-transformer")
    seeds["meta-unet-architecture-on-mlp"] = with_metadata(tiny_mlp, architecture="ncsn-unet")
    seeds["meta-no-config"] = with_metadata(tiny_mlp, config=None)
    seeds["meta-config-not-json"] = with_metadata(tiny_mlp, config="{dim: 2")
    seeds["meta-config-array"] = with_metadata(tiny_mlp, config="[1, 2]")
    seeds["meta-config-deep"] = with_metadata(
        tiny_mlp, config='{"dim":' + "[" * 40 + "]" * 40 + "}")
    seeds["meta-not-string"] = with_header(
        tiny_mlp, lambda hd: hd["__metadata__"].__setitem__("format", 1))
    # Config values.
    def put(key, value):
        return lambda c: c.__setitem__(key, value)
    def put_sampling(key, value):
        return lambda c: c.setdefault("sampling", {}).__setitem__(key, value)
    for name, edit in {
        "unknown-key": put("dims", 2),
        "dim-zero": put("dim", 0),
        "dim-float": put("dim", 2.0),
        "hidden-zero": put("hidden", [0]),
        "sigmas-empty": put("sigmas", []),
        "sigmas-increasing": put("sigmas", [0.1, 1.0]),
        "sigmas-tiny": put("sigmas", [1e-7]),
        "data-shape-wrong": put("data_shape", [3]),
        "sampler-unknown": put_sampling("sampler", "ddpm"),
        "sampler-empty": put_sampling("sampler", ""),
        "sampling-unknown-key": put_sampling("temperature", 1),
        "steps-zero": put_sampling("steps_per_level", 0),
        "steps-max": put_sampling("steps_per_level", 1 << 30),
        "step-size-tiny": put_sampling("step_size", 1e-50),
        "step-size-huge": put_sampling("step_size", 1e39),
        "denoise-string": put_sampling("denoise", "yes"),
        "snr-negative": put_sampling("snr", -0.3),
        "snr-huge": put_sampling("snr", 1e39),
        "sampling-array": put("sampling", [1]),
    }.items():
        seeds["config-mlp-" + name] = with_config(tiny_mlp, edit)
    for name, edit in {
        "groups-mismatch": put("groups", 3),
        "channels-empty": put("channels", []),
        "levels-too-many": put("channels", [2] * 9),
        "shape-odd": put("data_shape", [5, 4, 1]),
        "side-over-limit": put("data_shape", [4097, 4, 1]),
    }.items():
        seeds["config-unet-" + name] = with_config(tiny_unet, edit)
    # Valid files whose network is huge (issue 9, items 1-2): the U-Net's tensors do not depend on
    # the image size, so only data_shape changes. fuzz_model_load loads them and skips the score.
    for shape in ([2048, 2048, 1], [4096, 4096, 1], [256, 256, 1]):
        seeds["hostile-unet-%dx%dx%d" % tuple(shape)] = with_config(
            tiny_unet, put("data_shape", shape))
    return seeds


def assemble_raw(header_text, payload):
    header_text = header_text + b" " * ((8 - len(header_text) % 8) % 8)
    return struct.pack("<Q", len(header_text)) + header_text + payload


# fuzz_sampler_options.cc's option encoding (sw_fuzz::Reader): bytes from the front, little-endian.
def u8(v):
    return struct.pack("<B", v & 0xFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def i32(v):
    return struct.pack("<i", v)


def u64(v):
    return struct.pack("<Q", v)


def f32(v):
    """Reader::Float(): tag 1 (odd) then the raw float bits."""
    return b"\x01" + struct.pack("<f", v)


def options(mode=0, dim=2, weights=(0.5, 0.5), means=(-2, -2, 2, 2), stds=(0.5, 0.5), kind=1,
            sigmas=(3.0, 1.0, 0.3), geometric_args=(3.0, 0.1, 5), steps=3, step_size=0.05,
            seed=7, init=0, lo=0.0, hi=1.0, n=4, points=()):
    k = len(weights)
    out = u8(mode) + u8(dim - 1) + u8(k - 1)
    out += b"".join(f32(v) for v in weights) + b"".join(f32(v) for v in means)
    out += b"".join(f32(v) for v in stds)
    out += u8(kind) + u8(len(sigmas))
    if mode & 2:
        hi_s, lo_s, levels = geometric_args
        out += f32(hi_s) + f32(lo_s) + u32(levels + 1)
    else:
        out += b"".join(f32(v) for v in sigmas)
    out += i32(steps) if mode & 4 else u8(steps + 1)
    out += f32(step_size) + u64(seed) + u8(init) + f32(lo) + f32(hi) + u8(n - 1)
    out += u8(len(points)) + b"".join(f32(v) for v in points)
    return out


SAMPLER_NAMES = {"": 0, "annealed-langevin": 1, "langevin": 2, "ddpm": 3}


def request(mode=0, sampler="", sigmas=(), sigmas_max=0.0, sigmas_min=0.0, levels=0,
            steps_per_level=0, denoise=-1, sigma=0.0, steps=0, step_size=0.0, seed=11, init=0,
            lo=0.0, hi=1.0, n=1):
    """A SamplingRequest as FuzzResolve() in fuzz_sampler_options.cc decodes it (part 3). The
    mode's bits: 1 levels as int32, 2 steps_per_level as int32, 4 has_sigma, 8 steps as int32,
    16 min_sigma 1e-6; mode >> 5 is n - 1."""
    mode |= (n - 1) << 5
    out = u8(mode) + u8(SAMPLER_NAMES[sampler]) + u8(len(sigmas))
    out += b"".join(f32(v) for v in sigmas) + f32(sigmas_max) + f32(sigmas_min)
    out += i32(levels) if mode & 1 else u8(levels + 2)
    out += i32(steps_per_level) if mode & 2 else u8(steps_per_level + 1)
    out += u8(denoise + 1) + f32(sigma)
    out += i32(steps) if mode & 8 else u8(steps + 1)
    out += f32(step_size) + u64(seed) + u8(init) + f32(lo) + f32(hi)
    return out


def sampler_options_seeds():
    configs = {}
    for name in sorted(os.listdir(MODELS)):
        if name.endswith(".safetensors"):
            with open(os.path.join(MODELS, name), "rb") as f:
                header, _ = parse(f.read())
            configs[name[: -len(".safetensors")]] = header["__metadata__"]["config"].encode()
    base = json.dumps({"dim": 2, "hidden": [4], "sigma_embedding_freqs": 2,
                       "sigmas": [2.0, 0.5, 0.1], "sampling": SAMPLING}).encode()

    def cfg(**sampling):
        s = dict(SAMPLING)
        s.update(sampling)
        return json.dumps({"sigmas": [2.0, 0.5, 0.1], "sampling": s}).encode()

    texts = dict(configs)
    texts.update({
        "base": base,
        "langevin": cfg(sampler="langevin"),
        "no-sampling": b'{"sigmas":[1.0,0.1]}',
        "empty-sampling": b'{"sigmas":[1.0],"sampling":{}}',
        "unknown-sampler": cfg(sampler="euler"),
        "unknown-sampling-key": cfg(extra=1),
        "steps-max": cfg(steps_per_level=1 << 30),
        "steps-float": cfg(steps_per_level=2.0),
        "step-size-tiny": cfg(step_size=1e-50),
        "step-size-huge": cfg(step_size=1e39),
        "no-sigmas": b'{"sampling":{}}',
        "not-object": b"[1,2,3]",
        "not-json": b'{"sigmas":[1.0',
        "deep": b'{"sigmas":[1],"sampling":{"sampler":' + b"[" * 40 + b"]" * 40 + b"}}",
        "empty": b"",
    })
    opts = {
        "annealed": options(),
        "annealed-denoise-pool": options(mode=8 | 16),
        "langevin": options(kind=0, sigmas=(0.5,), steps=6),
        "langevin-sigma-zero": options(kind=0, sigmas=(0.0,), steps=4),
        "geometric": options(mode=2, geometric_args=(5.0, 0.05, 6), steps=2),
        "geometric-one-level": options(mode=2, geometric_args=(1.0, 1.0, 1)),
        "uniform": options(init=1, lo=-3.0, hi=3.0, mode=16),
        "given": options(init=2, n=2, points=(0.1, 0.2, -0.3, 0.4)),
        "given-wrong-count": options(init=2, n=2, points=(0.1,)),
        "steps-huge": options(mode=4, steps=(1 << 31) - 1),
        "steps-negative": options(mode=4, steps=-5),
        "step-size-nan": options(step_size=float("nan")),
        "sigmas-increasing": options(sigmas=(0.1, 1.0)),
        "kind-unknown": options(kind=3),
        "init-unknown": options(init=3),
        "mixture-invalid": options(weights=(-1.0,), means=(0, 0), stds=(1.0,)),
        "one-d-three-components": options(dim=1, weights=(1, 2, 3), means=(-3, 0, 3),
                                          stds=(0.2, 0.5, 1.0), n=8, mode=16),
        "uniform-overflow": options(init=1, lo=-3e38, hi=3e38),
    }
    seeds = {}
    for tname, text in texts.items():
        seeds["config-" + tname] = text
    for oname, o in opts.items():
        seeds["options-" + oname] = base + b"\0" + o
    seeds["both-langevin"] = texts["langevin"] + b"\0" + opts["langevin"]
    # Part 3: a caller's request on top of a file's config (or none).
    requests = {
        "nothing": request(),
        "steps-override": request(steps_per_level=3, n=4),
        "geometric": request(sigmas_max=4.0, sigmas_min=0.1, levels=5, steps_per_level=2),
        "geometric-huge": request(mode=1, sigmas_max=4.0, sigmas_min=0.1, levels=(1 << 31) - 1),
        "listed-and-geometric": request(sigmas=(2.0, 1.0), sigmas_max=4.0, sigmas_min=0.1,
                                        levels=3),
        "listed": request(sigmas=(2.0, 1.0, 0.5), denoise=1, step_size=0.01),
        "langevin": request(sampler="langevin", mode=4, sigma=0.3, steps=5, step_size=0.01),
        "langevin-min-sigma": request(sampler="langevin", mode=16, steps=3, step_size=0.01),
        "langevin-with-sigmas": request(sampler="langevin", sigmas=(1.0,), steps=2),
        "annealed-with-sigma": request(sampler="annealed-langevin", mode=4, sigma=0.5),
        "unknown-sampler": request(sampler="ddpm"),
        "steps-negative": request(mode=2, steps_per_level=-3),
        "denoise-invalid": request(denoise=2),
        "step-size-nan": request(step_size=float("nan")),
    }
    for cname in ("base", "langevin", "no-sampling", "empty", "moons"):
        if cname not in texts:
            continue
        for rname, q in requests.items():
            seeds["resolve-%s-%s" % (cname, rname)] = texts[cname] + b"\0" + opts["annealed"] + q
    return seeds


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for target, seeds in (("model_load", model_load_seeds()),
                          ("sampler_options", sampler_options_seeds())):
        folder = os.path.join(out, target)
        os.makedirs(folder, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        print("%s: %d seeds in %s" % (target, len(seeds), folder))


if __name__ == "__main__":
    main()
