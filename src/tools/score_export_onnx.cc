// score-export-onnx: writes a model file's network as a standard ONNX graph (onnx/onnx_export.h),
// checked by onnx's checker and shape inference before it is written. The graph takes "x" in the
// model's own layout and "sigma" (one σ per row) and returns "score", as model.score does.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "onnx/onnx_export.h"
#include "onnx/onnx_graph.h"
#include "tools/cli.h"

namespace {

using sw::Status;

int Run(int argc, char** argv) {
  cxxopts::Options cli("score-export-onnx",
                       "Writes the network of a score-wasm model file as an ONNX graph (opset " +
                           std::to_string(sw::kOnnxOpset) +
                           "): inputs x and sigma [n], output score.");
  // clang-format off
  cli.add_options()
    ("model", "model file (.safetensors) to export", cxxopts::value<std::string>())
    ("out", "ONNX file to write", cxxopts::value<std::string>())
    ("help", "print this help");
  // clang-format on
  int exit_code = 0;
  const std::optional<cxxopts::ParseResult> parsed =
      sw::cli::Parse(cli, argc, argv, {"model", "out"}, &exit_code);
  if (!parsed) return exit_code;
  const std::string model_path = (*parsed)["model"].as<std::string>();
  const std::string out_path = (*parsed)["out"].as<std::string>();

  std::vector<uint8_t> bytes;
  sw::SafetensorsFile file;
  onnx::ModelProto model;
  if (Status s = sw::ReadFileBytes(model_path, &bytes); !s.ok())
    return sw::cli::Fail("score-export-onnx", s);
  if (Status s = sw::ReadSafetensors(bytes.data(), bytes.size(), &file); !s.ok())
    return sw::cli::Fail("score-export-onnx", s);
  if (Status s = sw::ExportOnnx(file, &model); !s.ok())
    return sw::cli::Fail("score-export-onnx", s);
  if (Status s = sw::CheckOnnx(model); !s.ok()) return sw::cli::Fail("score-export-onnx", s);
  std::string serialized;
  if (!model.SerializeToString(&serialized)) {
    return sw::cli::Fail("score-export-onnx",
                         Status(sw::StatusCode::kInternal, "the graph did not serialise"));
  }
  if (Status s =
          sw::WriteFileBytes(out_path, std::vector<uint8_t>(serialized.begin(), serialized.end()));
      !s.ok())
    return sw::cli::Fail("score-export-onnx", s);
  std::printf("%s: %s, %d nodes, %d initializers, %zu bytes\n", out_path.c_str(),
              model.graph().name().c_str(), model.graph().node_size(),
              model.graph().initializer_size(), serialized.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return sw::cli::Main("score-export-onnx", Run, argc, argv); }
