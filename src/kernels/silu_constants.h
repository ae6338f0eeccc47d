// The constants of the SiLU kernel (kernels/silu-inl.h), in one place for every SIMD target.
#pragma once

#include <cstddef>

namespace sw {

// Indices into SiluConstants::values.
enum SiluConstant : size_t {
  kSiluExpShifter,  // 1.5 · 2^23 + 127: adding it rounds to an integer n and biases it
  kSiluLog2E,
  kSiluLn2High,  // −ln 2 in two parts, the first with trailing zero bits
  kSiluLn2Low,
  kSiluP5,  // exp(r) = 1 + r + r² (P0 + P1 r + … + P5 r⁵), the minimax P of Highway's Exp
  kSiluP4,
  kSiluP3,
  kSiluP2,
  kSiluP1,
  kSiluP0,
  kSiluOne,
  kSiluMinusHalf,
  kSiluExpFloor,   // exp's argument is clamped here: exp(−87) is still a normal float
  kSiluUnderflow,  // below it the result is 0
  kSiluConstantCount
};

struct SiluConstants {
  float values[kSiluConstantCount];
};

inline constexpr SiluConstants kSiluConstants = {{
    12582912.0f + 127.0f,
    1.44269504088896341f,
    -0.693145751953125f,
    -1.428606765330187045e-6f,
    0.000198527617612853646278381f,
    0.00139304355252534151077271f,
    0.00833336077630519866943359f,
    0.0416664853692054748535156f,
    0.166666671633720397949219f,
    0.5f,
    1.0f,
    -0.5f,
    -87.0f,
    -150.0f,
}};

// The same values, each repeated over a 128-bit vector, defined in silu_constants.cc so that the
// code including this header cannot see them and must load them from memory; see SiluConstantVec
// in kernels/silu-inl.h for why WebAssembly wants that. Nothing writes it. It is not const on
// purpose: LLVM treats a const object's memory as immutable and hoists its loads out of the
// loops, back into registers.
struct alignas(16) SiluConstantVectors {
  float values[kSiluConstantCount][4];
};
extern SiluConstantVectors silu_constants_in_memory;

}  // namespace sw
