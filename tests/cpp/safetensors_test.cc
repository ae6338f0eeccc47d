// The safetensors reader and writer: round trips, F16 conversion against hand-computed values,
// a file built byte by byte from the spec, and hostile input (every malformation the reader must
// refuse, truncation at every offset, random byte flips).
#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sw {
namespace {

// 8-byte little-endian length, the header text as given, then the data bytes.
std::vector<uint8_t> RawFile(const std::string& header, const std::vector<uint8_t>& data,
                             uint64_t header_length) {
  std::vector<uint8_t> bytes(8 + header.size() + data.size());
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(header_length >> (8 * i));
  for (size_t i = 0; i < header.size(); ++i) bytes[8 + i] = static_cast<uint8_t>(header[i]);
  for (size_t i = 0; i < data.size(); ++i) bytes[8 + header.size() + i] = data[i];
  return bytes;
}
std::vector<uint8_t> RawFile(const std::string& header, const std::vector<uint8_t>& data) {
  return RawFile(header, data, header.size());
}

std::vector<uint8_t> F32Bytes(const std::vector<float>& values) {
  std::vector<uint8_t> bytes;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<uint8_t>(bits >> (8 * k)));
  }
  return bytes;
}

std::vector<uint8_t> U16Bytes(const std::vector<uint16_t>& values) {
  std::vector<uint8_t> bytes;
  for (uint16_t v : values) {
    bytes.push_back(static_cast<uint8_t>(v));
    bytes.push_back(static_cast<uint8_t>(v >> 8));
  }
  return bytes;
}

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// binary16 value computed from its definition (independent of the code under test).
float HalfReference(uint16_t h) {
  const int sign = (h & 0x8000) ? -1 : 1;
  const int exponent = (h >> 10) & 0x1F;
  const int mantissa = h & 0x3FF;
  if (exponent == 0) return static_cast<float>(sign * std::ldexp(mantissa, -24));
  return static_cast<float>(sign * std::ldexp(1024 + mantissa, exponent - 25));
}

// A file the reader fills in only on success; comparisons show that failures leave it alone.
SafetensorsFile Sentinel() {
  SafetensorsFile f;
  f.metadata["sentinel"] = "untouched";
  f.tensors.push_back({"sentinel", {2}, {1.0f, 2.0f}});
  return f;
}

bool SameFile(const SafetensorsFile& a, const SafetensorsFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor &x = a.tensors[i], &y = b.tensors[i];
    if (x.name != y.name || x.shape != y.shape || x.data.size() != y.data.size()) return false;
    for (size_t k = 0; k < x.data.size(); ++k) {
      if (Bits(x.data[k]) != Bits(y.data[k])) return false;
    }
  }
  return true;
}

