// Shared by the tests of the models shipped in web/models: load one by name, and sample it with the
// settings stored in its file (what model.sample({ n }) does in the package).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "models/model_file.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace sw {

// Loads web/models/<name>.safetensors into *loaded and draws n samples with its recommended
// sampler options and `seed`, on 2 threads.
inline testing::AssertionResult SampleShippedModel(const std::string& name, size_t n, uint64_t seed,
                                                   LoadedModel* loaded,
                                                   std::vector<float>* samples) {
  const std::string path = std::string(SCORE_MODELS_DIR) + "/" + name + ".safetensors";
  Status status = LoadScoreModelFile(path, loaded);
  if (!status.ok()) return testing::AssertionFailure() << path << ": " << status.ToString();
  SamplerOptions options;
  status = RecommendedSamplerOptions(*loaded, &options);
  if (!status.ok()) return testing::AssertionFailure() << path << ": " << status.ToString();
  options.seed = seed;
  ThreadPool pool(2);
  status = Sample(*loaded->model, n, options, &pool, 0, samples);
  if (!status.ok()) return testing::AssertionFailure() << path << ": " << status.ToString();
  return testing::AssertionSuccess();
}

// A test-name suffix for a model name ("fashion-mnist" -> "fashion_mnist"), for a parameter that
// is the name or a case struct with a `model` member.
inline std::string ModelTestIdentifier(std::string name) {
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}
inline std::string ShippedModelTestName(const testing::TestParamInfo<const char*>& info) {
  return ModelTestIdentifier(info.param);
}
template <class Case>
std::string ShippedModelCaseName(const testing::TestParamInfo<Case>& info) {
  return ModelTestIdentifier(info.param.model);
}

}  // namespace sw
