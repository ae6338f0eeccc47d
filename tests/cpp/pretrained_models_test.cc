// The 2-D models shipped in web/models: each loads, samples with the settings stored in its file,
// and matches held-out data by the energy distance within 3× the noise floor (two independent draws
// of the data at the same size). Runs natively and in WASM, so both builds' samples are checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "data/toy2d.h"
#include "eval/energy_distance.h"
#include "shipped_models.h"

namespace sw {
namespace {

class PretrainedModel : public testing::TestWithParam<const char*> {};

TEST_P(PretrainedModel, SamplesMatchHeldOutDataWithinThreeTimesTheNoiseFloor) {
  const std::string name = GetParam();
  const size_t n = 2000;
  LoadedModel loaded;
  std::vector<float> samples, held_out;
  ASSERT_TRUE(SampleShippedModel(name, n, /*seed=*/5, &loaded, &samples));
  ThreadPool pool(2);
  ASSERT_TRUE(MakeToy2d(name, n, 1000003, &held_out).ok());
  const double model = EnergyDistance(samples.data(), n, held_out.data(), n, 2, &pool);
  // The noise floor: the mean |energy distance| between held-out data and independent draws of
  // the data at the same n.
  double floor = 0;
  ASSERT_TRUE(EnergyDistanceNoiseFloor(
                  held_out.data(), n, 2, kNoiseFloorDraws,
                  [&](int k, std::vector<float>* points) {
                    return MakeToy2d(name, n, 2000003 + k, points);
                  },
                  &pool, &floor)
                  .ok());
  EXPECT_LT(model, 3 * floor) << name << ": noise floor " << floor;
  RecordProperty("energy_distance", std::to_string(model));
}

INSTANTIATE_TEST_SUITE_P(Shipped, PretrainedModel,
                         testing::Values("moons", "swiss-roll", "rings", "checkerboard"),
                         ShippedModelTestName);

}  // namespace
}  // namespace sw
