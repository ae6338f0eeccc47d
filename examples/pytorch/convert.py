#!/usr/bin/env python3
"""Converts between score-wasm model files (.safetensors) and PyTorch checkpoints (.pt).

    python3 convert.py to-torch model.safetensors model.pt
    python3 convert.py to-safetensors model.pt model.safetensors

A .pt here is torch.save of {"state_dict": the module's state_dict (PyTorch layouts), "metadata":
the model file's "__metadata__" (format, architecture, config JSON text and any other entries,
kept verbatim), "dtype": "F32" or "F16", how the file stores its values}. Converting back writes
the header and data exactly as the C++ writer (src/io/safetensors.cc) does, so a file the package
wrote comes back byte for byte.

The format (no Python safetensors package needed): an 8-byte little-endian header length, the JSON
header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the raw little-endian
tensor data. Only F32 and F16 are read and written: the package loads nothing else.
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

from score_models import build_model

_NUMPY_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}
_METADATA = "__metadata__"


def read_safetensors(data):
    """(metadata, {name: float32 array}, {name: stored dtype}), tensors in data-offset order."""
    data = memoryview(data)
    if len(data) < 8:
        raise ValueError("not a safetensors file: shorter than its 8-byte header length")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise ValueError(f"header length {header_len} exceeds the file (truncated?)")
    header = json.loads(bytes(data[8:8 + header_len]).decode("utf-8"))
    body = data[8 + header_len:]
    metadata = header.pop(_METADATA, {})
    tensors, dtypes = {}, {}
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        dtype = entry["dtype"]
        if dtype not in _NUMPY_DTYPES:
            raise ValueError(f"tensor {name!r} has dtype {dtype}; score-wasm files hold F32 or F16")
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(body) or end - begin != count * _NUMPY_DTYPES[dtype].itemsize:
            raise ValueError(f"tensor {name!r}: data_offsets {[begin, end]} do not fit shape {list(shape)}")
        values = np.frombuffer(body, dtype=_NUMPY_DTYPES[dtype], count=count, offset=begin)
        tensors[name] = values.astype(np.float32).reshape(shape)
        dtypes[name] = dtype
    return metadata, tensors, dtypes


def _json_string(text):
    # nlohmann's dump() of a string: UTF-8 kept, the same escapes as Python's with ensure_ascii off.
    return json.dumps(text, ensure_ascii=False)


def write_safetensors(metadata, tensors, dtype="F32"):
    """Bytes of a file with `metadata` and the (name, array) pairs of `tensors` in that order, every
    value stored as `dtype`: src/io/safetensors.cc's layout (metadata first with its keys sorted,
    compact JSON, the header padded with spaces to a multiple of 8 bytes)."""
    np_dtype = _NUMPY_DTYPES[dtype]
    fields, chunks, offset = [], [], 0
    if metadata:
        entries = ",".join(f"{_json_string(k)}:{_json_string(metadata[k])}" for k in sorted(metadata))
        fields.append(f'"{_METADATA}":{{{entries}}}')
    for name, array in tensors:
        array = np.asarray(array, dtype=np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"tensor {name!r} holds a non-finite value; score-wasm refuses it")
        stored = array.astype(np_dtype)
        if not np.all(np.isfinite(stored)):
            raise ValueError(f"tensor {name!r} overflows {dtype} (largest 65504)")
        raw = stored.tobytes()
        shape = ",".join(str(d) for d in array.shape)
        fields.append(f'{_json_string(name)}:{{"dtype":"{dtype}","shape":[{shape}],'
                      f'"data_offsets":[{offset},{offset + len(raw)}]}}')
        chunks.append(raw)
        offset += len(raw)
    header = ("{" + ",".join(fields) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(chunks)


# Model files store every linear map as in × out (the transpose of nn.Linear.weight) and a 3×3
# convolution as (9 · in) × out with rows in (ky, kx, in-channel) order (src/layers/conv3x3.h).
def _owner(model, name):
    path, _, attr = name.rpartition(".")
    return (model.get_submodule(path) if path else model), attr


def torch_to_file_layout(model, name, value):
    module, attr = _owner(model, name)
    value = value.detach().cpu().float().numpy()
    if attr != "weight":
        return value
    if isinstance(module, nn.Linear):
        return value.T
    if isinstance(module, nn.Conv2d):
        out, cin, kh, kw = value.shape
        return value.transpose(2, 3, 1, 0).reshape(kh * kw * cin, out)
    return value


def file_to_torch_layout(model, name, value, torch_shape):
    module, attr = _owner(model, name)
    if attr == "weight" and isinstance(module, nn.Linear):
        value = value.T
    elif attr == "weight" and isinstance(module, nn.Conv2d):
        out, cin, kh, kw = torch_shape
        value = value.reshape(kh, kw, cin, out).transpose(3, 2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(value))


def file_tensors(model):
    """The model's tensors as the file stores them, in the C++ tensor table's order."""
    return [(name, torch_to_file_layout(model, name, value)) for name, value in model.state_dict().items()]


def model_from_tensors(metadata, tensors):
    """A module for the model file's metadata and tensors (names and shapes checked as the C++
    loader checks them: every expected tensor with its exact shape, no others)."""
    if metadata.get("format") != "score-wasm":
        raise ValueError(f'metadata "format" is {metadata.get("format")!r}; expected "score-wasm"')
    model = build_model(metadata.get("architecture"), json.loads(metadata["config"]))
    expected = {name: torch_to_file_layout(model, name, value).shape
                for name, value in model.state_dict().items()}
    unexpected = sorted(set(tensors) - set(expected))
    if unexpected:
        raise ValueError(f"unexpected tensors {unexpected} (not part of the architecture the config describes)")
    state = {}
    for name, value in model.state_dict().items():
        if name not in tensors:
            raise ValueError(f"tensor {name!r} is missing (the config implies it)")
        if tensors[name].shape != expected[name]:
            raise ValueError(f"tensor {name!r} has shape {list(tensors[name].shape)}; "
                             f"the config implies {list(expected[name])}")
        state[name] = file_to_torch_layout(model, name, tensors[name], value.shape)
    model.load_state_dict(state)
    return model


def load_model_file(source):
    """(module, metadata) from a model file's path or bytes; metadata is its "__metadata__"."""
    if not isinstance(source, (bytes, bytearray, memoryview)):
        with open(source, "rb") as f:
            source = f.read()
    metadata, tensors, _ = read_safetensors(source)
    return model_from_tensors(metadata, tensors), metadata


