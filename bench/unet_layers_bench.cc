// The U-Net's forward pass layer by layer: each layer of a model file's network (default the
// shipped mnist, or --model=PATH), run on the activations of a real forward pass of one image (and
// of a tile of four), timed on 1 thread and split over 2, next to the whole forward pass. It says
// where the time of one evaluation goes and which layers gain least from the second thread; the
// difference between the whole pass and the sum of its layers is the serial glue between them
// (the σ embedding, pooling, up-sampling, the skip sums, the preconditioning).
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "layers/conv3x3.h"
#include "layers/dense.h"
#include "layers/group_norm.h"
#include "models/model_file.h"
#include "models/ncsn_unet.h"
#include "unet_model_file.h"

namespace sw {
namespace {

struct Layer {
  std::string name;
  double flops;                              // per call (0: GroupNorm + SiLU, no GEMM)
  std::function<void(const Parallel&)> run;  // one call, its work split over the given threads
};

// The layers of one forward pass over `rows` images, reading act's buffers (filled by a real
// forward pass) and writing to `out` (one scratch buffer large enough for any layer).
std::vector<Layer> LayersOf(const NcsnUnetConfig& c, const NcsnUnetView& net,
                            const NcsnUnetActivations& act, size_t rows, std::vector<float>* out,
                            std::vector<float>* stats) {
  std::vector<Layer> layers;
  const auto conv = [&](const std::string& name, const float* x, const ImageDims& d,
                        const UnetLinear<const float>& l, size_t cout) {
    layers.push_back({name, 2.0 * d.pixels() * 9 * d.c * cout, [=](const Parallel& par) {
                        Conv3x3(x, d, l.w, l.b, cout, out->data(), par, nullptr, nullptr, l.packed);
                      }});
  };
  const auto norm = [&](const std::string& name, const float* x, const ImageDims& d,
                        const UnetNorm<const float>& n) {
    layers.push_back({name, 0.0, [=, &c](const Parallel& par) {
                        const size_t half = out->size() / 2;
                        GroupNormSilu(x, d, c.groups, n.gamma, n.beta, out->data(),
                                      out->data() + half, stats->data(),
                                      stats->data() + stats->size() / 2, par);
                      }});
  };
  const auto dense = [&](const std::string& name, const float* x, size_t pixels, size_t in,
                         size_t cout, const UnetLinear<const float>& l) {
    layers.push_back({name, 2.0 * pixels * in * cout, [=](const Parallel& par) {
                        DenseForward(x, pixels, in, cout, l.w, l.b, out->data(), par);
                      }});
  };
  const auto block = [&](const std::string& name, const UnetBlock<const float>& b,
                         const NcsnUnetBlockActivations& a, const float* in) {
    const ImageDims din{rows, b.h, b.w, b.cin}, dout{rows, b.h, b.w, b.cout};
    const std::string at = " " + std::to_string(b.h) + "^2 ";
    norm(name + ".norm1" + at + std::to_string(b.cin), in, din, b.norm1);
    conv(name + ".conv1" + at + std::to_string(b.cin) + "->" + std::to_string(b.cout),
         a.act1.data(), din, b.conv1, b.cout);
    norm(name + ".norm2" + at + std::to_string(b.cout), a.pre2.data(), dout, b.norm2);
    conv(name + ".conv2" + at + std::to_string(b.cout) + "->" + std::to_string(b.cout),
         a.act2.data(), dout, b.conv2, b.cout);
    if (b.has_skip) dense(name + ".skip" + at, in, din.pixels(), b.cin, b.cout, b.skip);
  };
  const size_t levels = c.channels.size();
  conv("conv_in", act.x.data(), ImageDims{rows, c.height, c.width, c.image_channels}, net.conv_in,
       c.channels[0]);
  const float* h = act.h_in.data();
  for (size_t l = 0; l < levels; ++l) {
    block("down." + std::to_string(l), net.down[l], act.down[l], h);
    h = l + 1 < levels ? act.pooled[l].data() : act.down[l].out.data();
  }
  for (size_t l = levels - 1; l-- > 0;) {
    const UnetBlock<const float>& b = net.up[l];
    dense("up." + std::to_string(l) + ".proj", h, rows * (b.h / 2) * (b.w / 2), c.channels[l + 1],
          b.cout, net.proj[l]);
    block("up." + std::to_string(l), b, act.up[l], act.merged[l].data());
    h = act.up[l].out.data();
  }
  const ImageDims d0{rows, c.height, c.width, c.channels[0]};
  norm("norm_out", h, d0, net.norm_out);
  conv("conv_out", act.act_out.data(), d0, net.conv_out, c.image_channels);
  return layers;
}

SW_BENCHMARK(UnetLayers) {
  std::string path;
  LoadedModel loaded;
  if (!bench::LoadUnetModelFile("UnetLayers", ctx, &path, &loaded)) return;
  const NcsnUnet& unet = static_cast<const NcsnUnet&>(*loaded.model);
  const NcsnUnetConfig& c = unet.config();
  const NcsnUnetView& net = unet.view();  // with the packed convolutions, as the model runs
  ThreadPool pool(2);
  const Parallel one{&pool, 1}, two{&pool, 2};
  const double flops_per_image = NcsnUnetFlopsPerImage(c);
  std::printf(
      "UnetLayers: %s, %.1f MFLOP per image; microseconds per call (median), 1 thread and "
      "split over 2\n",
      path.c_str(), flops_per_image * 1e-6);
  for (const size_t rows : {size_t{1}, NcsnUnet::kTileRows}) {
    std::vector<float> x(rows * c.dim()), score(rows * c.dim()), sigma(rows, 1.0f);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 101) / 50 - 1;
    NcsnUnetActivations act;
    NcsnUnetForward(c, net, x.data(), sigma.data(), rows, &act, score.data());
    std::vector<float> out(2 * rows * NcsnUnetScratchFloatsPerImage(c)), stats(2 * rows * c.groups);
    const std::vector<Layer> layers = LayersOf(c, net, act, rows, &out, &stats);
    // Enough calls per timed run that the clock's resolution (1 ms in some WASM hosts) is noise.
    const auto time = [&](const std::function<void()>& fn) {
      constexpr int kCalls = 40;
      return bench::MedianSeconds(
                 [&] {
                   for (int i = 0; i < kCalls; ++i) fn();
                 },
                 ctx.quick ? 3 : 9, ctx.quick ? 0.02 : 0.2) /
             kCalls * 1e6;
    };
    const auto forward = [&](const Parallel& par) {
      return time(
          [&] { NcsnUnetForward(c, net, x.data(), sigma.data(), rows, &act, score.data(), par); });
    };
    std::printf("%-30s %9s %9s %8s %8s %8s\n", (std::to_string(rows) + " image(s)").c_str(),
                "1 thread", "2 threads", "speedup", "% time", "GFLOP/s");
    std::vector<double> t1(layers.size()), t2(layers.size());
    double sum1 = 0, sum2 = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      t1[i] = time([&] { layers[i].run(one); });
      t2[i] = time([&] { layers[i].run(two); });
      sum1 += t1[i], sum2 += t2[i];
    }
    const double f1 = forward(one), f2 = forward(two);
    for (size_t i = 0; i < layers.size(); ++i) {
      std::printf("%-30s %9.1f %9.1f %7.2fx %7.1f%% ", layers[i].name.c_str(), t1[i], t2[i],
                  t1[i] / t2[i], 100.0 * t1[i] / f1);
      if (layers[i].flops > 0) {
        std::printf("%8.1f\n", layers[i].flops / t1[i] * 1e-3);
      } else {
        std::printf("%8s\n", "-");
      }
    }
    std::printf("%-30s %9.1f %9.1f %7.2fx\n", "sum of the layers", sum1, sum2, sum1 / sum2);
    std::printf("%-30s %9.1f %9.1f %7.2fx\n", "glue (whole - layers)", f1 - sum1, f2 - sum2,
                (f1 - sum1) / (f2 - sum2));
    std::printf("%-30s %9.1f %9.1f %7.2fx %8s %8.1f (%.0f%% of the peak)\n\n", "whole forward", f1,
                f2, f1 / f2, "", rows * flops_per_image / f1 * 1e-3,
                100.0 * rows * flops_per_image / f1 * 1e-3 / ctx.peak_gflops);
  }
}

}  // namespace
}  // namespace sw
