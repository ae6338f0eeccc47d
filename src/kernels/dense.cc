// Highway SIMD body of f32_dense (kernels/dense.h) and f32_conv3x3 (kernels/conv3x3.h): a
// register-blocked GEMM micro-kernel, fed either with packed rows of x (dense) or, for the 3 × 3
// convolution, through a table of pointers to each output pixel's nine input taps (an indirect
// GEMM, as XNNPACK does it: no im2col copy is made, and padding taps point at a row of zeros).
//
// The output columns are cut into panels of kMaxCols vectors. A tile computes kRows rows × one
// panel in registers over the whole of k (= in):
//   acc[r][c] = bias;  for k: acc[r][c] = MulAdd(broadcast(x[r][k]), W[k][panel c], acc[r][c]);
// then stores it; the activation follows as a pass over each row block's outputs while they are in
// L1. x is first copied into row blocks with their rows interleaved, so that a tile reads its kRows
// inputs for one k from a single pointer. When the batch has more than one row block, W is packed
// too: a block of panels at a time (sized to stay in L2) is copied into contiguous, aligned scratch
// that every row block then sweeps, instead of reading W with stride `out` (which for out = 1024
// maps every k onto the same L1 set). The last, partial panel is always packed, zero-padded to
// whole vectors, so column tails run the same vector code. The convolution takes W already in
// panels (f32_conv3x3_pack), packed once by its caller for all the parts of a split. A single row
// (batch 1) streams W row by row instead (DenseRow), since there is no reuse of W for a register
// tile to exploit.
//
// Determinism: every output element is bias (or 0), then MulAdd over k = 0..in-1 in order, then
// the activation, in every tile shape, with W packed or not, and in DenseRow. Which path handles a
// row depends on the batch, but its result does not: rows are bit-identical however callers split
// the batch. The convolution's k runs over (tap, channel) in im2col's order, so it gives the bits
// of im2col followed by f32_dense.
#include "kernels/dense.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/conv3x3.h"

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
#elif HWY_TARGET == HWY_AVX2
// 16 registers with FMA: 12 accumulators + 3 W vectors + broadcast.
constexpr size_t kMaxRows = 4;
constexpr size_t kMaxCols = 3;
#else
// 16 registers without FMA (WASM, SSE4, SSSE3; V8 also keeps one xmm register as scratch): each
// MulAdd needs a temporary, so 10 accumulators + 2 W vectors + broadcast + temporary. Measured
// in V8 on Zen 4 against 4x3, 3x4, 6x2 (these spill), 4x2, 3x3, 2x4 (slower): 5x2 is fastest.
constexpr size_t kMaxRows = 5;
constexpr size_t kMaxCols = 2;
#endif

// Bytes of packed W kept per block of panels: about half of a 512 KiB-1 MiB L2.
constexpr size_t kPackBlockBytes = 256 * 1024;

struct TileArgs {
  const float* x;  // the tile's rows interleaved: x[r][k] at x + k * kRows + r
  const float* w;  // the panel: W[k][c] at w + k * w_stride + c, whole vectors readable
  size_t w_stride;
  const float* bias;  // the panel's bias, whole vectors readable; nullptr for zeros
  float* y;           // first output of the tile; rows are `out` apart
  size_t in;
  size_t out;
  size_t cols;  // valid columns of the panel (the rest are zero padding)
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

template <size_t kRows, size_t kCols>
HWY_INLINE void InitTile(const float* bias, VF (&acc)[kRows][kCols]) {
  const DF d;
  const size_t N = hn::Lanes(d);
  Unroll<kCols>([&](auto c) {
    const VF b = bias ? hn::LoadU(d, bias + c * N) : hn::Zero(d);
    Unroll<kRows>([&](auto r) { acc[r][c] = b; });
  });
}

// Only the last vector of a panel can be partial; it goes through a buffer because y may end
// right after the last valid column.
template <size_t kRows, size_t kCols>
HWY_INLINE void StoreTile(const VF (&acc)[kRows][kCols], float* y, size_t out, size_t cols) {
  const DF d;
  const size_t N = hn::Lanes(d);
  Unroll<kRows>([&](auto r) {
    float* yr = y + r * out;
    Unroll<kCols>([&](auto c) {
      if ((c + 1) * N <= cols) {
        hn::StoreU(acc[r][c], d, yr + c * N);
      } else {
        HWY_ALIGN float buf[hn::MaxLanes(d)];
        hn::Store(acc[r][c], d, buf);
        std::memcpy(yr + c * N, buf, (cols - c * N) * sizeof(float));
      }
    });
  });
}

// One tile: kRows rows × kCols vectors of columns, accumulated in registers over all of k.
template <size_t kRows, size_t kCols>
HWY_INLINE void Tile(const TileArgs& a) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t w_stride = a.w_stride;
  VF acc[kRows][kCols];
  InitTile(a.bias, acc);

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
  StoreTile(acc, a.y, a.out, a.cols);
}

