// The one error type of the package: every rejection carries a stable `code` a caller can branch on.

/** Error codes, shared with the C++ core's Status names (see src/core/status.h). */
export const ERROR_CODES = Object.freeze([
  'INVALID_ARGUMENT', 'INVALID_MODEL', 'ABORTED', 'DISPOSED', 'IO_ERROR', 'INTERNAL',
  'OUT_OF_MEMORY',
]);

/**
 * An error raised by score-wasm: `code` says what kind of failure it was, `message` says what was
 * wrong and what was expected.
 */
export class ScoreWasmError extends Error {
  /**
   * @param {string} code one of ERROR_CODES (anything else becomes 'INTERNAL')
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ScoreWasmError';
    this.code = ERROR_CODES.includes(code) ? code : 'INTERNAL';
  }
}

/** Shorthand for the most common error: an argument of the wrong type, shape or value. */
export function invalidArgument(message) {
  return new ScoreWasmError('INVALID_ARGUMENT', message);
}

/** The error of a call whose AbortSignal fired (`cause` is the signal's reason). */
export function abortError(signal) {
  return new ScoreWasmError('ABORTED', 'the call was aborted by its AbortSignal', { cause: signal.reason });
}
