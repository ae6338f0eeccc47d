// Highway SIMD bodies of the elementwise kernels declared in kernels/elementwise.h.
#include "kernels/elementwise.h"

#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/elementwise.cc"
#include "kernels/dispatch.h"
#include "kernels/silu-inl.h"

HWY_BEFORE_NAMESPACE();
namespace sw {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y[i] = op(d, x[i]) one vector at a time. The last partial vector goes through a zero-padded
// buffer rather than a scalar loop, so every element gets exactly the same operations wherever it
// sits (results do not depend on n or on how callers split an array). y == x is allowed.
template <class Op>
HWY_INLINE void MapUnary(const float* x, float* y, size_t n, const Op& op) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(op(d, hn::LoadU(d, x + i)), d, y + i);
  if (i == n) return;
  HWY_ALIGN float buf[hn::MaxLanes(d)] = {};
  std::memcpy(buf, x + i, (n - i) * sizeof(float));
  hn::Store(op(d, hn::Load(d, buf)), d, buf);
  std::memcpy(y + i, buf, (n - i) * sizeof(float));
}

void SiluImpl(const float* x, float* y, size_t n) { SiluSpan(x, y, n); }

void ScaleImpl(const float* x, float a, float* y, size_t n) {
  MapUnary(x, y, n, [a](auto d, auto v) { return hn::Mul(hn::Set(d, a), v); });
}

void LangevinUpdateImpl(float* x, const float* s, const float* z, float a, float b, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  const auto vb = hn::Set(d, b);
  const auto update = [&](auto vx, auto vs, auto vz) {
    return hn::Add(vx, hn::MulAdd(va, vs, hn::Mul(vb, vz)));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(update(hn::LoadU(d, x + i), hn::LoadU(d, s + i), hn::LoadU(d, z + i)), d, x + i);
  }
  if (i == n) return;
  // Same padded-buffer tail as MapUnary, for the same reason.
  HWY_ALIGN float bx[hn::MaxLanes(d)] = {};
  HWY_ALIGN float bs[hn::MaxLanes(d)] = {};
  HWY_ALIGN float bz[hn::MaxLanes(d)] = {};
  const size_t bytes = (n - i) * sizeof(float);
  std::memcpy(bx, x + i, bytes);
  std::memcpy(bs, s + i, bytes);
  std::memcpy(bz, z + i, bytes);
  hn::Store(update(hn::Load(d, bx), hn::Load(d, bs), hn::Load(d, bz)), d, bx);
  std::memcpy(x + i, bx, bytes);
}

}  // namespace HWY_NAMESPACE
}  // namespace sw
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sw {

HWY_EXPORT(SiluImpl);
HWY_EXPORT(ScaleImpl);
HWY_EXPORT(LangevinUpdateImpl);

void f32_silu(const float* x, float* y, size_t n) { SW_DISPATCH(SiluImpl)(x, y, n); }

void f32_scale(const float* x, float a, float* y, size_t n) { SW_DISPATCH(ScaleImpl)(x, a, y, n); }

void f32_langevin_update(float* x, const float* s, const float* z, float a, float b, size_t n) {
  SW_DISPATCH(LangevinUpdateImpl)(x, s, z, a, b, n);
}

}  // namespace sw
#endif  // HWY_ONCE
