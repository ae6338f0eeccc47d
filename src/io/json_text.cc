#include "io/json_text.h"

#include <algorithm>

#include "core/status.h"

namespace sw {
namespace {

// Arrays and objects longer than this are summarised in excerpts.
constexpr size_t kExcerptItems = 6;

}  // namespace

int JsonNestingDepth(const std::string& text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string JsonExcerpt(const nlohmann::json& value) {
  // dump() of the whole value would first copy all of it.
  if (value.is_array() && value.size() > kExcerptItems) {
    std::string text = "[";
    for (size_t i = 0; i < kExcerptItems; ++i) text += JsonExcerpt(value[i]) + ", ";
    return ShortenForMessage(text, 56) + "... (" + std::to_string(value.size()) + " values)]";
  }
  if (value.is_object() && value.size() > kExcerptItems) {
    return "an object of " + std::to_string(value.size()) + " keys";
  }
  return ShortenForMessage(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           64);
}

}  // namespace sw
