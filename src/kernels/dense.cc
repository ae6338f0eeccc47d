// Highway SIMD body of f32_dense (kernels/dense.h): a register-blocked GEMM micro-kernel with a
// fused bias + activation epilogue.
//
// Layout of the work. The output columns are cut into panels of kMaxCols vectors; each tile
// computes kRows rows × one panel entirely in registers, over the whole K (= in) dimension:
//   acc[r][c] = bias;  for k: acc[r][c] = MulAdd(broadcast(x[r][k]), W[k][panel c], acc[r][c]);
//   y = act(acc).
// When the batch has more than one row block, W is copied panel by panel into a contiguous,
// aligned scratch ("packing"), a block of panels at a time sized to stay in L2, and every row block
// sweeps that block: W is then read from L1/L2 at unit stride instead of with stride `out` (which
// for out = 1024 maps every k onto the same L1 set). The last, partial panel is always packed,
// zero-padded to whole vectors, so column tails run the same vector code.
//
// Determinism: every output element is bias (or 0), then MulAdd over k = 0..in-1 in order, then
// the epilogue, in every tile shape and whether W was packed or not. Which tile handles a row
// depends on the batch, but its result does not: rows are bit-identical however callers split the
// batch.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/dense.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dense.cc"
#include "kernels/dispatch.h"
#include "kernels/silu-inl.h"

HWY_BEFORE_NAMESPACE();
namespace sw {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

// Register block (rows × vectors of accumulators), chosen per target from the register file.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// 32 registers: 24 accumulators + 4 W vectors + broadcast.
constexpr size_t kMaxRows = 6;
constexpr size_t kMaxCols = 4;
#elif HWY_TARGET == HWY_WASM
// V8 maps WASM SIMD onto 16 xmm registers and keeps one as scratch; without FMA each MulAdd also
// needs a temporary.
#ifdef TUNE_R
constexpr size_t kMaxRows = TUNE_R;
constexpr size_t kMaxCols = TUNE_C;
#else
constexpr size_t kMaxRows = 5;
constexpr size_t kMaxCols = 2;
#endif
#else
// 16 registers with FMA (AVX2) or without (SSE4, EMU128).
constexpr size_t kMaxRows = 4;
constexpr size_t kMaxCols = 3;
#endif

// Vectors of columns in the tiles of a single-row call (a matrix-vector product): with one row
// there is no reuse of W to keep in registers, so they all go to accumulators.
constexpr size_t kRowVectors = 8;

// Bytes of packed W kept per block of panels: about half of a 512 KiB-1 MiB L2.
constexpr size_t kPackBlockBytes = 256 * 1024;

struct TileArgs {
  const float* x;     // the tile's rows interleaved: x[r][k] at x + k * kRows + r
  const float* w;     // the panel: W[k][c] at w + k * w_stride + c, whole vectors readable
  size_t w_stride;
  const float* bias;  // the panel's bias, whole vectors readable; nullptr for zeros
  float* y;           // first output of the tile; rows are `out` apart
  size_t in;
  size_t out;
  size_t cols;        // valid columns of the panel (the rest are zero padding)
};

// Calls f(integral_constant<size_t, i>) for i = 0..kN-1. The tile loops go through this so that
// every accumulator index is a compile-time constant: a loop the compiler declines to unroll would
// leave the accumulators in memory (clang for WASM then stores them on every k).
template <class F, size_t... kI>
HWY_INLINE void UnrollImpl(const F& f, std::index_sequence<kI...>) {
  (f(std::integral_constant<size_t, kI>()), ...);
}
template <size_t kN, class F>
HWY_INLINE void Unroll(const F& f) {
  UnrollImpl(f, std::make_index_sequence<kN>());
}

// One tile: kRows rows × kCols vectors of columns, accumulated in registers over all of k.
template <size_t kRows, size_t kCols>
HWY_NOINLINE void Tile(const TileArgs& a) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t w_stride = a.w_stride;
  VF acc[kRows][kCols];
  Unroll<kCols>([&](auto c) {
    const VF b = a.bias ? hn::LoadU(d, a.bias + c * N) : hn::Zero(d);
    Unroll<kRows>([&](auto r) { acc[r][c] = b; });
  });

