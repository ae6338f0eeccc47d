// The .safetensors reader and writer. Model files come from outside (a URL, a user's upload), so
// the reader assumes hostile bytes: every length is checked before use with overflow-safe
// arithmetic, the JSON is scanned before a tree is built, and nothing throws (Emscripten builds
// abort on a throw), so the nlohmann calls used here are the non-throwing ones.
#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "io/json_text.h"

namespace sw {
namespace {

using Json = nlohmann::json;

// The reference implementation refuses headers above 100 MB; a real header is a few KB (the
// shipped U-Nets' are under 10 KB). nlohmann's tree takes about ten times its text, so a 100 MB
// header could make a gigabyte in a 2 GB WebAssembly heap: 16 MiB caps that at a safe size.
constexpr uint64_t kMaxHeaderBytes = uint64_t{16} << 20;
// Far above any network of this library (the U-Net has about a hundred tensors), and the limits
// the reference implementation's users meet in practice.
constexpr size_t kMaxTensors = 16384;
constexpr size_t kMaxRank = 8;
// A valid header nests three deep ({name: {shape: [...]}}); the cap keeps hostile input from
// building deep trees.
constexpr int kMaxJsonDepth = 8;
constexpr char kMetadataKey[] = "__metadata__";

enum class DType { kF32, kF16 };

size_t ItemSize(DType dtype) { return dtype == DType::kF32 ? 4 : 2; }
const char* DTypeName(DType dtype) { return dtype == DType::kF32 ? "F32" : "F16"; }

Status Invalid(const std::string& message) { return InvalidModel("safetensors: " + message); }

// IEEE binary16 -> binary32, exact for every input (subnormals normalised, inf and NaN kept).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: mantissa * 2^-24. Shift the leading one up to the implicit-bit position.
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// binary32 -> binary16 with round-to-nearest-even; overflow gives inf, NaN stays a (quiet) NaN.
uint16_t FloatToHalf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude >= 0x7F800000u) {
    return static_cast<uint16_t>(sign | 0x7C00u | (magnitude > 0x7F800000u ? 0x200u : 0u));
  }
  // 65520 is halfway between 65504 (largest half) and 65536; the tie goes to the even 65536 = inf.
  if (magnitude >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);
  const int exponent = static_cast<int>(magnitude >> 23) - 127;
  if (exponent >= -14) {
    const uint32_t mantissa = magnitude & 0x7FFFFFu;
    uint32_t h = (static_cast<uint32_t>(exponent + 15) << 10) | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry bumps the exponent
    return static_cast<uint16_t>(sign | h);
  }
  if (exponent < -25) return static_cast<uint16_t>(sign);  // below half the smallest subnormal
  // Subnormal half: count units of 2^-24. value = m * 2^(exponent - 23), m with implicit bit.
  const uint32_t m = (magnitude & 0x7FFFFFu) | 0x800000u;
  const int shift = -(exponent + 1);  // 14..24
  uint32_t h = m >> shift;
  const uint32_t rest = m & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1u))) ++h;  // may round up to the smallest normal
  return static_cast<uint16_t>(sign | h);
}

bool IsFiniteBits(uint32_t bits) { return (bits & 0x7F800000u) != 0x7F800000u; }

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void StoreLe64(uint64_t v, uint8_t* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// RFC 3629 UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). JSON strings must
// be valid UTF-8, and the writer checks first so that nlohmann's dump() never has to throw.
bool IsValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// A JSON string literal for s (which must be valid UTF-8).
std::string JsonString(const std::string& s) { return Json(s).dump(); }

// First pass over the header with nlohmann's SAX interface: finds syntax errors (with nlohmann's
// message, which says where), duplicate keys (a JSON object with a repeated key would silently
// keep one of them) and excessive nesting, all without building a tree or throwing.
class HeaderScanner {
 public:
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const Json::string_t&) { return true; }
  bool string(Json::string_t&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool start_object(std::size_t) {
    keys_.emplace_back();
    return Enter();
  }
  bool key(Json::string_t& key) {
    if (keys_.size() == 1 && keys_.back().size() > kMaxTensors) {
      error_ = "the header lists more than " + std::to_string(kMaxTensors) + " tensors";
      return false;
    }
    if (!keys_.back().insert(key).second) {
      error_ =
          "duplicate key " + QuoteForMessage(key) + " in the JSON header (names must be unique)";
      return false;
    }
    return true;
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) { return Enter(); }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const Json::exception& e) {
    // nlohmann quotes the offending token, which hostile input can make arbitrarily long.
    std::string what = e.what();
    if (what.size() > 300) what = what.substr(0, 300) + "...";
    error_ = "header is not valid JSON: " + what;
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool Enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    error_ = "the JSON header nests deeper than " + std::to_string(kMaxJsonDepth) +
             " levels (a safetensors header has three)";
    return false;
  }

  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;
  std::string error_;
};

