// The page side of the worker protocol (see worker-core.js): numbered requests answered by promises,
// progress callbacks, cancellation by AbortSignal, and keep-alive accounting so that an idle worker
// never keeps a Node process running.
import { abortError, ScoreWasmError } from './errors.js';

export class WorkerClient {
  #endpoint;
  #pending = new Map();  // id → { resolve, reject, onProgress }
  #nextId = 1;
  #closed = null;        // the ScoreWasmError every later request rejects with

  /**
   * @param {{ postMessage(message: object, transfer?: Transferable[]): void, ref(): void,
   *           unref(): void, terminate(): void }} endpoint the worker, adapted by the platform
   */
  constructor(endpoint) {
    this.#endpoint = endpoint;
    endpoint.unref();
  }

  /** Delivers a message from the worker (a response or a progress report). */
  receive(message) {
    const call = this.#pending.get(message.id);
    if (!call) return;  // an aborted request finishing late
    if (message.progress) {
      call.onProgress?.(message.progress);
    } else if (message.ok) {
      this.#settle(message.id).resolve(message.result);
    } else {
      this.#settle(message.id).reject(new ScoreWasmError(message.error.code, message.error.message));
    }
  }

  /**
   * Rejects every pending request with `error` and every later one with `laterError` (the worker
   * died, crashed or was shut down).
   */
  fail(error, laterError = error) {
    this.#closed ??= laterError;
    for (const id of [...this.#pending.keys()]) this.#settle(id).reject(error);
  }

  /**
   * Sends a request and resolves with its result.
   * @param {string} type
   * @param {object} payload
   * @param {{ transfer?: Transferable[], onProgress?: (progress: object) => void,
   *           signal?: AbortSignal, stopSignal?: AbortSignal }} [options] `stopSignal` asks the
   *   worker to end the run early and answer with what it has (trainModel's Stop)
   */
  request(type, payload, { transfer = [], onProgress, signal, stopSignal } = {}) {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#settle(id).reject(abortError(signal));
        this.#endpoint.postMessage({ type: 'abort', target: id });
      };
      const onStop = () => this.#endpoint.postMessage({ type: 'stop', target: id });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        stopSignal?.removeEventListener('abort', onStop);
      };
      const call = {
        resolve: (value) => { done(); resolve(value); },
        reject: (error) => { done(); reject(error); },
        onProgress: onProgress && ((progress) => {
          try {
            onProgress(progress);
          } catch (error) {  // a throwing callback ends its run
            this.#settle(id).reject(error);
            this.#endpoint.postMessage({ type: 'abort', target: id });
          }
        }),
      };
      if (this.#pending.size === 0) this.#endpoint.ref();
      this.#pending.set(id, call);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.#endpoint.postMessage({ id, type, ...payload }, transfer);
      } catch (error) {
        this.#settle(id).reject(new ScoreWasmError('INTERNAL', `could not send '${type}' to the worker: ${error.message}`));
        return;
      }
      // After the request: the worker only knows the run once it has seen it.
      if (stopSignal?.aborted) onStop();
      else stopSignal?.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Sends a message that gets no answer ('dispose'). */
  notify(type, payload) {
    if (!this.#closed) this.#endpoint.postMessage({ type, ...payload });
  }

  /** Stops the worker at once; pending requests reject with `error`, later ones with `laterError`. */
  terminate(error, laterError = error) {
    this.fail(error, laterError);
    this.#endpoint.terminate();
  }

  #settle(id) {
    const call = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#endpoint.unref();
    return call;
  }
}