void ExpectRejected(const std::vector<uint8_t>& bytes, const std::string& message_part,
                    const std::string& label) {
  SafetensorsFile out = Sentinel();
  const Status s = ReadSafetensors(bytes.data(), bytes.size(), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << label << ": " << s.ToString();
  EXPECT_NE(s.message().find(message_part), std::string::npos)
      << label << ": message \"" << s.message() << "\" lacks \"" << message_part << "\"";
  EXPECT_TRUE(SameFile(out, Sentinel())) << label << ": output changed on error";
}

SafetensorsFile SmallFile() {
  SafetensorsFile f;
  f.metadata["format"] = "score-wasm";
  f.metadata["note"] = "quote \" backslash \\ newline \n unicode \xc3\xa9";
  f.tensors.push_back({"w", {2, 3}, {1, -2, 3.5f, 0, -0.0f, 1e-3f}});
  f.tensors.push_back({"b", {3}, {0.25f, -8, 1024}});
  f.tensors.push_back({"scalar", {}, {42}});
  f.tensors.push_back({"empty", {0, 4}, {}});
  f.tensors.push_back({"tiny", {1}, {1e-30f}});
  return f;
}

TEST(Safetensors, RoundTripF32) {
  const SafetensorsFile file = SmallFile();
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  EXPECT_EQ(n % 8, 0u) << "header must be padded to a multiple of 8";
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(bytes.size(), 8 + n + 4 * (6 + 3 + 1 + 0 + 1));
  size_t last = 8 + n - 1;
  while (bytes[last] == ' ') --last;
  EXPECT_EQ(bytes[last], '}') << "only spaces may pad the header";

  SafetensorsFile back;
  const Status s = ReadSafetensors(bytes.data(), bytes.size(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  // Tensors come back in the order of their offsets, which is the order they were written in.
  EXPECT_TRUE(SameFile(file, back));
  ASSERT_NE(back.Find("b"), nullptr);
  EXPECT_EQ(back.Find("b")->data[2], 1024.0f);
  EXPECT_EQ(back.Find("missing"), nullptr);
}

TEST(Safetensors, RoundTripF16OfRepresentableValues) {
  SafetensorsFile file = SmallFile();
  file.tensors[0].data = {1, -2, 3.5f, 0, -0.0f, 0.0009765625f};
  file.tensors[4].data = {HalfReference(0x0001)};  // smallest subnormal survives exactly
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, true, &bytes).ok());
  SafetensorsFile back;
  const Status s = ReadSafetensors(bytes.data(), bytes.size(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(SameFile(file, back));
  EXPECT_EQ(Bits(back.tensors[0].data[4]), 0x80000000u) << "-0 keeps its sign";
}

// Every finite binary16 value: the writer must produce exactly its bits and the reader must give
// back exactly the value its definition says.
TEST(Safetensors, F16AllFiniteHalvesExactly) {
  std::vector<uint16_t> halves;
  SafetensorsFile file;
  Tensor t{"all", {}, {}};
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if (((h >> 10) & 0x1F) == 0x1F) continue;  // inf and NaN are not storable
    halves.push_back(static_cast<uint16_t>(h));
    t.data.push_back(HalfReference(static_cast<uint16_t>(h)));
  }
  t.shape = {static_cast<int64_t>(t.data.size())};
  file.tensors.push_back(t);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, true, &bytes).ok());
  const std::vector<uint8_t> expected = U16Bytes(halves);
  ASSERT_GE(bytes.size(), expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), bytes.end() - expected.size()));

  SafetensorsFile back;
  ASSERT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &back).ok());
  ASSERT_EQ(back.tensors.size(), 1u);
  for (size_t i = 0; i < halves.size(); ++i) {
    ASSERT_EQ(Bits(back.tensors[0].data[i]), Bits(t.data[i])) << "half 0x" << std::hex << halves[i];
  }
}

// The writer's f32 -> f16 rounding (nearest, ties to even) against hand-worked cases.
TEST(Safetensors, F16WriterRoundsToNearestEven) {
  struct Case {
    float value;
    uint16_t half;
  };
  const float two_m25 = std::ldexp(1.0f, -25);
  const Case cases[] = {
      {1.0f + std::ldexp(1.0f, -11), 0x3C00},      // tie between 1 and 1+2^-10: even is 1
      {1.0f + 3 * std::ldexp(1.0f, -11), 0x3C02},  // tie: rounds up to the even mantissa 2
      {1.0f + std::ldexp(1.0f, -12), 0x3C00},      // below half: down
      {1.0f + 3 * std::ldexp(1.0f, -12), 0x3C01},  // above half: up
      {65504.0f, 0x7BFF},
      {65519.0f, 0x7BFF},  // below the 65520 tie: largest finite half
      {-65504.0f, 0xFBFF},
      {two_m25, 0x0000},                        // tie between 0 and 2^-24: even is 0
      {std::nextafter(two_m25, 1.0f), 0x0001},  // just above the tie
      {3 * two_m25, 0x0002},                    // tie between 1 and 2 units: 2
      {5 * two_m25, 0x0002},                    // tie between 2 and 3 units: 2
      {-std::ldexp(1.0f, -26), 0x8000},         // underflow keeps the sign
      {1e-8f, 0x0000},
      {2047 * two_m25, 0x0400},         // tie between 1023 units and 2^-14: even
      {std::ldexp(1.0f, -14), 0x0400},  // smallest normal
      {std::ldexp(1.0f, -24), 0x0001},
      {0.1f, 0x2E66},  // 0.0999755859375
      {1.0f / 3, 0x3555},
      {2.0f - std::ldexp(1.0f, -12), 0x4000},  // rounds up across the exponent
  };
  SafetensorsFile file;
  std::vector<uint16_t> expected;
  Tensor t{"r", {}, {}};
  for (const Case& c : cases) {
    t.data.push_back(c.value);
    expected.push_back(c.half);
  }
  t.shape = {static_cast<int64_t>(t.data.size())};
  file.tensors.push_back(t);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, true, &bytes).ok());
  const std::vector<uint8_t> data(bytes.end() - 2 * expected.size(), bytes.end());
  for (size_t i = 0; i < expected.size(); ++i) {
    const uint16_t got = static_cast<uint16_t>(data[2 * i] | (data[2 * i + 1] << 8));
    EXPECT_EQ(got, expected[i]) << "case " << i << " value " << cases[i].value;
  }
  SafetensorsFile back;
  ASSERT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &back).ok());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Bits(back.tensors[0].data[i]), Bits(HalfReference(expected[i]))) << "case " << i;
  }
}

