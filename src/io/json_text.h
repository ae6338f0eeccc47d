// Reading untrusted JSON text safely: how deep it nests (checked before nlohmann parses it, since
// its parser, dump() and JavaScript's JSON.parse all recurse), and short excerpts of values for
// error messages (a hostile file may hold arrays of millions of entries or megabyte strings).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sw {

// The deepest nesting of [ and { in `text`, ignoring brackets inside strings; stops scanning
// once the depth exceeds `limit` (so the result is at most limit + 1).
int JsonNestingDepth(const std::string& text, int limit);

// `value` as JSON text of about 64 bytes at most: long arrays show their first few values and
// their length, large objects their key count, long text is cut.
std::string JsonExcerpt(const nlohmann::json& value);

}  // namespace sw
