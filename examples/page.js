// What every demo page shares: its state object (window.demo, which the browser tests read) kept in
// step with the status line, the line saying which build runs on how many threads, numbers written
// short, loading each model once, and drawing progress at the screen's pace.
import { loadModel } from '../web/index.js';

export const $ = (selector) => document.querySelector(selector);

/**
 * Publishes `demo` as window.demo; setState(state, text) sets its state, the body's data-state (the
 * stylesheet colours errors) and the #status line; fail(error) records the error and shows it.
 */
export function pageState(demo) {
  window.demo = demo;
  const setState = (state, text = state) => {
    demo.state = state;
    document.body.dataset.state = state;
    $('#status').textContent = text;
  };
  const fail = (error) => {
    demo.error = String(error?.message ?? error);
    setState('error', `error: ${demo.error}`);
  };
  return { setState, fail };
}

/** Says in #backend which build runs and on how many threads (backendInfo()), and marks the body. */
export function showBackend({ flavour, threads, crossOriginIsolated }) {
  $('#backend').textContent = `build: ${flavour}, ${threads} thread${threads > 1 ? 's' : ''}` +
    (crossOriginIsolated ? ' (cross-origin isolated)' : ' (not cross-origin isolated: the single-threaded fallback)');
  document.body.dataset.flavour = flavour;
}

/** 3 significant digits without trailing zeros (the stored σ are float32: 0.01 is 0.0099999998). */
export const short = (value) => String(Number(value.toPrecision(3)));

/**
 * Returns model(name): loadModel(name, optionsFor(name)) the first time, the same promise after;
 * a load that failed is forgotten, so the next call tries again.
 */
export function modelLoader(optionsFor = () => undefined) {
  const models = new Map();  // name → Promise<ScoreModel>
  return (name) => {
    if (!models.has(name)) {
      models.set(name, loadModel(name, optionsFor(name)).catch((error) => {
        models.delete(name);
        throw error;
      }));
    }
    return models.get(name);
  };
}

/**
 * Returns onProgress(report) that calls draw(report) for the newest report once per animation
 * frame: progress reports can come faster than the screen refreshes.
 */
export function latestPerFrame(draw) {
  let latest = null;
  return (report) => {
    const first = latest === null;
    latest = report;
    if (!first) return;
    requestAnimationFrame(() => {
      const newest = latest;
      latest = null;
      draw(newest);
    });
  };
}
