// A small builder of ONNX graphs over onnx's own protobuf classes (Debian's libonnx): values are
// named by the builder, weights become initializers, and every node is one standard operator of
// the default domain. The exporters (onnx/onnx_export.h) write each network with it; the
// serialising, checking and shape inference are onnx's and protobuf's.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace sw {

// The opset the exporters write: 17 is the newest Debian's onnx 1.12 checks, and every operator
// used here (Conv, Gemm, AveragePool, Resize, ReduceMean with an axes attribute, ...) has had its
// current form since opset 13 or earlier.
inline constexpr int64_t kOnnxOpset = 17;

class OnnxGraphBuilder {
 public:
  // A graph input or output of float elements (kFloat) with a dynamic first dimension named "n"
  // (the batch) followed by `dims`.
  void AddBatchInput(const std::string& name, const std::vector<int64_t>& dims);
  // The graph output `name`: an Identity of `value` (the builder names every value itself).
  void AddBatchOutput(const std::string& value, const std::string& name,
                      const std::vector<int64_t>& dims);

  // Initializers: the values are copied into the graph; the returned name refers to them.
  std::string Floats(const std::string& name, const std::vector<int64_t>& shape,
                     const std::vector<float>& values);
  std::string Doubles(const std::string& name, const std::vector<int64_t>& shape,
                      const std::vector<double>& values);
  std::string Int64s(const std::string& name, const std::vector<int64_t>& values);

  // Adds a node of `op` with `inputs` (an empty name: an optional input left out) and
  // `attributes`, named after `hint`, and returns its (only) output's name.
  std::string Op(const std::string& op, std::initializer_list<std::string> inputs,
                 const std::string& hint,
                 std::initializer_list<onnx::AttributeProto> attributes = {});

  // The model: this graph, opset kOnnxOpset, and the producer's name; the builder is left empty.
  onnx::ModelProto TakeModel(const std::string& graph_name, const std::string& doc);

 private:
  onnx::GraphProto graph_;
  size_t next_id_ = 0;
};

// Node attributes.
onnx::AttributeProto OnnxInt(const std::string& name, int64_t value);
onnx::AttributeProto OnnxInts(const std::string& name, const std::vector<int64_t>& values);
onnx::AttributeProto OnnxString(const std::string& name, const std::string& value);

// SiLU(x) = x · sigmoid(x), as two nodes (opset 17 has no SiLU operator).
std::string OnnxSilu(OnnxGraphBuilder* g, const std::string& x, const std::string& hint);

}  // namespace sw