// "an array", "a number", ... for messages.
std::string JsonTypeName(const Json& j) {
  const std::string name = j.type_name();
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

// One tensor entry of the header, validated but not yet read.
struct Entry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
  size_t count = 0;  // number of elements
};

Status ParseMetadata(const Json& value, std::map<std::string, std::string>* metadata) {
  if (!value.is_object()) {
    return Invalid("\"__metadata__\" is " + JsonTypeName(value) +
                   "; expected an object mapping strings to strings");
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    const auto* s = it.value().get_ptr<const Json::string_t*>();
    if (s == nullptr) {
      return Invalid("\"__metadata__\" entry " + QuoteForMessage(it.key()) + " is " +
                     JsonTypeName(it.value()) + "; safetensors metadata values must be strings");
    }
    (*metadata)[it.key()] = *s;
  }
  return Status::Ok();
}

Status ParseEntry(const std::string& name, const Json& value, uint64_t data_size, Entry* entry) {
  const std::string tensor = "tensor " + QuoteForMessage(name);
  if (!value.is_object()) {
    return Invalid(tensor + " is described by " + JsonTypeName(value) +
                   "; expected an object {dtype, shape, data_offsets}");
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets") {
      return Invalid(tensor + " has an unexpected field " + QuoteForMessage(it.key()) +
                     " (expected exactly dtype, shape, data_offsets)");
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (value.find(field) == value.end()) {
      return Invalid(tensor + " lacks the field \"" + field + "\"");
    }
  }

  const auto* dtype = value.find("dtype")->get_ptr<const Json::string_t*>();
  if (dtype == nullptr) {
    return Invalid(tensor + ": dtype is not a string (expected \"F32\" or \"F16\")");
  }
  if (*dtype == "F32") {
    entry->dtype = DType::kF32;
  } else if (*dtype == "F16") {
    entry->dtype = DType::kF16;
  } else {
    return Invalid(tensor + " has dtype " + QuoteForMessage(*dtype) +
                   ", which is not supported (supported: F32, F16)");
  }
  const uint64_t item = ItemSize(entry->dtype);

  const Json& shape = *value.find("shape");
  if (!shape.is_array()) {
    return Invalid(tensor + ": shape is " + JsonTypeName(shape) +
                   "; expected an array of non-negative integers");
  }
  if (shape.size() > kMaxRank) {
    return Invalid(tensor + " has rank " + std::to_string(shape.size()) + "; at most " +
                   std::to_string(kMaxRank) + " dimensions are supported");
  }
  // Every element must fit in the data section, so the product is bounded by data_size / item;
  // checking against that bound before each multiplication rules out overflow.
  std::vector<int64_t> dims;
  bool has_zero = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    const auto* d = shape[i].get_ptr<const Json::number_unsigned_t*>();
    if (d == nullptr || *d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Invalid(tensor + ": shape[" + std::to_string(i) + "] = " + JsonExcerpt(shape[i]) +
                     " is not a non-negative 64-bit integer");
    }
    dims.push_back(static_cast<int64_t>(*d));
    has_zero = has_zero || *d == 0;
  }
  const uint64_t max_count = data_size / item;
  uint64_t count = has_zero ? 0 : 1;
  for (size_t i = 0; i < dims.size() && !has_zero; ++i) {
    const uint64_t d = static_cast<uint64_t>(dims[i]);
    if (d > max_count / count) {
      return Invalid(tensor + ": shape " + JsonExcerpt(shape) + " has more elements than the " +
                     std::to_string(data_size) + "-byte data section can hold");
    }
    count *= d;
  }

  const Json& offsets = *value.find("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    return Invalid(tensor + ": data_offsets = " + JsonExcerpt(offsets) +
                   "; expected [begin, end], two non-negative integers");
  }
  const uint64_t begin = offsets[0].get<uint64_t>();
  const uint64_t end = offsets[1].get<uint64_t>();
  if (begin > end) {
    return Invalid(tensor + ": data_offsets [" + std::to_string(begin) + ", " +
                   std::to_string(end) + "] begin after end");
  }
  if (end > data_size) {
    return Invalid(tensor + ": data_offsets end " + std::to_string(end) +
                   " is beyond the data section of " + std::to_string(data_size) +
                   " bytes (truncated file?)");
  }
  if (end - begin != count * item) {
    return Invalid(tensor + ": data_offsets span " + std::to_string(end - begin) +
                   " bytes, but shape " + JsonExcerpt(shape) + " of " + DTypeName(entry->dtype) +
                   " needs " + std::to_string(count * item) + " bytes");
  }
  if (count > std::vector<float>().max_size()) {
    return Invalid(tensor + " is too large for this platform's memory");
  }
  entry->name = name;
  entry->shape = std::move(dims);
  entry->begin = begin;
  entry->end = end;
  entry->count = static_cast<size_t>(count);
  return Status::Ok();
}

