// Validation of everything that is about JavaScript types and shapes, done before a request reaches
// the worker so that the message can name the option. Numerical rules (positive σ, decreasing
// schedules, ...) are the C++ core's job: it answers with a Status that becomes a ScoreWasmError.
import { invalidArgument } from './errors.js';

const INT32_MAX = 2147483647;
// Every number that reaches the core as a C++ float: beyond ±FLOAT32_MAX it would become ±Infinity,
// and a non-zero value below FLOAT32_MIN_NORMAL in magnitude would become 0 or a subnormal.
const FLOAT32_MAX = 3.4028234663852886e38;
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** Describes a value for an error message ("a string", "NaN", "an array of length 3"). */
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${value.length}`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `a value of type ${typeof value}`;
}

/** Returns `value` if it is an integer in [1, 2^31 − 1]; throws INVALID_ARGUMENT otherwise. */
export function positiveInteger(value, name) {
  if (!Number.isInteger(value) || value < 1 || value > INT32_MAX) {
    throw invalidArgument(`${name} must be a positive integer (at most ${INT32_MAX}), got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is an integer in [0, 2^31 − 1]; throws INVALID_ARGUMENT otherwise. */
export function nonNegativeInteger(value, name) {
  if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw invalidArgument(`${name} must be a non-negative integer (at most ${INT32_MAX}), got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is a finite number; throws INVALID_ARGUMENT otherwise. */
export function finiteNumber(value, name) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(`${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/**
 * Returns `value` if it is a finite number that stays finite as a float32 (what the core computes
 * with); throws INVALID_ARGUMENT otherwise. Values a little above FLOAT32_MAX that round down to it
 * pass.
 */
export function float32Number(value, name) {
  finiteNumber(value, name);
  if (!Number.isFinite(Math.fround(value))) throw invalidArgument(`${name} is ${value}, ${overflowReason()}`);
  return value;
}

/**
 * Returns `value` if float32 holds it as 0 or a normal number; throws INVALID_ARGUMENT for a
 * non-zero value that float32 would flush to 0 or to a subnormal. For σ and step sizes, where
 * 1e-46 would otherwise run silently as 0.
 */
export function normalFloat32(value, name) {
  float32Number(value, name);
  if (value !== 0 && Math.abs(Math.fround(value)) < FLOAT32_MIN_NORMAL) {
    throw invalidArgument(`${name} is ${value}, too small for a float32, which would make it 0 or a subnormal; ` +
      `its magnitude must be at least ${FLOAT32_MIN_NORMAL}`);
  }
  return value;
}

/** Threads a backend may start (init()) or a call may use: a larger pthread pool only costs. */
export const MAX_THREADS = 64;

/** Returns `value` if it is an integer in [1, MAX_THREADS]; throws INVALID_ARGUMENT otherwise. */
export function threadCount(value, name) {
  positiveInteger(value, name);
  if (value > MAX_THREADS) {
    throw invalidArgument(`${name} must be at most ${MAX_THREADS} (the largest thread pool score-wasm starts), ` +
      `got ${value}`);
  }
  return value;
}

/** Returns `value` if it is a boolean; throws INVALID_ARGUMENT otherwise. */
export function boolean(value, name) {
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Checks onProgress and signal, which sample(), logProb() and loadModel() take. */
export function checkCallbacks(o) {
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw invalidArgument(`onProgress must be a function, got ${describe(o.onProgress)}`);
  }
  if (o.signal !== undefined) abortSignal(o.signal, 'signal');
}

/** Returns `value` if it is an AbortSignal (or looks like one); throws INVALID_ARGUMENT otherwise. */
export function abortSignal(value, name) {
  if (value === null || typeof value !== 'object' || typeof value.aborted !== 'boolean' ||
      typeof value.addEventListener !== 'function') {
    throw invalidArgument(`${name} must be an AbortSignal, got ${describe(value)}`);
  }
  return value;
}

/**
 * Throws INVALID_ARGUMENT naming the first key of `options` that is not in `allowed` (keys whose
 * value is undefined count as absent).
 */
export function knownKeys(options, allowed, context) {
  for (const key of Object.keys(options)) {
    if (options[key] !== undefined && !allowed.includes(key)) {
      throw invalidArgument(`unknown option '${key}' for ${context}; expected one of: ${allowed.join(', ')}`);
    }
  }
}

/** Returns `value` if it is a plain object (or undefined → {}); throws INVALID_ARGUMENT otherwise. */
export function optionsObject(value, name) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`${name} must be an object, got ${describe(value)}`);
  }
  return value;
}