TEST(Safetensors, F16WriterRefusesOverflow) {
  for (float v : {65520.0f, -70000.0f, 1e10f}) {
    SafetensorsFile file;
    file.tensors.push_back({"big", {1}, {v}});
    std::vector<uint8_t> out = {7};
    const Status s = WriteSafetensors(file, true, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << v;
    EXPECT_NE(s.message().find("\"big\""), std::string::npos) << s.message();
    EXPECT_EQ(out, std::vector<uint8_t>{7});
    EXPECT_TRUE(WriteSafetensors(file, false, &out).ok()) << "fine as F32";
  }
}

// A file assembled byte by byte from the format description, independent of our writer: tensors
// listed out of offset order, mixed dtypes, spaces in the JSON, F16 subnormals.
TEST(Safetensors, ReadsHandBuiltSpecFile) {
  const std::string header =
      "{\"b\": {\"dtype\": \"F16\", \"shape\": [6], \"data_offsets\": [16, 28]}, "
      "\"__metadata__\": {\"format\": \"pt\", \"k\": \"v\"}, "
      "\"a\": {\"shape\": [2, 2], \"data_offsets\": [0, 16], \"dtype\": \"F32\"}}   ";
  std::vector<uint8_t> data = {
      0x00, 0x00, 0x80, 0x3F,  // 1.0f
      0x00, 0x00, 0x20, 0xC0,  // -2.5f
      0x00, 0x00, 0x00, 0x3F,  // 0.5f
      0x00, 0x00, 0x40, 0x40,  // 3.0f
      0x00, 0x3C,              // half 1.0
      0x00, 0xC0,              // half -2.0
      0x01, 0x00,              // half 2^-24 (smallest subnormal)
      0xFF, 0x83,              // half -(1023 * 2^-24) (largest subnormal, negative)
      0xFF, 0x7B,              // half 65504
      0x55, 0x35,              // half 0.333251953125
  };
  const std::vector<uint8_t> bytes = RawFile(header, data);
  SafetensorsFile out;
  const Status s = ReadSafetensors(bytes.data(), bytes.size(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.metadata.size(), 2u);
  EXPECT_EQ(out.metadata.at("format"), "pt");
  ASSERT_EQ(out.tensors.size(), 2u);
  EXPECT_EQ(out.tensors[0].name, "a");  // offset order
  EXPECT_EQ(out.tensors[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(out.tensors[0].data, (std::vector<float>{1.0f, -2.5f, 0.5f, 3.0f}));
  EXPECT_EQ(out.tensors[1].name, "b");
  EXPECT_EQ(out.tensors[1].shape, (std::vector<int64_t>{6}));
  const std::vector<float> want = {
      1.0f, -2.0f, 5.9604644775390625e-08f, -6.097555160522461e-05f, 65504.0f, 0.333251953125f};
  EXPECT_EQ(out.tensors[1].data, want);
}

TEST(Safetensors, AcceptsEdgeCasesOfTheSpec) {
  SafetensorsFile out;
  const std::vector<uint8_t> empty = RawFile("{}", {});
  ASSERT_TRUE(ReadSafetensors(empty.data(), empty.size(), &out).ok());
  EXPECT_TRUE(out.tensors.empty());
  EXPECT_TRUE(out.metadata.empty());

  // Zero-element tensors at the same offset as their neighbours, a scalar, padding spaces.
  const std::string header =
      "{\"z1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
      "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
      "\"z2\":{\"dtype\":\"F16\",\"shape\":[3,0,5],\"data_offsets\":[4,4]}}        ";
  const std::vector<uint8_t> bytes = RawFile(header, F32Bytes({7.0f}));
  const Status s = ReadSafetensors(bytes.data(), bytes.size(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.tensors.size(), 3u);
  EXPECT_EQ(out.tensors[1].name, "s");
  EXPECT_EQ(out.tensors[1].data, std::vector<float>{7.0f});
  EXPECT_TRUE(out.tensors[2].data.empty());
  EXPECT_EQ(out.tensors[2].shape, (std::vector<int64_t>{3, 0, 5}));
}

std::string Entry(const std::string& name, const std::string& body) {
  return "\"" + name + "\":{" + body + "}";
}

TEST(Safetensors, RejectsHostileHeaders) {
  const std::vector<uint8_t> four = F32Bytes({1.0f});
  const std::vector<uint8_t> eight = F32Bytes({1.0f, 2.0f});
  const std::vector<uint8_t> twelve = F32Bytes({1.0f, 2.0f, 3.0f});
  const std::string ok_a = Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]");
  struct Case {
    const char* label;
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::string deep = "{\"a\":";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  const std::vector<Case> cases = {
      {"empty file", {}, "shorter than the 8-byte header length"},
      {"short file", {1, 0, 0}, "shorter than the 8-byte header length"},
      {"length beyond file", RawFile("{}", {}, 100), "exceeds the 2 bytes"},
      {"absurd length", RawFile("{}", {}, uint64_t{1} << 63), "above the limit"},
      {"length just over the cap", RawFile("{}", {}, (uint64_t{16} << 20) + 1), "above the limit"},
      {"all-ones length", RawFile("{}", {}, ~uint64_t{0}), "above the limit"},
      {"zero-length header", RawFile("", four), "start with '{'"},
      {"leading space", RawFile(" {}", {}), "start with '{'"},
      {"array header", RawFile("[1]", {}), "start with '{'"},
      {"not JSON", RawFile("{abc}", {}), "not valid JSON"},
      {"unterminated", RawFile("{\"a\":", {}), "not valid JSON"},
      {"trailing garbage", RawFile("{} x", {}), "not valid JSON"},
      {"NUL after JSON", RawFile(std::string("{}\0x", 4), {}), "NUL byte"},
      {"NUL in JSON", RawFile(std::string("{\"a\0\":1}", 8), {}), "NUL byte"},
      {"bad UTF-8 name", RawFile("{\"\xff\":1}", {}), "not valid JSON"},
      {"deep nesting", RawFile(deep, {}), "nests deeper"},
      {"entry not object", RawFile("{\"a\":5}", {}), "tensor \"a\" is described by a number"},
      {"entry array", RawFile("{\"a\":[]}", {}), "tensor \"a\" is described by an array"},
      {"missing dtype",
       RawFile("{" + Entry("a", "\"shape\":[1],\"data_offsets\":[0,4]") + "}", four),
       "tensor \"a\" lacks the field \"dtype\""},
      {"missing shape",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"data_offsets\":[0,4]") + "}", four),
       "tensor \"a\" lacks the field \"shape\""},
      {"missing offsets", RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1]") + "}", four),
       "tensor \"a\" lacks the field \"data_offsets\""},
      {"extra field",
       RawFile(
           "{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1") + "}",
           four),
       "tensor \"a\" has an unexpected field \"x\""},
      {"BF16",
       RawFile("{" + Entry("a", "\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]") + "}",
               four),
       "dtype \"BF16\", which is not supported (supported: F32, F16)"},
      {"I64",
       RawFile("{" + Entry("a", "\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]") + "}",
               eight),
       "supported: F32, F16"},
      {"dtype number",
       RawFile("{" + Entry("a", "\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]") + "}", four),
       "tensor \"a\": dtype is not a string"},
      {"negative dim",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]") + "}",
               four),
       "tensor \"a\": shape[0] = -1 is not a non-negative"},
      {"fractional dim",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]") + "}",
               four),
       "shape[0] = 1.5"},
      {"dim above int64",
       RawFile(
           "{" +
               Entry("a",
                     "\"dtype\":\"F32\",\"shape\":[18446744073709551615],\"data_offsets\":[0,4]") +
               "}",
           four),
       "not a non-negative 64-bit integer"},
      {"dim beyond uint64",
       RawFile(
           "{" +
               Entry(
                   "a",
                   "\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,4]") +
               "}",
           four),
       "not a non-negative 64-bit integer"},
      {"overflowing product",
       RawFile("{" +
                   Entry("a",
                         "\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":["
                         "0,4]") +
                   "}",
               four),
       "has more elements than"},
      {"shape string",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]") + "}",
               four),
       "tensor \"a\": shape is a string"},
      {"offsets one",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]") + "}",
               four),
       "tensor \"a\": data_offsets = [4]; expected [begin, end]"},
      {"offsets three",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]") + "}",
               four),
       "expected [begin, end]"},
      {"offsets negative",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]") + "}",
               four),
       "expected [begin, end]"},
      {"offsets float",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]") + "}",
               four),
       "expected [begin, end]"},
      {"offsets string",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]") + "}",
               four),
       "expected [begin, end]"},
      {"offsets object",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}") + "}", four),
       "expected [begin, end]"},
      {"begin after end",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]") + "}",
               four),
       "tensor \"a\": data_offsets [4, 0] begin after end"},
      {"end beyond data",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]") + "}",
               four),
       "tensor \"a\": data_offsets end 400 is beyond the data section of 4 bytes"},
      {"huge end",
       RawFile(
           "{" +
               Entry("a",
                     "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]") +
               "}",
           four),
       "beyond the data section"},
      {"size mismatch",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]") + "}",
               eight),
       "tensor \"a\": data_offsets span 8 bytes, but shape [1] of F32 needs 4 bytes"},
      {"F16 size mismatch",
       RawFile("{" + Entry("a", "\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]") + "}",
               four),
       "shape [1] of F16 needs 2 bytes"},
      {"overlap",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]") + "," +
                   Entry("b", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]") + "}",
               twelve),
       "tensor \"b\" (bytes 4..12) overlaps tensor \"a\""},
      {"same range twice",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") + "," +
                   Entry("b", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") + "}",
               four),
       "overlaps tensor \"a\""},
      {"gap",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]") + "," +
                   Entry("b", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]") + "}",
               twelve),
       "bytes 4..8 of the data section before tensor \"b\" belong to no tensor"},
      {"hole at start",
       RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]") + "}",
               eight),
       "bytes 0..4 of the data section before tensor \"a\""},
      {"trailing bytes", RawFile("{" + ok_a + "}", eight), "bytes 4..8 at the end"},
      {"data without tensors", RawFile("{}", four), "bytes 0..4 at the end"},
      {"duplicate name", RawFile("{" + ok_a + "," + ok_a + "}", four), "duplicate key \"a\""},
      {"duplicate metadata key",
       RawFile("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + ok_a + "}", four),
       "duplicate key \"k\""},
      {"NaN", RawFile("{" + ok_a + "}", {0x00, 0x00, 0xC0, 0x7F}),
       "tensor \"a\" holds a non-finite value (NaN or Inf) at element 0"},
      {"Inf", RawFile("{" + ok_a + "}", {0x00, 0x00, 0x80, 0x7F}),
       "tensor \"a\" holds a non-finite"},
      {"-Inf", RawFile("{" + ok_a + "}", {0x00, 0x00, 0x80, 0xFF}), "non-finite"},
      {"F16 Inf",
       RawFile("{" + Entry("h", "\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]") + "}",
               U16Bytes({0x3C00, 0x7C00})),
       "tensor \"h\" holds a non-finite value (NaN or Inf) at element 1"},
      {"F16 -Inf",
       RawFile("{" + Entry("h", "\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]") + "}",
               U16Bytes({0xFC00})),
       "non-finite"},
      {"F16 NaN",
       RawFile("{" + Entry("h", "\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]") + "}",
               U16Bytes({0x7E01})),
       "non-finite"},
      {"metadata array", RawFile("{\"__metadata__\":[\"a\"]," + ok_a + "}", four),
       "\"__metadata__\" is an array; expected an object mapping strings to strings"},
      {"metadata number value", RawFile("{\"__metadata__\":{\"k\":1}," + ok_a + "}", four),
       "\"__metadata__\" entry \"k\" is a number; safetensors metadata values must be strings"},
      {"metadata object value", RawFile("{\"__metadata__\":{\"k\":{}}}", {}),
       "entry \"k\" is an object"},
      {"metadata null value", RawFile("{\"__metadata__\":{\"k\":null}}", {}),
       "entry \"k\" is a null"},
  };
  for (const Case& c : cases) ExpectRejected(c.bytes, c.message, c.label);
}

