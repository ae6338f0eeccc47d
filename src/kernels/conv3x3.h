// The 3 × 3 "same" convolution kernel (stride 1, zero padding) over a batch of channels-last
// images: an indirect GEMM in the register tiles of f32_dense (its Highway body is in dense.cc),
// reading each pixel's nine input taps through pointers instead of an im2col copy.
#pragma once

#include <cstddef>

namespace sw {

// The weights w (9 channels × cout: PyTorch's Conv2d weight [cout, c, 3, 3] permuted to
// [3, 3, c, cout]) rearranged into the column panels of f32_conv3x3's register tiles, the last
// zero-padded: f32_conv3x3_packed_floats(channels, cout) floats in f32_conv3x3_panels(cout) panels
// of equal size, each written by one call for its panels only, so that threads can share the work
// (panels [first_panel, first_panel + panels) of `packed`). A copy: the values, hence the results,
// are w's. The layout depends on the machine's SIMD target. Packing once per layer call, rather
// than once per part of a split, is what lets threads split one image without each copying all of
// W (2 threads on 7 × 7 × 128 → 128 gained 1.1-1.3x while every part packed W itself).
size_t f32_conv3x3_panels(size_t cout);
size_t f32_conv3x3_packed_floats(size_t channels, size_t cout);
void f32_conv3x3_pack(const float* w, size_t channels, size_t cout, size_t first_panel,
                      size_t panels, float* packed);

// y[(n h w) × cout] = bias + Σ over taps (ky, kx) and channels ch of x[n, y + ky − 1, x + kx − 1,
// ch] · w[(3 ky + kx) channels + ch][o], the taps outside the image being 0. x: images × height ×
// width × channels, packed_w: w as f32_conv3x3_pack wrote it (all its panels), bias: cout or
// nullptr; y must not overlap x or packed_w. Each output element is accumulated over (tap,
// channel) in increasing order, so it equals im2col followed by f32_dense bit for bit, and a
// pixel's result depends on nothing but its own neighbourhood.
// Only the output pixels [first_pixel, first_pixel + pixels) (numbered over the whole batch, row
// by row; pixel p's outputs at y + p cout) are computed and written, so that threads can split
// one image.
void f32_conv3x3(const float* x, size_t images, size_t height, size_t width, size_t channels,
                 const float* packed_w, const float* bias, float* y, size_t cout,
                 size_t first_pixel, size_t pixels);

// The pixels one register tile of f32_conv3x3 computes at a time on this machine's SIMD target
// (4 to 6). A split of the pixels into parts of whole multiples of it keeps every tile full; any
// split gives the same bits.
size_t f32_conv3x3_row_block();

}  // namespace sw
