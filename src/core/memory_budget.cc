#include "core/memory_budget.h"

#include <cstdio>

namespace sw {
namespace {

std::string Mebibytes(uint64_t bytes) {
  char text[48];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace

Status CheckWorkingMemory(uint64_t bytes, const std::string& what) {
  if (bytes <= kWorkingMemoryBudgetBytes) return Status::Ok();
  return OutOfMemory(what + " needs " + Mebibytes(bytes) +
                     " of working memory; this build allows at most " +
                     Mebibytes(kWorkingMemoryBudgetBytes));
}

}  // namespace sw
