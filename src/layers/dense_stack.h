// A stack of dense layers with SiLU between them (a multilayer perceptron), forward and backward:
//   h_0 = x,  h_{i+1} = SiLU(h_i · W_i + b_i) for i < L - 1,  y = h_{L-1} · W_{L-1} + b_{L-1}.
// The NCSN MLP score network (models/ncsn_mlp.h) and the evaluation classifier (eval/classifier.h)
// are this stack with different inputs and losses. Rows are independent and every sum runs in a
// fixed order (the dense kernel's promise), so results never depend on the batch split.
#pragma once

#include <cstddef>
#include <vector>

#include "layers/dense.h"

namespace sw {

// What the training forward pass keeps for the backward pass (reused between calls).
struct DenseStackTape {
  size_t rows = 0;
  const float* x = nullptr;                // the input, not copied: it must outlive Backward
  std::vector<std::vector<float>> pre;     // pre[i]: rows × out_i, hidden layer i before SiLU
  std::vector<std::vector<float>> hidden;  // hidden[i] = SiLU(pre[i]), the input of layer i + 1
  std::vector<float> delta, delta_next;
  GradScratch ops;
};

// Where DenseStackBackward adds a layer's weight and bias gradients (the shapes of its DenseView).
struct DenseGrad {
  float* dw = nullptr;
  float* db = nullptr;
};

// Inference: y (rows × layers.back().out) for x (rows × layers[0].in), with the fused-SiLU dense
// kernel. a and b are scratch (resized here to rows × the widest hidden layer); they must not
// alias x or y. When hidden_out is not null it receives the last hidden activation
// (rows × layers[L-2].out; L >= 2). Consecutive layers must chain (out_i = in_{i+1}).
void DenseStackInfer(const std::vector<DenseView>& layers, const float* x, size_t rows, float* y,
                     std::vector<float>* a, std::vector<float>* b, float* hidden_out = nullptr);

// Training forward: the same y as DenseStackInfer, bit for bit, keeping the activations in *tape.
void DenseStackForward(const std::vector<DenseView>& layers, const float* x, size_t rows,
                       DenseStackTape* tape, float* y);

// Adds d loss / d (W_i, b_i) to grads[i] given dy = d loss / d y (rows × out_{L-1}) for the last
// DenseStackForward on *tape; dx (rows × in_0, may be nullptr) receives d loss / d x.
void DenseStackBackward(const std::vector<DenseView>& layers, const float* dy, DenseStackTape* tape,
                        const std::vector<DenseGrad>& grads, float* dx);

}  // namespace sw