/**
 * Throws INVALID_ARGUMENT naming the first empty slot of a sparse array (`new Array(3)`,
 * `[1, , 3]`): reading one gives undefined, which a copy into a Float32Array would turn into 0.
 * Typed arrays have no holes. Run before allocating anything of the array's length.
 */
export function denseArray(values, name) {
  if (!Array.isArray(values)) return values;
  for (let i = 0; i < values.length; ++i) {
    if (!(i in values)) {
      throw invalidArgument(`${name}[${i}] is an empty slot of a sparse array; every entry must be given`);
    }
  }
  return values;
}

/**
 * Copies a list of numbers (array without holes or typed array, at least one) into a new
 * Float32Array. `check(value, name)` vets each value: by default finite and within float32's range.
 */
export function finiteVector(values, name, check = float32Number) {
  if (!(Array.isArray(values) || isNumericView(values)) || values.length === 0) {
    throw invalidArgument(`${name} must be a non-empty array of numbers, got ${describe(values)}`);
  }
  denseArray(values, name);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; ++i) {
    out[i] = check(values[i], `${name}[${i}]`);
  }
  return out;
}

/**
 * Copies points into a new row-major Float32Array of n × dim values. Accepts a Float32Array or
 * Float64Array of n × dim values, or an array (without holes) of n arrays of dim numbers. Every value
 * must be finite and within float32's range.
 * @returns {{ data: Float32Array, n: number }}
 */
export function finiteRows(points, dim, name) {
  if (isNumericView(points)) {
    if (points.length === 0 || points.length % dim !== 0) {
      throw invalidArgument(`${name} must hold n × ${dim} values (n ≥ 1), got ${describe(points)}`);
    }
    const data = new Float32Array(points);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const where = `value ${bad} (row ${Math.floor(bad / dim)}) is ${points[bad]}`;
      throw invalidArgument(Number.isFinite(points[bad]) ? `${name} ${where}, ${overflowReason()}`
        : `${name} must be finite, but ${where}`);
    }
    return { data, n: data.length / dim };
  }
  if (!Array.isArray(points) || points.length === 0) {
    throw invalidArgument(`${name} must be a Float32Array of n × ${dim} values or a non-empty array of ` +
      `points (arrays of ${dim} numbers), got ${describe(points)}`);
  }
  denseArray(points, name);
  const data = new Float32Array(points.length * dim);
  points.forEach((row, i) => {
    if (!(Array.isArray(row) || isNumericView(row)) || row.length !== dim) {
      throw invalidArgument(`${name}[${i}] must be an array of ${dim} numbers, got ${describe(row)}`);
    }
    denseArray(row, `${name}[${i}]`);
    for (let j = 0; j < dim; ++j) data[i * dim + j] = float32Number(row[j], `${name}[${i}][${j}]`);
  });
  return { data, n: points.length };
}

function overflowReason() {
  return `beyond the float32 range (largest magnitude ${FLOAT32_MAX}), where it would become ±Infinity`;
}

function isNumericView(value) {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/** Returns `seed` if it is a non-negative safe integer; throws INVALID_ARGUMENT otherwise. */
export function checkSeed(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw invalidArgument(`seed must be a non-negative safe integer, got ${describe(seed)}`);
  }
  return seed;
}

/** A random seed below 2^53, for calls that were given none. */
export function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo;
}
