// Scanner self-test input for tests/toolchain/check.sh, compiled like wasm/bindings.cc. Each bad_*
// function holds a pattern that clang 14's WebAssembly backend miscompiles through LOAD_SPLAT
// (with -O3 -msimd128 -pthread under Emscripten 3.1.6 each returns the value noted, not the right
// one); each good_* is a close relative that is safe. `scan_load_splat.py --self-test` requires
// every bad_* to be flagged and no good_* to be.
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));

extern "C" {

// Writes both elements; noinline keeps the call, a write the caller's backend cannot see into.
__attribute__((noinline)) void fill(double* s, double k) {
  s[0] = k;
  s[1] = k + 1;
}

// Two calls filling one stack array, each followed by a read (the reproduction): {11, 21};
// miscompiled {21, 21}.
__attribute__((noinline)) f64x2 bad_two_calls_stack_array() {
  double s[2];
  fill(s, 10);
  const double a = s[1];
  fill(s, 20);
  const double b = s[1];
  return f64x2{a, b};
}

// The first lane is inserted before the second call: {11, 21}; miscompiled {21, 21}.
__attribute__((noinline)) f64x2 bad_lane_inserted_before_call() {
  double s[2];
  fill(s, 10);
  f64x2 v = {s[1], 0};
  fill(s, 20);
  v[1] = s[1];
  return v;
}

// A splat of a value read before the store that overwrites it: *p in every lane; miscompiled 5.
__attribute__((noinline)) f32x4 bad_splat_then_store(float* p) {
  const f32x4 v = f32x4{0, 0, 0, 0} + *p;
  *p = 5.0f;
  return v;
}

// Safe: every write comes before the read.
__attribute__((noinline)) f64x2 good_writes_before_read(double* s) {
  fill(s, 10);
  fill(s, 20);
  const double b = s[1];
  return f64x2{b, b};
}

// Safe: lanes of loads with no write in the block.
__attribute__((noinline)) f32x4 good_no_write(const float* p) {
  return f32x4{p[0], p[1], p[2], p[3]};
}

}  // extern "C"
