#include "unet_model_file.h"

#include <cstdio>

#include "models/ncsn_unet.h"

namespace sw {
namespace bench {
namespace {

constexpr char kDefaultUnetModel[] = "web/models/mnist.safetensors";

bool FileExists(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) std::fclose(f);
  return f != nullptr;
}

}  // namespace

bool LoadUnetModelFile(const char* bench_name, const Context& ctx, std::string* path,
                       LoadedModel* loaded) {
  *path = ctx.model.empty() ? kDefaultUnetModel : ctx.model;
  if (!FileExists(*path)) {
    std::printf("%s: skipped: no model file %s (pass --model=PATH)\n\n", bench_name, path->c_str());
    return false;
  }
  const Status status = LoadScoreModelFile(*path, loaded);
  if (!status.ok()) {
    std::printf("%s: skipped: %s\n\n", bench_name, status.ToString().c_str());
    return false;
  }
  if (loaded->architecture != kNcsnUnetArchitecture) {
    std::printf("%s: skipped: %s is an \"%s\" model, not \"%s\"\n\n", bench_name, path->c_str(),
                loaded->architecture.c_str(), kNcsnUnetArchitecture);
    return false;
  }
  return true;
}

}  // namespace bench
}  // namespace sw