// The convolution's tile: row r's input for k = tap · channels + ch is taps[tap · kRows + r][ch]
// (the pixel's neighbour at that tap, or the zero row), the rest as in TileArgs.
struct IndirectTileArgs {
  const float* const* taps;
  size_t num_taps, channels;
  const float* w;
  size_t w_stride;
  const float* bias;
  float* y;
  size_t out, cols;
};

// Tile's loop with the inputs read through the tap pointers: the same MulAdd per k, in the same
// order.
template <size_t kRows, size_t kCols>
HWY_INLINE void IndirectTile(const IndirectTileArgs& a) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t w_stride = a.w_stride, channels = a.channels;
  VF acc[kRows][kCols];
  InitTile(a.bias, acc);
  const float* HWY_RESTRICT w = a.w;
  for (size_t t = 0; t < a.num_taps; ++t) {
    const float* HWY_RESTRICT px[kRows];
    Unroll<kRows>([&](auto r) { px[r] = a.taps[t * kRows + r]; });
    for (size_t ch = 0; ch < channels; ++ch, w += w_stride) {
      VF wv[kCols];
      Unroll<kCols>([&](auto c) { wv[c] = hn::LoadU(d, w + c * N); });
      Unroll<kRows>([&](auto r) {
        const VF xb = hn::Set(d, px[r][ch]);
        Unroll<kCols>([&](auto c) { acc[r][c] = hn::MulAdd(xb, wv[c], acc[r][c]); });
      });
    }
  }
  StoreTile(acc, a.y, a.out, a.cols);
}

// kTiles[rows - 1][vectors - 1] (and kIndirectTiles): every tile shape, for row and column
// remainders.
template <class Args, template <size_t, size_t> class Kernel>
struct TileTable {
  using Fn = void (*)(const Args&);
  template <size_t kRows, size_t... kColsMinus1>
  static constexpr std::array<Fn, kMaxCols> Row(std::index_sequence<kColsMinus1...>) {
    return {{&Kernel<kRows, kColsMinus1 + 1>::Run...}};
  }
  template <size_t... kRowsMinus1>
  static constexpr std::array<std::array<Fn, kMaxCols>, kMaxRows> All(
      std::index_sequence<kRowsMinus1...>) {
    return {{Row<kRowsMinus1 + 1>(std::make_index_sequence<kMaxCols>())...}};
  }
  static constexpr std::array<std::array<Fn, kMaxCols>, kMaxRows> kTable =
      All(std::make_index_sequence<kMaxRows>());
};
template <size_t kRows, size_t kCols>
struct DenseTile {
  static HWY_NOINLINE void Run(const TileArgs& a) { Tile<kRows, kCols>(a); }
};
template <size_t kRows, size_t kCols>
struct ConvTile {
  static HWY_NOINLINE void Run(const IndirectTileArgs& a) { IndirectTile<kRows, kCols>(a); }
};
constexpr auto& kTiles = TileTable<TileArgs, DenseTile>::kTable;
constexpr auto& kIndirectTiles = TileTable<IndirectTileArgs, ConvTile>::kTable;

// Scratch buffers reused across calls, one set per thread (callers run f32_dense on several
// threads at once).
struct Scratch {
  std::vector<float> x;  // packed x
  std::vector<float> w;  // packed panels of W, plus room to align them
  std::vector<float> tail_bias;
  std::vector<std::pair<const float*, size_t>> panels;  // each panel's W and row stride
  std::vector<const float*> taps;                       // the convolution's tap pointers
  std::vector<float> zeros;                             // the convolution's padding row
};

Scratch& ThreadScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

// Returns p advanced to the next multiple of `bytes` (p is float-aligned, so that is whole floats).
float* AlignUp(float* p, size_t bytes) {
  const size_t misalignment = reinterpret_cast<uintptr_t>(p) % bytes;
  return misalignment == 0 ? p : p + (bytes - misalignment) / sizeof(float);
}