// Converts an entry's bytes to f32, refusing NaN and Inf (a model with them cannot give a score).
Status DecodeTensor(const Entry& entry, const uint8_t* data, Tensor* tensor) {
  tensor->name = entry.name;
  tensor->shape = entry.shape;
  tensor->data.resize(entry.count);
  const uint8_t* p = data + entry.begin;
  for (size_t i = 0; i < entry.count; ++i) {
    uint32_t bits;
    if (entry.dtype == DType::kF32) {
      const uint8_t* q = p + 4 * i;
      bits =
          uint32_t{q[0]} | (uint32_t{q[1]} << 8) | (uint32_t{q[2]} << 16) | (uint32_t{q[3]} << 24);
    } else {
      const uint8_t* q = p + 2 * i;
      const float f = HalfToFloat(static_cast<uint16_t>(q[0] | (q[1] << 8)));
      std::memcpy(&bits, &f, sizeof(bits));
    }
    if (!IsFiniteBits(bits)) {
      return Invalid("tensor " + QuoteForMessage(entry.name) +
                     " holds a non-finite value (NaN or Inf) at " + "element " + std::to_string(i) +
                     "; every value must be finite");
    }
    std::memcpy(&tensor->data[i], &bits, sizeof(bits));
  }
  return Status::Ok();
}

