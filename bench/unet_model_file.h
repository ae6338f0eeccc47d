// The U-Net model file that the image benchmarks (SamplingUnetGrid, UnetLayers) load: --model=PATH,
// or the shipped mnist. Without it, or with another architecture, a benchmark says so and is
// skipped, so that the CI smoke run passes before the models exist.
#pragma once

#include <string>

#include "bench.h"
#include "models/model_file.h"

namespace sw {
namespace bench {

// Loads the file into *loaded and its path into *path; false, after printing "<bench_name>:
// skipped: <why>", when it is missing, invalid or not an ncsn-unet model.
bool LoadUnetModelFile(const char* bench_name, const Context& ctx, std::string* path,
                       LoadedModel* loaded);

}  // namespace bench
}  // namespace sw