// Copies x into row blocks of kMaxRows (the last may be shorter), each block's rows interleaved:
// x[r0 + r][k] at dst[r0 * in + k * rows + r]. Full blocks go through a loop with the row count
// fixed at compile time, which writes dst sequentially; the generic loop is several times slower,
// and for narrow layers (in or out of a few columns) packing x is a large part of the work.
void PackX(const float* x, size_t batch, size_t in, float* HWY_RESTRICT dst) {
  size_t r0 = 0;
  for (; r0 + kMaxRows <= batch; r0 += kMaxRows) {
    const float* rows = x + r0 * in;
    for (size_t k = 0; k < in; ++k, dst += kMaxRows) {
      Unroll<kMaxRows>([&](auto r) { dst[r] = rows[r * in + k]; });
    }
  }
  const size_t rows = batch - r0;
  for (size_t k = 0; k < in; ++k, dst += rows) {
    for (size_t r = 0; r < rows; ++r) dst[r] = x[(r0 + r) * in + k];
  }
}

// Copies `cols` columns of W starting at col0 into dst, `width` floats per row, zero-padded.
// A full panel is copied with whole vectors: a memcpy call per row would cost as much as the copy.
void PackPanel(const float* w, size_t in, size_t out, size_t col0, size_t cols, size_t width,
               float* HWY_RESTRICT dst) {
  const DF d;
  const size_t N = hn::Lanes(d);
  if (cols == kMaxCols * N) {
    for (size_t k = 0; k < in; ++k, dst += width) {
      const float* src = w + k * out + col0;
      Unroll<kMaxCols>([&](auto c) { hn::StoreU(hn::LoadU(d, src + c * N), d, dst + c * N); });
    }
    return;
  }
  for (size_t k = 0; k < in; ++k, dst += width) {
    std::memcpy(dst, w + k * out + col0, cols * sizeof(float));
    std::fill(dst + cols, dst + width, 0.0f);
  }
}

// Applies the activation to rows [r0, r1) × columns [c0, c1) of y, in place.
void Activate(float* y, size_t out, size_t r0, size_t r1, size_t c0, size_t c1, Activation act) {
  if (act != Activation::kSilu || c0 == c1) return;
  if (c1 - c0 == out) {  // whole rows: one span (SiLU is elementwise, so the same bits)
    SiluSpan(y + r0 * out, y + r0 * out, (r1 - r0) * out);
    return;
  }
  for (size_t r = r0; r < r1; ++r) SiluSpan(y + r * out + c0, y + r * out + c0, c1 - c0);
}

