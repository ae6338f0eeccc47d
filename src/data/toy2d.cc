#include "data/toy2d.h"

#include <algorithm>
#include <cmath>

#include "core/philox.h"

namespace sw {
namespace {

constexpr float kPi = 3.14159265358979f;

enum class Toy2d { kMoons, kSwissRoll, kRings, kCheckerboard, kTwoModes };

struct Toy2dEntry {
  const char* name;
  Toy2d kind;
};

constexpr Toy2dEntry kToy2dSets[] = {{"moons", Toy2d::kMoons},
                                     {"swiss-roll", Toy2d::kSwissRoll},
                                     {"rings", Toy2d::kRings},
                                     {"checkerboard", Toy2d::kCheckerboard},
                                     {"two-modes", Toy2d::kTwoModes}};

// floor(k * u) for u in (0, 1), clamped to k - 1 against rounding at the top.
int PickOf(int k, float u) { return std::min(k - 1, static_cast<int>(u * static_cast<float>(k))); }

// Point `index` of the set: uniforms and normals drawn from separate Philox counters of the sample.
void MakePoint(Toy2d kind, uint64_t seed, uint64_t index, float* xy) {
  float u[4], z[2];
  FillUniform(seed, RandomStream::kToy2d, index, 0.0f, 1.0f, u, 4);
  FillNormal(seed, RandomStream::kToy2d, index, 0, z, 2);
  switch (kind) {
    case Toy2d::kMoons: {
      const float t = kPi * u[1];
      const bool upper = u[0] < 0.5f;
      xy[0] = (upper ? std::cos(t) : 1.0f - std::cos(t)) + 0.05f * z[0];
      xy[1] = (upper ? std::sin(t) : 0.5f - std::sin(t)) + 0.05f * z[1];
      break;
    }
    case Toy2d::kSwissRoll: {
      const float t = 1.5f * kPi * (1.0f + 2.0f * u[0]);
      xy[0] = t * std::cos(t) / 5.0f + 0.05f * z[0];
      xy[1] = t * std::sin(t) / 5.0f + 0.05f * z[1];
      break;
    }
    case Toy2d::kRings: {
      const float angle = 0.25f * kPi * static_cast<float>(PickOf(8, u[0]));
      xy[0] = 3.0f * std::cos(angle) + 0.25f * z[0];
      xy[1] = 3.0f * std::sin(angle) + 0.25f * z[1];
      break;
    }
    case Toy2d::kCheckerboard: {
      // Black square k: row k / 2, and in that row the columns of the parity that makes
      // col + row even.
      const int k = PickOf(8, u[0]);
      const int row = k / 2, col = 2 * (k % 2) + row % 2;
      xy[0] = -4.0f + 2.0f * (static_cast<float>(col) + u[1]);
      xy[1] = -4.0f + 2.0f * (static_cast<float>(row) + u[2]);
      break;
    }
    case Toy2d::kTwoModes: {
      const float mean = u[0] < 0.2f ? -5.0f : 5.0f;
      xy[0] = mean + z[0];
      xy[1] = mean + z[1];
      break;
    }
  }
}

}  // namespace

std::vector<std::string> Toy2dNames() {
  std::vector<std::string> names;
  for (const Toy2dEntry& e : kToy2dSets) names.push_back(e.name);
  return names;
}

Status MakeToy2d(const std::string& name, size_t n, uint64_t seed, std::vector<float>* out) {
  if (out == nullptr) return InvalidArgument("MakeToy2d: out is null");
  constexpr size_t kMaxPoints = size_t{1} << 28;
  if (n > kMaxPoints) {
    return InvalidArgument("MakeToy2d: n = " + std::to_string(n) + " exceeds 2^28 points");
  }
  const Toy2dEntry* entry = nullptr;
  for (const Toy2dEntry& e : kToy2dSets) {
    if (name == e.name) entry = &e;
  }
  if (entry == nullptr) {
    std::string known;
    for (const Toy2dEntry& e : kToy2dSets) known += std::string(known.empty() ? "" : ", ") + e.name;
    return InvalidArgument("unknown toy data set " + QuoteForMessage(name) + "; known: " + known);
  }
  out->assign(2 * n, 0.0f);
  for (size_t i = 0; i < n; ++i) MakePoint(entry->kind, seed, i, out->data() + 2 * i);
  return Status::Ok();
}

}  // namespace sw
