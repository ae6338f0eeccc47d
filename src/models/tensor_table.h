// The tensors of an architecture, described once: the name, shape and initialisation rule of each,
// in the model file's order. An architecture walks its config once to produce the table (and binds
// views of its weights by the same walk); the functions here turn the table into validation,
// initialisation and both directions of the safetensors mapping, so no architecture writes those.
//
// A weights struct is seen through a TensorList: pointers to its tensors' vectors, one per table
// entry and in table order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"

namespace sw {

enum class TensorInit {
  kNormalFanIn,     // N(0, 1 / shape[0]): a dense or convolution weight (in × out)
  kStandardNormal,  // N(0, 1): the σ embedding's Fourier frequencies
  kZeros,           // biases, GroupNorm shifts
  kOnes,            // GroupNorm scales
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorInit init = TensorInit::kZeros;
  // The Philox sample index of the normal draws (RandomStream::kInit): each tensor has its own, so
  // changing one layer's size leaves the others' draws alone.
  uint64_t init_stream = 0;
  bool trainable = true;  // false: fixed by the initialisation (the Fourier frequencies)

  uint64_t elements() const;  // the product of shape (a valid config keeps it within 2^48)
};
using TensorTable = std::vector<TensorSpec>;
// Tensors by pointer, in some fixed order (a table's, or a trainable network's Parameters()).
using TensorList = std::vector<std::vector<float>*>;
using ConstTensorList = std::vector<const std::vector<float>*>;

// Every slot has its entry's element count and only finite values; INVALID_MODEL naming the tensor.
Status CheckTableTensors(const char* architecture, const TensorTable& table,
                         const ConstTensorList& slots);

// Copies exactly the table's tensors of `file` into the slots: each present with its shape, no
// other tensor in the file, every value finite. INVALID_MODEL otherwise; the slots may then hold
// part of the file.
Status ReadTableTensors(const char* architecture, const TensorTable& table,
                        const SafetensorsFile& file, const TensorList& slots);

// A model file: metadata (format, architecture, config JSON) and the slots' tensors under the
// table's names and shapes, in table order.
SafetensorsFile TableToSafetensors(const char* architecture, const std::string& config_json,
                                   const TensorTable& table, const ConstTensorList& slots);

// Fresh tensors by the table's rules, a pure function of the seed (the slots are resized).
void InitTableTensors(const TensorTable& table, uint64_t seed, const TensorList& slots);

// The "config" metadata of a model file whose "architecture" must be `architecture`
// (INVALID_MODEL otherwise).
Status ModelFileConfig(const char* architecture, const SafetensorsFile& file,
                       std::string* config_json);

}  // namespace sw