// Columns [col_begin, out) of y = act(rows · W + b) with the register tiles (see the file
// comment): W packed a block of panels at a time, and run_tile(r0, rows, vectors, panel_w,
// w_stride, panel_bias, y_tile, cols) computing rows [r0, r0 + rows) of one panel from the
// caller's form of the inputs.
// `prepacked`, when not nullptr, holds W already in panels (Conv3x3PackImpl's layout, col_begin
// 0), and nothing is packed here.
template <class RunTile>
void SweepPanels(const float* w, const float* prepacked, const float* bias, float* y, size_t batch,
                 size_t in, size_t out, size_t col_begin, Activation act, const RunTile& run_tile) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t panel_width = kMaxCols * N;
  const size_t num_panels = (out - col_begin + panel_width - 1) / panel_width;
  if (num_panels == 0) return;
  // Panels packed at a time: about kPackBlockBytes, so that all row blocks sweep them in L2.
  const size_t panel_bytes = std::max<size_t>(in, 1) * panel_width * sizeof(float);
  const size_t block_panels =
      std::min(num_panels, std::max<size_t>(1, kPackBlockBytes / panel_bytes));

  Scratch& scratch = ThreadScratch();
  constexpr size_t kAlign = 64;
  float* packed_w = nullptr;
  if (prepacked == nullptr) {
    scratch.w.resize(block_panels * panel_width * in + kAlign / sizeof(float));
    packed_w = AlignUp(scratch.w.data(), kAlign);
  }
  scratch.panels.resize(block_panels);
  // The bias of the last panel, padded to whole vectors.
  const size_t last_col0 = col_begin + (num_panels - 1) * panel_width;
  scratch.tail_bias.assign(panel_width, 0.0f);
  if (bias != nullptr) std::copy(bias + last_col0, bias + out, scratch.tail_bias.begin());

  // With a single row block every panel is used once, and packing would only add a copy: full
  // panels are then read in place. The last, partial panel is always packed (zero-padded), so that
  // it can be read as whole vectors.
  const bool pack_full_panels = batch > kMaxRows;
  for (size_t p0 = 0; p0 < num_panels; p0 += block_panels) {
    const size_t p1 = std::min(num_panels, p0 + block_panels);
    float* dst = packed_w;
    for (size_t p = p0; p < p1; ++p) {
      const size_t col0 = col_begin + p * panel_width;
      const size_t cols = std::min(panel_width, out - col0);
      if (prepacked != nullptr) {
        scratch.panels[p - p0] = {prepacked + p * panel_width * in, panel_width};
      } else if (pack_full_panels || cols < panel_width) {
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
        const size_t col0 = col_begin + p * panel_width;
        const size_t cols = std::min(panel_width, out - col0);
        const float* panel_bias = bias == nullptr      ? nullptr
                                  : cols < panel_width ? scratch.tail_bias.data()
                                                       : bias + col0;
        run_tile(r0, rows, (cols + N - 1) / N, scratch.panels[p - p0].first,
                 scratch.panels[p - p0].second, panel_bias, y + r0 * out + col0, cols);
      }
      // The activation runs over the block's outputs while they are in L1 rather than inside the
      // tiles: there, with the accumulators holding the registers, V8 rebuilds every SiLU
      // constant at each use (three instructions apiece), which made SiLU about 3x slower.
      Activate(y, out, r0, r0 + rows, col_begin + p0 * panel_width,
               std::min(out, col_begin + p1 * panel_width), act);
    }
  }
}

// Columns [col_begin, out) of y = act(x W + b): x packed into row blocks, then the tiles.
void DenseTiles(const float* x, const float* w, const float* bias, float* y, size_t batch,
                size_t in, size_t out, size_t col_begin, Activation act) {
  if (col_begin >= out) return;
  Scratch& scratch = ThreadScratch();
  scratch.x.resize(batch * in);
  PackX(x, batch, in, scratch.x.data());
  const float* packed = scratch.x.data();
  SweepPanels(w, nullptr, bias, y, batch, in, out, col_begin, act,
              [&](size_t r0, size_t rows, size_t vectors, const float* panel, size_t stride,
                  const float* panel_bias, float* y_tile, size_t cols) {
                const TileArgs args{packed + r0 * in, panel, stride, panel_bias,
                                    y_tile,           in,    out,    cols};
                kTiles[rows - 1][vectors - 1](args);
              });
}

// Columns of one row computed per pass of DenseRow: their accumulators (in y) stay in L1.
constexpr size_t kRowChunk = 2048;

// Columns [0, whole) of a single row, `whole` a multiple of the vector length (a matrix-vector
// product). W is streamed row by row at unit stride and the accumulators live in y: with one row
// there is no reuse of W for register tiles to exploit, and they would walk W with stride `out`.
// Each element still gets bias (or 0), then MulAdd over k in order, exactly like in the tiles.
void DenseRow(const float* x, const float* w, const float* bias, float* y, size_t in, size_t out,
              size_t whole) {
  const DF d;
  const size_t N = hn::Lanes(d);
  for (size_t c0 = 0; c0 < whole; c0 += kRowChunk) {
    const size_t c1 = std::min(whole, c0 + kRowChunk);
    for (size_t c = c0; c < c1; c += N) {
      hn::StoreU(bias ? hn::LoadU(d, bias + c) : hn::Zero(d), d, y + c);
    }
    for (size_t k = 0; k < in; ++k) {
      const VF xb = hn::Set(d, x[k]);
      const float* HWY_RESTRICT wk = w + k * out;
      for (size_t c = c0; c < c1; c += N) {
        hn::StoreU(hn::MulAdd(xb, hn::LoadU(d, wk + c), hn::LoadU(d, y + c)), d, y + c);
      }
    }
  }
}

// Rows per DenseTiles call: bounds the packed copy of x, at the cost of packing W once per chunk
// (1 / kBatchChunk of the multiply-adds). A multiple of every kMaxRows, so that chunks split no
// row block (not needed for the results, which do not depend on the split).
constexpr size_t kBatchChunk = 480;