Status ReadSafetensorsImpl(const uint8_t* bytes, size_t size, SafetensorsFile* out) {
  if (bytes == nullptr && size != 0) return Invalid("null buffer with a non-zero size");
  if (size < 8) {
    return Invalid("file is " + std::to_string(size) +
                   " bytes, shorter than the 8-byte header length that starts every file");
  }
  const uint64_t header_size = LoadLe64(bytes);
  if (header_size > kMaxHeaderBytes) {
    return Invalid("header length " + std::to_string(header_size) + " is above the limit of " +
                   std::to_string(kMaxHeaderBytes) + " bytes (not a safetensors file?)");
  }
  if (header_size > size - 8) {
    return Invalid("header length " + std::to_string(header_size) + " exceeds the " +
                   std::to_string(size - 8) + " bytes that follow it (truncated file?)");
  }
  const char* header = reinterpret_cast<const char*>(bytes + 8);
  const char* header_end = header + header_size;
  const uint8_t* data = bytes + 8 + header_size;
  const uint64_t data_size = size - 8 - header_size;
  if (header_size == 0 || header[0] != '{') {
    return Invalid("header does not start with '{'; expected a JSON object");
  }

  // nlohmann's lexer takes a NUL byte for the end of input, which would let bytes after it through
  // unchecked; JSON never contains one.
  if (std::memchr(header, 0, header_size) != nullptr) {
    return Invalid("header contains a NUL byte; expected JSON text padded with spaces");
  }
  HeaderScanner scanner;
  if (!Json::sax_parse(header, header_end, &scanner)) {
    return Invalid(scanner.error().empty() ? "header is not valid JSON" : scanner.error());
  }
  const Json root = Json::parse(header, header_end, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Invalid("header is not valid JSON");
  if (!root.is_object()) {
    return Invalid("header is " + JsonTypeName(root) + "; expected an object");
  }

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == kMetadataKey) {
      SW_RETURN_IF_ERROR(ParseMetadata(it.value(), &file.metadata));
      continue;
    }
    Entry entry;
    SW_RETURN_IF_ERROR(ParseEntry(it.key(), it.value(), data_size, &entry));
    entries.push_back(std::move(entry));
  }

  // The data section must be covered exactly once: sorted by offset, each tensor starts where
  // the previous one ended, and the last ends at the end of the file.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end < b.end;
    return a.name < b.name;
  });
  uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < expected) {
      return Invalid("tensor " + QuoteForMessage(e.name) + " (bytes " + std::to_string(e.begin) +
                     ".." + std::to_string(e.end) + ") overlaps tensor " +
                     QuoteForMessage(previous->name) + " (bytes up to " + std::to_string(expected) +
                     ")");
    }
    if (e.begin > expected) {
      return Invalid("bytes " + std::to_string(expected) + ".." + std::to_string(e.begin) +
                     " of the data section before tensor " + QuoteForMessage(e.name) +
                     " belong to no tensor (the data section must be fully indexed)");
    }
    expected = e.end;
    previous = &e;
  }
  if (expected != data_size) {
    return Invalid("bytes " + std::to_string(expected) + ".." + std::to_string(data_size) +
                   " at the end of the data section belong to no tensor (the data section must "
                   "be fully indexed; trailing bytes?)");
  }

  file.tensors.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    SW_RETURN_IF_ERROR(DecodeTensor(entries[i], data, &file.tensors[i]));
  }
  *out = std::move(file);
  return Status::Ok();
}

