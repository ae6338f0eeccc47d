// Status: how the core reports anything a caller can cause (bad shape, bad file, bad option).
// The numerical core never throws; the JS layer maps codes to ScoreWasmError.code strings.
#pragma once

#include <string>
#include <utility>

namespace sw {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // an option, shape or value is wrong
  kInvalidModel = 2,     // a model file is malformed, truncated or unsupported
  kAborted = 3,          // the caller cancelled a long run
  kIoError = 4,          // a file could not be read or written
  kInternal = 5,         // a broken invariant; a bug in this library
  kOutOfMemory = 6,      // the work would need more memory than this build allows (see
                         // core/memory_budget.h); nothing was allocated
};

// Stable, upper-case names ("INVALID_ARGUMENT", ...) used as error codes in JavaScript.
const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: message", for logs and native tools.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// `text` for an error message: unchanged up to max_bytes, else cut (at a UTF-8 boundary) to about
// max_bytes - 4 and ended with "...". Names and values from a hostile file can be megabytes long.
std::string ShortenForMessage(const std::string& text, size_t max_bytes);

// `s` shortened to about 80 bytes, in double quotes.
std::string QuoteForMessage(const std::string& s);

// A number as a message shows it: printf's %g (six significant digits, "inf", "nan").
std::string NumberForMessage(double v);

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status InvalidModel(std::string m) {
  return Status(StatusCode::kInvalidModel, std::move(m));
}
inline Status IoError(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
inline Status OutOfMemory(std::string m) { return Status(StatusCode::kOutOfMemory, std::move(m)); }

}  // namespace sw

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define SW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::sw::Status sw_status_ = (expr);        \
    if (!sw_status_.ok()) return sw_status_; \
  } while (0)