void DenseImpl(const float* x, const float* w, const float* bias, float* y, size_t batch, size_t in,
               size_t out, Activation act) {
  if (batch == 0 || out == 0) return;
  size_t col_begin = 0;
  if (batch == 1) {
    // The whole vectors streamed; the remaining columns (fewer than a vector) by a tile.
    const size_t N = hn::Lanes(DF());
    col_begin = out / N * N;
    DenseRow(x, w, bias, y, in, out, col_begin);
    Activate(y, out, 0, 1, 0, col_begin, act);
  }
  for (size_t r0 = 0; r0 < batch; r0 += kBatchChunk) {
    DenseTiles(x + r0 * in, w, bias, y + r0 * out, std::min(kBatchChunk, batch - r0), in, out,
               col_begin, act);
  }
}

// Points the taps of pixels [p0, p0 + count) of an n × h × w batch of images (c channels, last)
// at their 3 × 3 neighbours, or at `zeros` outside the image, in SweepPanels' row blocks: for the
// block at r0 with `rows` rows, tap t = 3 ky + kx of row r at taps[9 r0 + t rows + r].
void PointTaps(const float* x, size_t h, size_t w, size_t c, size_t p0, size_t count,
               const float* zeros, const float** taps) {
  // The pixel's row and column, stepped along (a division per pixel costs more than the rest).
  size_t py = p0 / w % h, px = p0 % w;
  const float* center = x + p0 * c;
  const ptrdiff_t step[3] = {-static_cast<ptrdiff_t>(w * c), 0, static_cast<ptrdiff_t>(w * c)};
  for (size_t r0 = 0; r0 < count; r0 += kMaxRows) {
    const size_t rows = std::min(kMaxRows, count - r0);
    const float** block = taps + 9 * r0;
    for (size_t r = 0; r < rows; ++r) {
      const bool row_inside[3] = {py > 0, true, py + 1 < h};
      const bool col_inside[3] = {px > 0, true, px + 1 < w};
      for (size_t ky = 0; ky < 3; ++ky) {
        for (size_t kx = 0; kx < 3; ++kx) {
          block[(3 * ky + kx) * rows + r] =
              row_inside[ky] && col_inside[kx]
                  ? center + step[ky] + (static_cast<ptrdiff_t>(kx) - 1) * static_cast<ptrdiff_t>(c)
                  : zeros;
        }
      }
      center += c;
      if (++px == w) {
        px = 0;
        if (++py == h) py = 0;
      }
    }
  }
}

// Copies the nine taps of one row block (`rows` pixels; tap t of row r at taps[t rows + r]) into
// dst in PackX's interleaved layout, dst[(t c + ch) rows + r] = taps[t rows + r][ch], so that the
// dense tiles read them through one pointer.
void PackTaps(const float* const* taps, size_t rows, size_t c, float* HWY_RESTRICT dst) {
  if (rows == kMaxRows) {
    for (size_t t = 0; t < 9; ++t) {
      const float* const* px = taps + t * kMaxRows;
      for (size_t ch = 0; ch < c; ++ch, dst += kMaxRows) {
        Unroll<kMaxRows>([&](auto r) { dst[r] = px[r][ch]; });
      }
    }
    return;
  }
  for (size_t t = 0; t < 9; ++t) {
    for (size_t ch = 0; ch < c; ++ch, dst += rows) {
      for (size_t r = 0; r < rows; ++r) dst[r] = taps[t * rows + r][ch];
    }
  }
}

// Row blocks of the convolution are read through their tap pointers by the indirect tiles, or,
// when at least this many panels share each block, copied first (PackTaps) and read by the dense
// tiles: one pointer with fixed offsets instead of kMaxRows, which V8 turns into fewer address
// computations per multiply-add. Measured in V8 (WASM, 5 × 2 tiles): 16 → 16 channels (2 panels)
// 66 % of the peak indirect, 57-64 % packed; 32 → 32 70 % / 80 %; 64 → 64 71 % / 85 %. Both
// compute every output with the same MulAdd per k in the same order, so the bits do not depend on
// the choice.
constexpr size_t kMinPanelsToPackTaps = 3;

size_t Conv3x3PanelWidthImpl() { return kMaxCols * hn::Lanes(DF()); }