def model_file_bytes(model, metadata, dtype="F32"):
    """The bytes of a model file of `model` (the module's weights, the file's layouts) with
    `metadata` (needs "format", "architecture" and "config")."""
    for key in ("format", "architecture", "config"):
        if key not in metadata:
            raise ValueError(f'metadata lacks "{key}"')
    if metadata["architecture"] != model.architecture:
        raise ValueError(f'metadata says {metadata["architecture"]!r}; the module is {model.architecture!r}')
    return write_safetensors(metadata, file_tensors(model), dtype)


def config_json(architecture, config):
    """The "config" text as the C++ writes it (NcsnMlpConfigToJson, NcsnUnetConfigToJson): keys in
    its order, compact, σ as the shortest decimal of the float32 value."""
    keys = {"ncsn-mlp": ["dim", "hidden", "sigma_embedding_freqs", "sigmas", "data_shape", "sampling"],
            "ncsn-unet": ["data_shape", "channels", "groups", "sigma_embedding_freqs", "embedding_dim",
                          "sigmas", "sampling", "sigma_data"]}[architecture]
    ordered = {k: config[k] for k in keys if k in config}
    if "sigma_data" in ordered:
        ordered["sigma_data"] = float(np.float32(ordered["sigma_data"]))
    ordered["sigmas"] = [float(np.float32(s)) for s in config["sigmas"]]
    if "sampling" in ordered:
        s = ordered["sampling"]
        ordered["sampling"] = {"sampler": s.get("sampler", "annealed-langevin"),
                               "steps_per_level": int(s.get("steps_per_level", 100)),
                               "step_size": float(s.get("step_size", 2e-5)),
                               "denoise": bool(s.get("denoise", True))}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def to_torch(src, dst):
    with open(src, "rb") as f:
        metadata, tensors, dtypes = read_safetensors(f.read())
    model = model_from_tensors(metadata, tensors)
    # A file mixing dtypes (the C++ writer never makes one) comes back as F32, which loses nothing.
    dtype = "F16" if dtypes and set(dtypes.values()) == {"F16"} else "F32"
    torch.save({"state_dict": model.state_dict(), "metadata": dict(metadata), "dtype": dtype}, dst)


def load_torch_checkpoint(src):
    """(module, metadata, dtype) from a .pt written by to_torch (or by hand in the same form)."""
    checkpoint = torch.load(src, map_location="cpu")
    metadata = checkpoint["metadata"]
    model = build_model(metadata["architecture"], json.loads(metadata["config"]))
    model.load_state_dict(checkpoint["state_dict"])
    return model, metadata, checkpoint.get("dtype", "F32")


def to_safetensors(src, dst):
    model, metadata, dtype = load_torch_checkpoint(src)
    with open(dst, "wb") as f:
        f.write(model_file_bytes(model, metadata, dtype))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("to-torch", "model file -> .pt"), ("to-safetensors", ".pt -> model file")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("src")
        p.add_argument("dst")
    args = parser.parse_args(argv)
    (to_torch if args.command == "to-torch" else to_safetensors)(args.src, args.dst)


if __name__ == "__main__":
    sys.exit(main())
