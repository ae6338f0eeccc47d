// Shared by the browser tests: Debian's Chromium (headless, driven by playwright-core) with a
// throw-away profile, and demo pages opened from examples/serve.mjs on a free loopback port.
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