  // acc[r][c] += x[r][k] * W[k][c], k in increasing order. Not unrolled over k: clang for WASM
  // would regroup an unrolled body by accumulator, keeping every step's W vectors live, and V8
  // would spill them.
  const float* HWY_RESTRICT x = a.x;
  const float* HWY_RESTRICT w = a.w;
  const float* const x_end = x + a.in * kRows;
  for (; x != x_end; x += kRows, w += w_stride) {
    VF wv[kCols];
    Unroll<kCols>([&](auto c) { wv[c] = hn::LoadU(d, w + c * N); });
    Unroll<kRows>([&](auto r) {
      const VF xb = hn::Set(d, x[r]);
      Unroll<kCols>([&](auto c) { acc[r][c] = hn::MulAdd(xb, wv[c], acc[r][c]); });
    });
  }

  // Only the last vector of a panel can be partial; it goes through a buffer because y may end
  // right after the last valid column.
  Unroll<kRows>([&](auto r) {
    float* yr = a.y + r * a.out;
    Unroll<kCols>([&](auto c) {
      if ((c + 1) * N <= a.cols) {
        hn::StoreU(acc[r][c], d, yr + c * N);
      } else {
        HWY_ALIGN float buf[hn::MaxLanes(d)];
        hn::Store(acc[r][c], d, buf);
        std::memcpy(yr + c * N, buf, (a.cols - c * N) * sizeof(float));
      }
    });
  });
}

using TileFn = void (*)(const TileArgs&);

template <size_t kRows, size_t... kColsMinus1>
constexpr std::array<TileFn, kMaxCols> TileRow(std::index_sequence<kColsMinus1...>) {
  return {{&Tile<kRows, kColsMinus1 + 1>...}};
}

template <size_t... kRowsMinus1>
constexpr std::array<std::array<TileFn, kMaxCols>, kMaxRows> TileTable(
    std::index_sequence<kRowsMinus1...>) {
  return {{TileRow<kRowsMinus1 + 1>(std::make_index_sequence<kMaxCols>())...}};
}

// kTiles[rows - 1][vectors - 1]: every tile shape, for row and column remainders.
constexpr std::array<std::array<TileFn, kMaxCols>, kMaxRows> kTiles =
    TileTable(std::make_index_sequence<kMaxRows>());

template <size_t... kVectorsMinus1>
constexpr std::array<TileFn, kRowVectors> RowTileTable(std::index_sequence<kVectorsMinus1...>) {
  return {{&Tile<1, kVectorsMinus1 + 1>...}};
}

// kRowTiles[vectors - 1]: the wide single-row tiles.
constexpr std::array<TileFn, kRowVectors> kRowTiles =
    RowTileTable(std::make_index_sequence<kRowVectors>());

// Scratch buffers reused across calls, one set per thread (callers run f32_dense on several
// threads at once).
struct Scratch {
  std::vector<float> x;  // packed x
  std::vector<float> w;  // packed panels of W, plus room to align them
  std::vector<float> tail_bias;
  std::vector<std::pair<const float*, size_t>> panels;  // each panel's W and row stride
};

// Returns p rounded up to a multiple of `bytes`.
float* AlignUp(float* p, size_t bytes) {
  const uintptr_t u = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>((u + bytes - 1) / bytes * bytes);
}

// Copies x into row blocks of kMaxRows (the last may be shorter), each block's rows interleaved:
// x[r0 + r][k] at dst[r0 * in + k * rows + r].
void PackX(const float* x, size_t batch, size_t in, float* dst) {
  for (size_t r0 = 0; r0 < batch; r0 += kMaxRows) {
    const size_t rows = std::min(kMaxRows, batch - r0);
    float* block = dst + r0 * in;
    for (size_t r = 0; r < rows; ++r) {
      const float* row = x + (r0 + r) * in;
      for (size_t k = 0; k < in; ++k) block[k * rows + r] = row[k];
    }
  }
}

// Copies `cols` columns of W starting at col0 into dst, `width` floats per row, zero-padded.
// A full panel is copied with whole vectors: a memcpy call per row would cost as much as the copy.
void PackPanel(const float* w, size_t in, size_t out, size_t col0, size_t cols, size_t width,
               float* HWY_RESTRICT dst) {
  const DF d;
  const size_t N = hn::Lanes(d);
  if (cols == kMaxCols * N && width == cols) {
    for (size_t k = 0; k < in; ++k, dst += width) {
      const float* src = w + k * out + col0;
      Unroll<kMaxCols>([&](auto c) { hn::Store(hn::LoadU(d, src + c * N), d, dst + c * N); });
    }
    return;
  }
  for (size_t k = 0; k < in; ++k, dst += width) {
    std::memcpy(dst, w + k * out + col0, cols * sizeof(float));
    std::fill(dst + cols, dst + width, 0.0f);
  }
}

