// SiLU on one Highway vector, shared by f32_silu and the f32_dense epilogue so that both give
// bit-identical results. Per-target header: include it after kernels/dispatch.h.
#if defined(SW_KERNELS_SILU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SW_KERNELS_SILU_INL_H_
#undef SW_KERNELS_SILU_INL_H_
#else
#define SW_KERNELS_SILU_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"
#include "kernels/silu_constants.h"

HWY_BEFORE_NAMESPACE();
namespace sw {
namespace HWY_NAMESPACE {

// One of SiLU's constants as a vector. In WebAssembly it is loaded from memory at each use (one
// v128.load of the value repeated over the lanes): as an immediate, hoisted by LLVM into a local,
// V8 spills it or rebuilds it at each use (three instructions) once the registers run out, which
// they do where the SiLU runs beside the dense kernel's loops. Loading them made the 2-D models'
// MLP about 12 % faster in V8 (bench: score_bench SamplingMlp); the values, hence the bits, are
// the same. Native compilers keep immediates in registers or fold them into the instruction.
template <class D>
HWY_INLINE hwy::HWY_NAMESPACE::Vec<D> SiluConstantVec(D d, SiluConstant which) {
#if HWY_TARGET == HWY_WASM
  return hwy::HWY_NAMESPACE::Load(d, silu_constants_in_memory.values[which]);
#else
  return hwy::HWY_NAMESPACE::Set(d, kSiluConstants.values[which]);
#endif
}

// exp(t) for t in [-87, 0] (where the result is a normal float), within about 1 ulp.
// t = n ln2 + r with |r| <= ln2 / 2; exp(r) = 1 + r + r^2 P(r) with the degree-5 minimax P that
// Highway's Exp also uses; 2^n is built directly in the exponent field. n is rounded by adding
// 1.5 * 2^23 instead of converting to int: WASM SIMD only has a saturating float-to-int conversion,
// which V8 expands to about eight x86 instructions, and that made Highway's Exp the bulk of SiLU.
template <class D, class V>
HWY_INLINE V ExpNonPositive(D d, V t) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::RebindToSigned<D> di;
  // After adding it, the low mantissa bits hold n + 127 (the biased exponent of 2^n).
  const V kShifter = SiluConstantVec(d, kSiluExpShifter);
  const V shifted = hn::MulAdd(t, SiluConstantVec(d, kSiluLog2E), kShifter);
  const V n = hn::Sub(shifted, kShifter);
  // ln 2 in two parts, the first with trailing zero bits so that n * part0 is exact.
  V r = hn::MulAdd(n, SiluConstantVec(d, kSiluLn2High), t);
  r = hn::MulAdd(n, SiluConstantVec(d, kSiluLn2Low), r);
  V p = SiluConstantVec(d, kSiluP5);
  p = hn::MulAdd(p, r, SiluConstantVec(d, kSiluP4));
  p = hn::MulAdd(p, r, SiluConstantVec(d, kSiluP3));
  p = hn::MulAdd(p, r, SiluConstantVec(d, kSiluP2));
  p = hn::MulAdd(p, r, SiluConstantVec(d, kSiluP1));
  p = hn::MulAdd(p, r, SiluConstantVec(d, kSiluP0));
  const V exp_r = hn::Add(hn::MulAdd(p, hn::Mul(r, r), r), SiluConstantVec(d, kSiluOne));
  const V pow2_n = hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, shifted)));
  return hn::Mul(exp_r, pow2_n);
}

// x * sigmoid(x) within a few ulp: x / (1 + e) for x >= 0 and x * e / (1 + e) for x < 0, with
// e = exp(-|x|) <= 1 so that nothing overflows. e is used as h * h with h = exp(-|x| / 2): for
// x < -87, e alone would be a denormal with few significant bits while x * e is still a normal
// float. Below -150 the result underflows to 0, which also maps -inf to 0 (not -inf * 0 = NaN).
// NaN stays NaN; +inf stays +inf.
template <class D, class V>
HWY_INLINE V Silu(D d, V x) {
  namespace hn = hwy::HWY_NAMESPACE;
  // Clamping keeps exp's argument in range; beyond it the result no longer depends on h.
  const V half_neg_abs = hn::Max(hn::Mul(hn::Abs(x), SiluConstantVec(d, kSiluMinusHalf)),
                                 SiluConstantVec(d, kSiluExpFloor));
  const V h = ExpNonPositive(d, half_neg_abs);
  const V numerator = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(hn::Mul(x, h), h), x);
  // 1 + h², written as one MulAdd: GCC fuses a Mul followed by an Add (-ffp-contract=fast) in
  // some builds and not in others (ASan's instrumentation prevents it), which changed the bits
  // between builds; with MulAdd every build rounds once where the target has FMA.
  const V y = hn::Div(numerator, hn::MulAdd(h, h, SiluConstantVec(d, kSiluOne)));
  return hn::IfThenZeroElse(hn::Lt(x, SiluConstantVec(d, kSiluUnderflow)), y);
}

// y[i] = silu(x[i]) for i < n; y == x allowed. Whole vectors four at a time (one SiLU is a long
// dependency chain: independent ones let the CPU overlap them), then the last partial vector
// through a zero-padded buffer rather than a scalar loop, so that every element gets the same
// operations wherever it sits.
HWY_INLINE void SiluSpan(const float* x, float* y, size_t n) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  constexpr size_t kU = 4;
  size_t i = 0;
  for (; i + kU * N <= n; i += kU * N) {
    hn::Vec<decltype(d)> v[kU];
    for (size_t u = 0; u < kU; ++u) v[u] = hn::LoadU(d, x + i + u * N);
    for (size_t u = 0; u < kU; ++u) v[u] = Silu(d, v[u]);
    for (size_t u = 0; u < kU; ++u) hn::StoreU(v[u], d, y + i + u * N);
  }
  for (; i + N <= n; i += N) hn::StoreU(Silu(d, hn::LoadU(d, x + i)), d, y + i);
  if (i == n) return;
  HWY_ALIGN float buf[hn::MaxLanes(d)] = {};
  std::memcpy(buf, x + i, (n - i) * sizeof(float));
  hn::Store(Silu(d, hn::Load(d, buf)), d, buf);
  std::memcpy(y + i, buf, (n - i) * sizeof(float));
}

}  // namespace HWY_NAMESPACE
}  // namespace sw
HWY_AFTER_NAMESPACE();

#endif  // SW_KERNELS_SILU_INL_H_ toggle