Status WriteSafetensorsImpl(const SafetensorsFile& file, bool store_f16,
                            std::vector<uint8_t>* out) {
  const DType dtype = store_f16 ? DType::kF16 : DType::kF32;
  const size_t item = ItemSize(dtype);
  std::vector<std::string> fields;  // "key":value pairs of the header object
  if (!file.metadata.empty()) {
    std::string metadata;
    for (const auto& [key, value] : file.metadata) {
      if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
        return InvalidArgument("safetensors: metadata entry " + QuoteForMessage(key) +
                               " is not valid UTF-8");
      }
      metadata += (metadata.empty() ? "" : ",") + JsonString(key) + ":" + JsonString(value);
    }
    fields.push_back(std::string("\"") + kMetadataKey + "\":{" + metadata + "}");
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const Tensor& t : file.tensors) {
    const std::string tensor = "safetensors: tensor " + QuoteForMessage(t.name);
    if (!IsValidUtf8(t.name)) return InvalidArgument(tensor + ": the name is not valid UTF-8");
    if (t.name == kMetadataKey) return InvalidArgument(tensor + ": the name is reserved");
    if (!names.insert(t.name).second) return InvalidArgument(tensor + " appears twice");
    bool has_zero = false;
    std::string shape = "[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (t.shape[i] < 0) return InvalidArgument(tensor + " has a negative dimension");
      has_zero = has_zero || t.shape[i] == 0;
      shape += (i ? "," : "") + std::to_string(t.shape[i]);
    }
    shape += "]";
    // The product is bounded by data.size() before each step, so it cannot overflow.
    uint64_t count = has_zero ? 0 : 1;
    for (size_t i = 0; i < t.shape.size() && !has_zero; ++i) {
      const uint64_t d = static_cast<uint64_t>(t.shape[i]);
      if (d > t.data.size() / count) {
        count = t.data.size() + 1;  // more than the data: reported below
        break;
      }
      count *= d;
    }
    if (count != t.data.size()) {
      std::string message = tensor;
      message += ": shape " + shape + " does not match the ";
      message += std::to_string(t.data.size()) + " values of its data";
      return InvalidArgument(message);
    }
    for (size_t i = 0; i < t.data.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &t.data[i], sizeof(bits));
      if (!IsFiniteBits(bits)) {
        return InvalidArgument(tensor + " holds a non-finite value at element " +
                               std::to_string(i));
      }
      if (store_f16 && (FloatToHalf(t.data[i]) & 0x7FFFu) == 0x7C00u) {
        return InvalidArgument(tensor + ": element " + std::to_string(i) + " = " +
                               std::to_string(t.data[i]) + " overflows F16 (largest 65504)");
      }
    }
    const uint64_t bytes = count * item;
    fields.push_back(JsonString(t.name) + ":{\"dtype\":\"" + DTypeName(dtype) +
                     "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(offset) +
                     "," + std::to_string(offset + bytes) + "]}");
    offset += bytes;
  }
  std::string header = "{";
  for (size_t i = 0; i < fields.size(); ++i) header += (i ? "," : "") + fields[i];
  header += "}";
  // Padding to a multiple of 8 keeps the data section 8-byte aligned within the file.
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderBytes) {
    return InvalidArgument("safetensors: the header would exceed the 100 MB limit");
  }

  std::vector<uint8_t> bytes(8 + header.size() + static_cast<size_t>(offset));
  StoreLe64(header.size(), bytes.data());
  std::memcpy(bytes.data() + 8, header.data(), header.size());
  uint8_t* p = bytes.data() + 8 + header.size();
  for (const Tensor& t : file.tensors) {
    for (float v : t.data) {
      if (store_f16) {
        const uint16_t h = FloatToHalf(v);
        *p++ = static_cast<uint8_t>(h);
        *p++ = static_cast<uint8_t>(h >> 8);
      } else {
        uint32_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        for (int k = 0; k < 4; ++k) *p++ = static_cast<uint8_t>(bits >> (8 * k));
      }
    }
  }
  *out = std::move(bytes);
  return Status::Ok();
}

}  // namespace

const Tensor* SafetensorsFile::Find(const std::string& name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t d : shape) text += (text.empty() ? "" : ", ") + std::to_string(d);
  return "[" + text + "]";
}

Status ReadSafetensors(const uint8_t* bytes, size_t size, SafetensorsFile* out) {
  // The calls above are the non-throwing ones; the catch is a last line of defence natively (in
  // WASM builds without exception support a throw would abort, which is why none is relied on).
  try {
    return ReadSafetensorsImpl(bytes, size, out);
  } catch (const std::exception& e) {
    return Invalid(std::string("unexpected error while parsing: ") + e.what());
  }
}

Status WriteSafetensors(const SafetensorsFile& file, bool store_f16, std::vector<uint8_t>* out) {
  try {
    return WriteSafetensorsImpl(file, store_f16, out);
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("safetensors: ") + e.what());
  }
}

Status ReadFileBytes(const std::string& path, std::vector<uint8_t>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return IoError("cannot open '" + path + "' for reading: " + std::strerror(errno));
  }
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> buffer(1 << 16);  // on the heap: WASM stacks are small
  size_t got;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + got);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return IoError("error while reading '" + path + "'");
  *out = std::move(bytes);
  return Status::Ok();
}

Status WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  // Written beside the target and renamed over it (atomic on POSIX): a process stopped while
  // writing leaves the previous file (a checkpoint that a long training run resumes from) whole.
  const std::string partial = path + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) {
    return IoError("cannot open '" + partial + "' for writing: " + std::strerror(errno));
  }
  const size_t written = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed) {
    std::remove(partial.c_str());
    return IoError("error while writing " + std::to_string(bytes.size()) + " bytes to '" + path +
                   "'");
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(partial.c_str());
    return IoError("cannot replace '" + path + "': " + reason);
  }
  return Status::Ok();
}

}  // namespace sw