// Panels [first, first + count) of the (9 c) × cout weight, each 9 c rows of panel_width floats
// (the last zero-padded) at packed + p · 9 c · panel_width.
void Conv3x3PackImpl(const float* weight, size_t c, size_t cout, size_t first, size_t count,
                     float* packed) {
  const size_t panel_width = Conv3x3PanelWidthImpl(), k = 9 * c;
  for (size_t p = first; p < first + count; ++p) {
    const size_t col0 = p * panel_width;
    PackPanel(weight, k, cout, col0, std::min(panel_width, cout - col0), panel_width,
              packed + p * k * panel_width);
  }
}

void Conv3x3Impl(const float* x, size_t n, size_t h, size_t w, size_t c, const float* packed_w,
                 const float* bias, float* y, size_t cout, size_t first_pixel, size_t pixels) {
  const size_t end = std::min(first_pixel + pixels, n * h * w);
  if (first_pixel >= end || cout == 0) return;
  const size_t panel_width = kMaxCols * hn::Lanes(DF());
  const bool pack = (cout + panel_width - 1) / panel_width >= kMinPanelsToPackTaps;
  Scratch& scratch = ThreadScratch();
  scratch.zeros.assign(std::max<size_t>(c, 1), 0.0f);
  if (pack) scratch.x.resize(9 * c * kMaxRows);
  for (size_t p0 = first_pixel; p0 < end; p0 += kBatchChunk) {
    const size_t count = std::min(kBatchChunk, end - p0);
    scratch.taps.resize(9 * count);
    PointTaps(x, h, w, c, p0, count, scratch.zeros.data(), scratch.taps.data());
    const float* const* taps = scratch.taps.data();
    size_t packed_r0 = count;  // the row block whose taps scratch.x holds (none yet)
    SweepPanels(nullptr, packed_w, bias, y + p0 * cout, count, 9 * c, cout, 0, Activation::kNone,
                [&](size_t r0, size_t rows, size_t vectors, const float* panel, size_t stride,
                    const float* panel_bias, float* y_tile, size_t cols) {
                  if (!pack) {
                    const IndirectTileArgs args{taps + 9 * r0, 9,      c,    panel, stride,
                                                panel_bias,    y_tile, cout, cols};
                    kIndirectTiles[rows - 1][vectors - 1](args);
                    return;
                  }
                  if (r0 != packed_r0) {
                    PackTaps(taps + 9 * r0, rows, c, scratch.x.data());
                    packed_r0 = r0;
                  }
                  const TileArgs args{scratch.x.data(), panel, stride, panel_bias,
                                      y_tile,           9 * c, cout,   cols};
                  kTiles[rows - 1][vectors - 1](args);
                });
  }
}

size_t RowBlockImpl() { return kMaxRows; }

}  // namespace HWY_NAMESPACE
}  // namespace sw
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sw {

HWY_EXPORT(DenseImpl);
HWY_EXPORT(Conv3x3Impl);
HWY_EXPORT(RowBlockImpl);
HWY_EXPORT(Conv3x3PanelWidthImpl);
HWY_EXPORT(Conv3x3PackImpl);

void f32_dense(const float* x, const float* w, const float* bias, float* y, size_t batch, size_t in,
               size_t out, Activation act) {
  SW_DISPATCH(DenseImpl)(x, w, bias, y, batch, in, out, act);
}

size_t f32_conv3x3_panels(size_t cout) {
  const size_t width = SW_DISPATCH(Conv3x3PanelWidthImpl)();
  return (cout + width - 1) / width;
}

size_t f32_conv3x3_packed_floats(size_t channels, size_t cout) {
  return f32_conv3x3_panels(cout) * 9 * channels * SW_DISPATCH(Conv3x3PanelWidthImpl)();
}

void f32_conv3x3_pack(const float* w, size_t channels, size_t cout, size_t first_panel,
                      size_t panels, float* packed) {
  SW_DISPATCH(Conv3x3PackImpl)(w, channels, cout, first_panel, panels, packed);
}

void f32_conv3x3(const float* x, size_t images, size_t height, size_t width, size_t channels,
                 const float* packed_w, const float* bias, float* y, size_t cout,
                 size_t first_pixel, size_t pixels) {
  SW_DISPATCH(Conv3x3Impl)
  (x, images, height, width, channels, packed_w, bias, y, cout, first_pixel, pixels);
}

size_t f32_conv3x3_row_block() { return SW_DISPATCH(RowBlockImpl)(); }

}  // namespace sw
#endif  // HWY_ONCE