// Hostile files can hold megabyte-long names and arrays; messages quote only the start of them.
TEST(Safetensors, ErrorMessagesStayShort) {
  const std::string long_name(100000, 'x');
  std::string offsets = "[0";
  for (int i = 0; i < 100000; ++i) offsets += ",0";
  offsets += "]";
  const std::vector<std::vector<uint8_t>> files = {
      RawFile(
          "{" + Entry(long_name, "\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]") + "}",
          {0, 0}),
      RawFile("{" + Entry("a", "\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":" + offsets) + "}",
              {}),
      RawFile("{\"" + long_name + "}", {}),  // unterminated string: nlohmann quotes the token
  };
  for (const auto& bytes : files) {
    SafetensorsFile out;
    const Status s = ReadSafetensors(bytes.data(), bytes.size(), &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
    EXPECT_LT(s.message().size(), 500u) << s.message().substr(0, 200);
  }
}

TEST(Safetensors, RejectsNullBufferWithSize) {
  SafetensorsFile out = Sentinel();
  EXPECT_EQ(ReadSafetensors(nullptr, 16, &out).code(), StatusCode::kInvalidModel);
  EXPECT_TRUE(SameFile(out, Sentinel()));
}

// Every proper prefix of a valid file is invalid (the data section must be fully indexed), and
// each is read from a buffer of exactly that size so that a sanitizer sees any over-read.
TEST(Safetensors, RejectsTruncationAtEveryOffset) {
  for (bool f16 : {false, true}) {
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(WriteSafetensors(SmallFile(), f16, &bytes).ok());
    for (size_t len = 0; len < bytes.size(); ++len) {
      const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + len);
      SafetensorsFile out = Sentinel();
      const Status s = ReadSafetensors(prefix.data(), prefix.size(), &out);
      ASSERT_EQ(s.code(), StatusCode::kInvalidModel) << "prefix of " << len << " bytes";
      ASSERT_FALSE(s.message().empty());
      ASSERT_TRUE(SameFile(out, Sentinel())) << len;
    }
    SafetensorsFile out;
    EXPECT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &out).ok());
    // One byte more is not valid either.
    bytes.push_back(0);
    EXPECT_EQ(ReadSafetensors(bytes.data(), bytes.size(), &out).code(), StatusCode::kInvalidModel);
  }
}

