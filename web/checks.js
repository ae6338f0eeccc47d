// Validation of everything that is about JavaScript types and shapes, done before a request reaches
// the worker so that the message can name the option. Numerical rules (positive σ, decreasing
// schedules, ...) are the C++ core's job: it answers with a Status that becomes a ScoreWasmError.
import { invalidArgument } from './errors.js';

const INT32_MAX = 2147483647;

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

/** Returns `value` if it is a boolean; throws INVALID_ARGUMENT otherwise. */
export function boolean(value, name) {
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be true or false, got ${describe(value)}`);
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
 * Copies a list of numbers (array or typed array, at least one) into a new Float32Array,
 * rejecting NaN and ±Infinity.
 */
export function finiteVector(values, name) {
  if (!(Array.isArray(values) || isNumericView(values)) || values.length === 0) {
    throw invalidArgument(`${name} must be a non-empty array of numbers, got ${describe(values)}`);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; ++i) {
    out[i] = finiteNumber(values[i], `${name}[${i}]`);
  }
  return out;
}

/**
 * Copies points into a new row-major Float32Array of n × dim values. Accepts a Float32Array or
 * Float64Array of n × dim values, or an array of n arrays of dim numbers. Every value must be finite.
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
      throw invalidArgument(`${name} must be finite, but value ${bad} (row ${Math.floor(bad / dim)}) is ${points[bad]}`);
    }
    return { data, n: data.length / dim };
  }
  if (!Array.isArray(points) || points.length === 0) {
    throw invalidArgument(`${name} must be a Float32Array of n × ${dim} values or a non-empty array of ` +
      `points (arrays of ${dim} numbers), got ${describe(points)}`);
  }
  const data = new Float32Array(points.length * dim);
  points.forEach((row, i) => {
    if (!(Array.isArray(row) || isNumericView(row)) || row.length !== dim) {
      throw invalidArgument(`${name}[${i}] must be an array of ${dim} numbers, got ${describe(row)}`);
    }
    for (let j = 0; j < dim; ++j) data[i * dim + j] = finiteNumber(row[j], `${name}[${i}][${j}]`);
  });
  return { data, n: points.length };
}

function isNumericView(value) {
  return value instanceof Float32Array || value instanceof Float64Array;
}
