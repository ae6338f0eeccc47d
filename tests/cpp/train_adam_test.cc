// Adam against a hand computation and on a quadratic, clipping by global norm, and the EMA formula.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/adam.h"

namespace sw {
namespace {

TEST(AdamTest, TwoStepsMatchHandComputation) {
  std::vector<float> p = {1.0f, -2.0f, 0.5f}, g1 = {0.1f, -0.3f, 0.0f}, g2 = {-0.2f, 0.4f, 1.0f};
  AdamOptions options;
  options.lr = 0.01;
  Adam adam(options, {3});
  adam.Update({&p}, {&g1});
  adam.Update({&p}, {&g2});
  EXPECT_EQ(adam.step(), 2);
  const double init[3] = {1.0, -2.0, 0.5};
  for (int k = 0; k < 3; ++k) {
    double m = 0, v = 0, x = init[k];
    const double gs[2] = {g1[k], g2[k]};
    for (int t = 1; t <= 2; ++t) {
      m = 0.9 * m + 0.1 * gs[t - 1];
      v = 0.999 * v + 0.001 * gs[t - 1] * gs[t - 1];
      const double mhat = m / (1 - std::pow(0.9, t)), vhat = v / (1 - std::pow(0.999, t));
      x -= 0.01 * mhat / (std::sqrt(vhat) + 1e-8);
    }
    EXPECT_NEAR(p[k], x, 1e-6) << k;
    EXPECT_NEAR(adam.first_moment()[0][k], m, 1e-7);
    EXPECT_NEAR(adam.second_moment()[0][k], v, 1e-4 * v);  // float (1 − β2)
  }
  // The first step moves every coordinate with a gradient by lr · sign(g) (m̂ = g, v̂ = g²).
  std::vector<float> q = {0.0f, 0.0f};
  std::vector<float> gq = {3.0f, -1e-3f};
  Adam fresh(options, {2});
  fresh.Update({&q}, {&gq});
  EXPECT_NEAR(q[0], -0.01f, 1e-7);
  EXPECT_NEAR(q[1], 0.01f, 1e-6);
}

TEST(AdamTest, ConvergesOnQuadratic) {
  // f(p) = ½ Σ a_k (p_k − c_k)², badly conditioned.
  const std::vector<float> a = {0.01f, 1.0f, 100.0f}, c = {3.0f, -1.0f, 0.25f};
  std::vector<float> p = {0.0f, 0.0f, 0.0f}, bias = {5.0f}, g(3), gb(1);
  AdamOptions options;
  options.lr = 0.05;
  Adam adam(options, {3, 1});
  for (int step = 0; step < 3000; ++step) {
    for (int k = 0; k < 3; ++k) g[k] = a[k] * (p[k] - c[k]);
    gb[0] = bias[0];  // f += ½ bias²
    adam.Update({&p, &bias}, {&g, &gb});
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(p[k], c[k], 1e-2) << k;
  EXPECT_NEAR(bias[0], 0.0f, 1e-2);
}

TEST(AdamTest, ClipByGlobalNormScalesToTheNorm) {
  std::vector<float> a = {3.0f, 0.0f}, b = {4.0f};  // global norm 5
  EXPECT_DOUBLE_EQ(GlobalNorm({&a, &b}), 5.0);
  EXPECT_DOUBLE_EQ(ClipByGlobalNorm({&a, &b}, 10.0), 5.0);  // below the limit: unchanged
  EXPECT_EQ(a[0], 3.0f);
  EXPECT_DOUBLE_EQ(ClipByGlobalNorm({&a, &b}, 0.0), 5.0);  // 0 = off
  EXPECT_EQ(b[0], 4.0f);
  EXPECT_DOUBLE_EQ(ClipByGlobalNorm({&a, &b}, 1.0), 5.0);
  EXPECT_FLOAT_EQ(a[0], 0.6f);
  EXPECT_EQ(a[1], 0.0f);
  EXPECT_FLOAT_EQ(b[0], 0.8f);
  EXPECT_NEAR(GlobalNorm({&a, &b}), 1.0, 1e-7);
}

TEST(AdamTest, EmaFollowsTheFormula) {
  std::vector<float> ema = {1.0f, -1.0f}, p = {3.0f, -1.0f};
  EmaUpdate({&ema}, {&p}, 0.9);
  EXPECT_FLOAT_EQ(ema[0], 0.9f * 1.0f + 0.1f * 3.0f);
  EXPECT_FLOAT_EQ(ema[1], -1.0f);
  for (int n = 1; n < 50; ++n) EmaUpdate({&ema}, {&p}, 0.9);
  EXPECT_NEAR(ema[0], 3.0 + (1.0 - 3.0) * std::pow(0.9, 50), 1e-5);
  EmaUpdate({&ema}, {&p}, 0.0);  // decay 0: the current weights
  EXPECT_EQ(ema[0], 3.0f);
  EmaUpdate({&ema}, {&p}, 1.0);
  EXPECT_EQ(ema[0], 3.0f);
}

}  // namespace
}  // namespace sw