void DenseImpl(const float* x, const float* w, const float* bias, float* y, size_t batch,
               size_t in, size_t out, Activation act) {
  if (batch == 0 || out == 0) return;
  const DF d;
  const size_t N = hn::Lanes(d);
  const bool single_row = batch == 1;
  const size_t panel_width = (single_row ? kRowVectors : kMaxCols) * N;
  const size_t num_panels = (out + panel_width - 1) / panel_width;
  // Panels packed at a time: enough to fill about kPackBlockBytes, so that every row block
  // sweeps them while they are in L2.
  const size_t panel_bytes = std::max<size_t>(in, 1) * panel_width * sizeof(float);
  const size_t block_panels =
      std::min(num_panels, std::max<size_t>(1, kPackBlockBytes / panel_bytes));

  static thread_local Scratch scratch;
  scratch.x.resize(batch * in);
  PackX(x, batch, in, scratch.x.data());
  constexpr size_t kAlign = 64;
  scratch.w.resize(block_panels * panel_width * in + kAlign / sizeof(float));
  float* const packed_w = AlignUp(scratch.w.data(), kAlign);
  // The bias of the last panel, padded to whole vectors.
  const size_t last_col0 = (num_panels - 1) * panel_width;
  scratch.tail_bias.assign(panel_width, 0.0f);
  if (bias != nullptr) std::copy(bias + last_col0, bias + out, scratch.tail_bias.begin());

  // With a single row block every panel is used once, and packing would only add a copy: full
  // panels are then read in place. The last, partial panel is always packed (zero-padded), so that
  // it can be read as whole vectors.
  const bool pack_full_panels = batch > kMaxRows;
  scratch.panels.resize(block_panels);
  for (size_t p0 = 0; p0 < num_panels; p0 += block_panels) {
    const size_t p1 = std::min(num_panels, p0 + block_panels);
    float* dst = packed_w;
    for (size_t p = p0; p < p1; ++p) {
      const size_t col0 = p * panel_width;
      const size_t cols = std::min(panel_width, out - col0);
      if (pack_full_panels || cols < panel_width) {
        const size_t width = (cols + N - 1) / N * N;
        PackPanel(w, in, out, col0, cols, width, dst);
        scratch.panels[p - p0] = {dst, width};
        dst += width * in;
      } else {
        scratch.panels[p - p0] = {w + col0, out};
      }
    }
    for (size_t r0 = 0; r0 < batch; r0 += kMaxRows) {
      const size_t rows = std::min(kMaxRows, batch - r0);
      for (size_t p = p0; p < p1; ++p) {
        const size_t col0 = p * panel_width;
        const size_t cols = std::min(panel_width, out - col0);
        const float* panel_bias = bias == nullptr          ? nullptr
                                  : cols < panel_width ? scratch.tail_bias.data()
                                                       : bias + col0;
        const TileArgs args{scratch.x.data() + r0 * in,
                            scratch.panels[p - p0].first,
                            scratch.panels[p - p0].second,
                            panel_bias,
                            y + r0 * out + col0,
                            in,
                            out,
                            cols};
        const size_t vectors = (cols + N - 1) / N;
        (single_row ? kRowTiles[vectors - 1] : kTiles[rows - 1][vectors - 1])(args);
      }
      // The activation runs over the block's outputs while they are in L1, rather than inside
      // the tiles: there, with the accumulators occupying the registers, V8 rebuilds every SiLU
      // constant at each use (three instructions apiece), which made SiLU cost 3× more.
      if (act == Activation::kSilu) {
        const size_t col0 = p0 * panel_width;
        const size_t cols = std::min(out, p1 * panel_width) - col0;
        for (size_t r = r0; r < r0 + rows; ++r) SiluSpan(y + r * out + col0, y + r * out + col0, cols);
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace sw
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sw {

HWY_EXPORT(DenseImpl);

void f32_dense(const float* x, const float* w, const float* bias, float* y, size_t batch,
               size_t in, size_t out, Activation act) {
  SW_DISPATCH(DenseImpl)(x, w, bias, y, batch, in, out, act);
}

}  // namespace sw
#endif  // HWY_ONCE
