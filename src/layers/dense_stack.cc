// The dense stack over the dense kernel (see dense_stack.h).
#include "layers/dense_stack.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "kernels/dense.h"
#include "kernels/elementwise.h"

namespace sw {

void DenseStackInfer(const std::vector<DenseView>& layers, const float* x, size_t rows, float* y,
                     std::vector<float>* a, std::vector<float>* b, float* hidden_out) {
  const size_t last = layers.size() - 1;
  size_t widest = 0;
  for (size_t i = 0; i < last; ++i) widest = std::max(widest, layers[i].out);
  a->resize(rows * widest);
  b->resize(rows * widest);
  const float* h = x;
  float* next = a->data();
  float* spare = b->data();
  for (size_t i = 0; i < last; ++i) {
    const DenseView& l = layers[i];
    f32_dense(h, l.w, l.b, next, rows, l.in, l.out, Activation::kSilu);
    h = next;
    std::swap(next, spare);
  }
  if (hidden_out != nullptr && last > 0) {
    std::copy(h, h + rows * layers[last - 1].out, hidden_out);
  }
  const DenseView& l = layers[last];
  f32_dense(h, l.w, l.b, y, rows, l.in, l.out, Activation::kNone);
}

void DenseStackForward(const std::vector<DenseView>& layers, const float* x, size_t rows,
                       DenseStackTape* tape, float* y) {
  const size_t last = layers.size() - 1;
  tape->rows = rows;
  tape->x = x;
  tape->pre.resize(last);
  tape->hidden.resize(last);
  const float* h = x;
  for (size_t i = 0; i < last; ++i) {
    const DenseView& l = layers[i];
    // The dense kernel without activation, then SiLU: the pre-activations are kept for SiLU'
    // (f32_silu is the fused activation's function, bit for bit).
    tape->pre[i].resize(rows * l.out);
    tape->hidden[i].resize(rows * l.out);
    f32_dense(h, l.w, l.b, tape->pre[i].data(), rows, l.in, l.out, Activation::kNone);
    f32_silu(tape->pre[i].data(), tape->hidden[i].data(), rows * l.out);
    h = tape->hidden[i].data();
  }
  const DenseView& l = layers[last];
  f32_dense(h, l.w, l.b, y, rows, l.in, l.out, Activation::kNone);
}

void DenseStackBackward(const std::vector<DenseView>& layers, const float* dy, DenseStackTape* tape,
                        const std::vector<DenseGrad>& grads, float* dx) {
  assert(grads.size() == layers.size());
  const size_t rows = tape->rows;
  if (rows == 0) return;
  const float* delta = dy;
  for (size_t i = layers.size(); i-- > 0;) {
    const DenseView& l = layers[i];
    const float* input = i == 0 ? tape->x : tape->hidden[i - 1].data();
    float* dinput = nullptr;
    if (i > 0) {
      tape->delta_next.resize(rows * l.in);
      dinput = tape->delta_next.data();
    } else {
      dinput = dx;
    }
    DenseBackward(input, rows, l.in, l.out, l.w, delta, grads[i].dw, grads[i].db, dinput,
                  &tape->ops);
    if (i == 0) break;
    // Through the SiLU of hidden layer i - 1.
    SiluBackward(tape->pre[i - 1].data(), dinput, dinput, rows * l.in);
    std::swap(tape->delta, tape->delta_next);
    delta = tape->delta.data();
  }
}

}  // namespace sw
