// The shipped architectures as standard ONNX graphs (opset kOnnxOpset), so that a model file runs
// in onnxruntime and other ONNX runtimes: an independent reference for our kernels, and the peer
// our benchmarks race (bench/peers). Each graph computes what ScoreModel::ScoreRows computes, from
// the same weights, with the same order of operations where it matters for rounding (the σ
// embedding in double, the score multiplied by the float reciprocal of σ):
//   inputs  "x"      [n, ...]  the model's own layout: [n, dim] for ncsn-mlp, [n, H, W, C]
//                              (channels last) for ncsn-unet
//           "sigma"  [n]       one σ > 0 per row
//   output  "score"  x's shape
// The U-Net transposes to channels first inside the graph (ONNX's Conv layout) and back.
#pragma once

#include <onnx/onnx_pb.h>

#include "core/status.h"
#include "io/safetensors.h"

namespace sw {

// The graph of a model file (read and validated by the architecture's own reader: INVALID_MODEL
// for a bad file, or for an architecture without an exporter). *out unchanged on error.
Status ExportOnnx(const SafetensorsFile& file, onnx::ModelProto* out);

// onnx's model checker and its strict shape inference (INTERNAL naming the problem: a graph this
// library wrote is wrong).
Status CheckOnnx(const onnx::ModelProto& model);

}  // namespace sw