// Seeded random corruption never crashes; whatever is accepted is self-consistent.
TEST(Safetensors, RandomByteFlipsNeverCrash) {
  std::vector<uint8_t> original;
  ASSERT_TRUE(WriteSafetensors(SmallFile(), false, &original).ok());
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    SafetensorsFile out = Sentinel();
    const Status s = ReadSafetensors(bytes.data(), bytes.size(), &out);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), StatusCode::kInvalidModel);
      ASSERT_TRUE(SameFile(out, Sentinel()));
      continue;
    }
    ++accepted;
    for (const Tensor& t : out.tensors) {
      size_t count = 1;
      for (int64_t d : t.shape) count *= static_cast<size_t>(d);
      ASSERT_EQ(count, t.data.size()) << t.name;
      for (float v : t.data) ASSERT_TRUE(std::isfinite(v)) << t.name;
    }
  }
  // Flips inside the data section or inside metadata strings can stay valid: the test does see
  // both outcomes.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 4000);
}

TEST(Safetensors, WriterRejectsInconsistentTensors) {
  struct Case {
    const char* label;
    SafetensorsFile file;
  };
  std::vector<Case> cases;
  auto add = [&](const char* label, std::vector<Tensor> tensors) {
    SafetensorsFile f;
    f.tensors = std::move(tensors);
    cases.push_back({label, f});
  };
  add("shape/data mismatch", {{"a", {2, 2}, {1, 2, 3}}});
  add("shape too small", {{"a", {1}, {1, 2}}});
  add("negative dim", {{"a", {-1}, {}}});
  add("duplicate", {{"a", {1}, {1}}, {"a", {1}, {2}}});
  add("reserved", {{"__metadata__", {1}, {1}}});
  add("NaN", {{"a", {1}, {std::nanf("")}}});
  add("Inf", {{"a", {1}, {INFINITY}}});
  add("bad UTF-8 name", {{"\xc3", {1}, {1}}});
  add("huge shape", {{"a", {int64_t{1} << 40, int64_t{1} << 40}, {1}}});
  SafetensorsFile bad_metadata;
  bad_metadata.metadata["k"] = "\xed\xa0\x80";  // an encoded surrogate is not UTF-8
  cases.push_back({"bad UTF-8 metadata", bad_metadata});
  for (const Case& c : cases) {
    std::vector<uint8_t> out = {1, 2, 3};
    const Status s = WriteSafetensors(c.file, false, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.label << ": " << s.ToString();
    EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3})) << c.label;
  }
}

