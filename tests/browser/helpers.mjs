// Shared by the browser tests: Debian's Chromium (headless, driven by playwright-core) with a
// throw-away profile, and demo pages opened from examples/serve.mjs on a free loopback port.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../examples/serve.mjs';

/** Where the tests write screenshots and files (git-ignored). */
export const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * Starts headless Chromium with a fresh profile (and creates OUTPUT).
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, close: () => Promise<void> }>}
 */
export async function launchBrowser({ viewport = { width: 1200, height: 680 } } = {}) {
  mkdirSync(OUTPUT, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'score-wasm-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium',
      headless: true, args: CHROMIUM_ARGS, viewport });
    return { context, close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    } };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Opens `pagePath` (relative to the repository root) from a new server with or without the
 * cross-origin isolation headers; collects what the page logs as errors and its long tasks
 * (longTasks(page)).
 */
export async function openPage(context, pagePath, { isolated = true } = {}) {
  const server = await serve({ port: 0, isolated });
  const page = await context.newPage();
  await watchLongTasks(page);
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}${pagePath}`);
  return { page, errors, url: server.url, close: async () => { await page.close(); await server.close(); } };
}

/** A JSON copy of the page's `window.demo`. */
export const demoState = (page) => page.evaluate(() => window.demo && JSON.parse(JSON.stringify(window.demo)));

/** Waits until the page's demo has started ('ready', or 'error'), asserts that it is ready and returns its state. */
export async function pageReady(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(window.demo?.state), null, { timeout: 60000 });
  const state = await demoState(page);
  assert.equal(state.state, 'ready', state.error);
  return state;
}

/**
 * Records the page's long tasks (main-thread tasks over 50 ms, PerformanceObserver 'longtask') from
 * before its first script runs; read them with longTasks(page). Call before page.goto.
 */
export async function watchLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The long tasks recorded since watchLongTasks, as { start, duration } in milliseconds. */
export const longTasks = (page) => page.evaluate(() => window.__longTasks ?? null);

// Traces the renderer's main-thread tasks (Chrome tracing over the DevTools protocol), so that a
// long task can be told apart: one that kept the thread busy for over 50 ms, or one whose wall time
// went to waiting, for a CPU on a machine whose cores the worker's threads and other work share, or
// for the compositor (CanvasRenderingContext2D::FinalizeFrame). stop() returns the tasks on the
// page's performance.now() timeline: { start, duration, cpu } in milliseconds.
export async function traceMainThread(page) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['toplevel', 'devtools.timeline', '__metadata'] } });
  return { stop: async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    // One instant on both clocks: the trace's (microseconds) and the page's.
    const now = await page.evaluate(() => {
      console.timeStamp('clock-sync');
      return performance.now();
    });
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
    const sync = events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === 'clock-sync');
    const offset = sync.ts / 1000 - now;
    const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`));
    return events.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' &&
      main.has(`${e.pid}:${e.tid}`))
      .map((e) => ({ start: e.ts / 1000 - offset, duration: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000 }));
  } };
}

// The long tasks (longTasks(page)) that overlap [from, to], each with the main thread's CPU time in
// the traced tasks it spans.
export async function longTasksBetween(page, from, to, traced) {
  return (await longTasks(page)).filter((t) => t.start + t.duration > from && t.start < to).map((t) => ({ ...t,
    cpu: traced.filter((x) => x.start < t.start + t.duration && x.start + x.duration > t.start)
      .reduce((sum, x) => sum + x.cpu, 0) }));
}

// For a test's diagnostics: the most CPU time of one traced main-thread task overlapping [from, to],
// and the long tasks found there (longTasksBetween), each as its wall time and CPU time.
export function mainThreadSummary(traced, during, from, to) {
  const busiest = traced.filter((x) => x.start + x.duration > from && x.start < to)
    .reduce((most, x) => Math.max(most, x.cpu), 0);
  return `the busiest main-thread task ${busiest.toFixed(1)} ms of CPU, long tasks ${during.length}` +
    (during.length ? ` (${during.map((x) => `${x.duration.toFixed(0)} ms with ${x.cpu.toFixed(1)} of CPU`)
      .join('; ')})` : '');
}
