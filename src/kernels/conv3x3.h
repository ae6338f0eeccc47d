// The 3 × 3 "same" convolution kernel (stride 1, zero padding) over a batch of channels-last
// images: an indirect GEMM in the register tiles of f32_dense (its Highway body is in dense.cc),
// reading each pixel's nine input taps through pointers instead of an im2col copy.
#pragma once

#include <cstddef>

namespace sw {

// y[(n h w) × cout] = bias + Σ over taps (ky, kx) and channels ch of x[n, y + ky − 1, x + kx − 1,
// ch] · w[(3 ky + kx) channels + ch][o], the taps outside the image being 0. x: images × height ×
// width × channels, w: 9 channels × cout (PyTorch's Conv2d weight [cout, c, 3, 3] permuted to
// [3, 3, c, cout]), bias: cout or nullptr; y must not overlap x or w. Each output element is
// accumulated over (tap, channel) in increasing order, so it equals im2col followed by f32_dense
// bit for bit, and a pixel's result depends on nothing but its own neighbourhood.
// Only the output pixels [first_pixel, first_pixel + pixels) (numbered over the whole batch, row
// by row; pixel p's outputs at y + p cout) are computed and written, so that threads can split
// one image.
void f32_conv3x3(const float* x, size_t images, size_t height, size_t width, size_t channels,
                 const float* w, const float* bias, float* y, size_t cout, size_t first_pixel,
                 size_t pixels);

// The pixels one register tile of f32_conv3x3 computes at a time on this machine's SIMD target
// (4 to 6). A split of the pixels into parts of whole multiples of it keeps every tile full; any
// split gives the same bits.
size_t f32_conv3x3_row_block();

}  // namespace sw