TEST(Safetensors, FileBytesRoundTripAndErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "/safetensors_test_bytes.bin";
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(SmallFile(), false, &bytes).ok());
  ASSERT_TRUE(WriteFileBytes(path, bytes).ok());
  std::vector<uint8_t> back;
  ASSERT_TRUE(ReadFileBytes(path, &back).ok());
  EXPECT_EQ(back, bytes);
  std::remove(path.c_str());

  const std::string missing = ::testing::TempDir() + "/no/such/dir/model.safetensors";
  std::vector<uint8_t> untouched = {9};
  Status s = ReadFileBytes(missing, &untouched);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.message();
  EXPECT_EQ(untouched, std::vector<uint8_t>{9});
  s = WriteFileBytes(missing, bytes);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.message();
}

// The new bytes replace a file only once complete (written beside it, then renamed): overwriting
// leaves no partial file behind, and a replace that fails (here: the target is a directory)
// leaves the target as it was.
TEST(Safetensors, WriteFileBytesReplacesWholeFilesOnly) {
  const std::string path = ::testing::TempDir() + "/safetensors_test_replace.bin";
  ASSERT_TRUE(WriteFileBytes(path, {1, 2, 3}).ok());
  ASSERT_TRUE(WriteFileBytes(path, {4, 5}).ok());
  std::vector<uint8_t> back;
  ASSERT_TRUE(ReadFileBytes(path, &back).ok());
  EXPECT_EQ(back, (std::vector<uint8_t>{4, 5}));
  EXPECT_NE(ReadFileBytes(path + ".partial", &back).code(), StatusCode::kOk);
  std::remove(path.c_str());

  const std::string dir = ::testing::TempDir() + "/safetensors_test_dir";
  ASSERT_EQ(mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST, true);
  const Status s = WriteFileBytes(dir, {7});
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find(dir), std::string::npos) << s.message();
  EXPECT_NE(ReadFileBytes(dir + ".partial", &back).code(), StatusCode::kOk);
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace sw
