// The ONNX export (onnx/onnx_export.h) of every shipped model: onnx's checker and strict shape
// inference accept the graph, its interface is the documented one, and its initializers hold
// exactly the model file's weights (each float once, the σ embedding's 2π f in double). That the
// graph computes model.score is checked numerically in onnxruntime by tests/node/onnx.test.mjs.
// Native only (libonnx).
#include "onnx/onnx_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "layers/sigma_embedding.h"
#include "models/model_file_keys.h"
#include "models/ncsn_unet.h"
#include "onnx/onnx_graph.h"
#include "shipped_models.h"

namespace sw {
namespace {

SafetensorsFile ReadShipped(const std::string& name) {
  std::vector<uint8_t> bytes;
  SafetensorsFile file;
  const std::string path = std::string(SCORE_MODELS_DIR) + "/" + name + ".safetensors";
  EXPECT_TRUE(ReadFileBytes(path, &bytes).ok()) << path;
  EXPECT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &file).ok()) << path;
  return file;
}

// The shape of a graph input or output: -1 for the symbolic batch dimension.
std::vector<int64_t> ValueShape(const onnx::ValueInfoProto& value) {
  std::vector<int64_t> shape;
  for (const auto& d : value.type().tensor_type().shape().dim())
    shape.push_back(d.has_dim_param() ? -1 : d.dim_value());
  return shape;
}

class ShippedOnnx : public testing::TestWithParam<const char*> {};

TEST_P(ShippedOnnx, PassesOnnxCheckerAndStrictShapeInference) {
  onnx::ModelProto model;
  ASSERT_TRUE(ExportOnnx(ReadShipped(GetParam()), &model).ok());
  const Status check = CheckOnnx(model);
  EXPECT_TRUE(check.ok()) << check.ToString();
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).version(), kOnnxOpset);
  // Survives a serialise / parse round trip unchanged.
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  onnx::ModelProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  std::string again;
  ASSERT_TRUE(parsed.SerializeToString(&again));
  EXPECT_EQ(again, bytes);
}

TEST_P(ShippedOnnx, HasTheDocumentedInputsAndOutput) {
  const SafetensorsFile file = ReadShipped(GetParam());
  onnx::ModelProto model;
  ASSERT_TRUE(ExportOnnx(file, &model).ok());
  const onnx::GraphProto& g = model.graph();
  ASSERT_EQ(g.input_size(), 2);
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.input(0).name(), "x");
  EXPECT_EQ(g.input(1).name(), "sigma");
  EXPECT_EQ(g.output(0).name(), "score");
  const bool image = file.metadata.at(kMetadataArchitectureKey) == "ncsn-unet";
  const std::vector<int64_t> x_shape =
      image ? std::vector<int64_t>{-1, 28, 28, 1} : std::vector<int64_t>{-1, 2};
  EXPECT_EQ(ValueShape(g.input(0)), x_shape);
  EXPECT_EQ(ValueShape(g.input(1)), std::vector<int64_t>{-1});
  EXPECT_EQ(ValueShape(g.output(0)), x_shape);
}

// Every float of the model file appears in the graph's float initializers as often as in the file
// (the convolutions are permuted, not changed), and no other float weights are there beyond the
// few constants the graph adds (GroupNorm's ε, the up-sampling scales).
TEST_P(ShippedOnnx, InitializersHoldExactlyTheFilesWeights) {
  const SafetensorsFile file = ReadShipped(GetParam());
  onnx::ModelProto model;
  ASSERT_TRUE(ExportOnnx(file, &model).ok());
  std::map<uint32_t, int64_t> counts;  // bit pattern -> (file count - graph count)
  size_t file_floats = 0;
  const Tensor* freqs = file.Find(kSigmaEmbeddingFreqsName);
  ASSERT_NE(freqs, nullptr);
  for (const Tensor& t : file.tensors) {
    if (&t == freqs) continue;
    for (float v : t.data) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      ++counts[bits];
      ++file_floats;
    }
  }
  size_t graph_floats = 0, constants = 0;
  bool saw_freqs = false;
  for (const onnx::TensorProto& t : model.graph().initializer()) {
    if (t.data_type() == onnx::TensorProto::DOUBLE && t.name().rfind("precondition.", 0) == 0) {
      // EDM's σ_d and σ_d², in double, from the config's float.
      NcsnUnetConfig config;
      ASSERT_TRUE(ParseNcsnUnetConfig(file.metadata.at(kMetadataConfigKey), &config).ok());
      const double d = config.sigma_data;
      ASSERT_GT(d, 0.0);
      ASSERT_EQ(t.double_data_size(), 1);
      EXPECT_EQ(t.double_data(0), t.name() == "precondition.d" ? d : d * d) << t.name();
      continue;
    }
    if (t.data_type() == onnx::TensorProto::DOUBLE) {
      ASSERT_EQ(t.name(), "sigma_embed.two_pi_freqs");
      ASSERT_EQ(static_cast<size_t>(t.double_data_size()), freqs->data.size());
      for (size_t j = 0; j < freqs->data.size(); ++j)
        EXPECT_EQ(t.double_data(j), kSigmaEmbeddingTwoPi * static_cast<double>(freqs->data[j]));
      saw_freqs = true;
      continue;
    }
    if (t.data_type() != onnx::TensorProto::FLOAT) continue;
    const std::string& raw = t.raw_data();
    ASSERT_EQ(raw.size() % 4, 0u) << t.name();
    const bool weight = t.name().size() > 7 && (t.name().rfind(".weight") == t.name().size() - 7 ||
                                                t.name().rfind(".bias") == t.name().size() - 5);
    for (size_t i = 0; i < raw.size(); i += 4) {
      uint32_t bits;
      std::memcpy(&bits, raw.data() + i, 4);
      if (weight) {
        --counts[bits];
        ++graph_floats;
      } else {
        ++constants;
      }
    }
  }
  EXPECT_TRUE(saw_freqs);
  EXPECT_EQ(graph_floats, file_floats);
  EXPECT_LE(constants, 5u);  // ε and the four up-sampling scales
  for (const auto& [bits, difference] : counts) ASSERT_EQ(difference, 0) << "float bits " << bits;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedOnnx,
                         testing::Values("moons", "rings", "swiss-roll", "checkerboard", "mnist",
                                         "fashion-mnist"),
                         ShippedModelTestName);

TEST(OnnxExport, RefusesAFileItCannotExportAndLeavesTheOutputUnchanged) {
  SafetensorsFile file = ReadShipped("moons");
  onnx::ModelProto out;
  out.set_producer_name("unchanged");
  file.metadata[kMetadataArchitectureKey] = "ncsn-transformer";
  Status s = ExportOnnx(file, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("ncsn-transformer"), std::string::npos) << s.message();
  // A known architecture whose tensors do not fit its config: the architecture's own reader says
  // so.
  file = ReadShipped("moons");
  file.tensors.pop_back();
  s = ExportOnnx(file, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_EQ(out.producer_name(), "unchanged");
  EXPECT_EQ(out.graph().node_size(), 0);
}

TEST(OnnxExport, CheckOnnxReportsABrokenGraphAsInternal) {
  onnx::ModelProto model;
  ASSERT_TRUE(ExportOnnx(ReadShipped("moons"), &model).ok());
  model.mutable_graph()->mutable_node(0)->set_input(0, "no_such_value");
  const Status s = CheckOnnx(model);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("no_such_value"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace sw
