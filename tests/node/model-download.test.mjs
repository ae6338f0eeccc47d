// loadModel()'s download: progress reports as the bytes arrive (from a local HTTP server that sends
// the file in chunks, with and without its length), cancellation by AbortSignal before and during a
// download, a throwing callback, a broken-off download, and the options it refuses. After every
// failure the package keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { loadModel, modelCacheName, shutdown } from 'score-wasm';
import { rejectsWith, tinyNcsnMlp } from './helpers.mjs';

const net = tinyNcsnMlp();
const CHUNK = 64;
let server;
let base;

// /sized: Content-Length and the file in CHUNK-byte pieces; /unsized: chunked, no length;
// /gzip: compressed; /stall: the first chunk, then nothing; /cut: a length the body never reaches.
before(async () => {
  server = http.createServer(async (request, response) => {
    const route = request.url.slice(1);
    if (route === 'gzip') {
      response.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(net.bytes));
      return;
    }
    response.writeHead(200, route === 'sized' ? { 'Content-Length': net.bytes.length } :
      route === 'cut' ? { 'Content-Length': net.bytes.length + 100 } : {});
    for (let at = 0; at < net.bytes.length; at += CHUNK) {
      response.write(net.bytes.subarray(at, at + CHUNK));
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (route === 'stall') return;  // left open until the client gives up
    }
    if (route === 'cut') response.destroy();
    else response.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await shutdown();
});

async function loadReporting(source, options = {}) {
  const reports = [];
  const model = await loadModel(source, { ...options, onProgress: (p) => reports.push(p) });
  return { model, reports };
}

// Reports never go backwards, never exceed a known total, and the last one says the file is whole.
function assertProgressWellFormed(reports, size) {
  assert.ok(reports.length >= 1);
  reports.forEach((r, i) => {
    assert.equal(r.fromCache, false);
    if (i > 0) assert.ok(r.loadedBytes >= reports[i - 1].loadedBytes, `report ${i} went back`);
    if (r.totalBytes !== undefined) assert.ok(r.loadedBytes <= r.totalBytes, `report ${i}: ${JSON.stringify(r)}`);
  });
  assert.deepEqual(reports.at(-1), { loadedBytes: size, totalBytes: size, fromCache: false });
}

test('a download with a Content-Length reports every chunk against the total', async () => {
  const { model, reports } = await loadReporting(`${base}sized`);
  assertProgressWellFormed(reports, net.bytes.length);
  assert.ok(reports.length >= 3, `${reports.length} reports for ${net.bytes.length} bytes in ${CHUNK}-byte chunks`);
  assert.ok(reports.every((r) => r.totalBytes === net.bytes.length));
  assert.deepEqual(model.config, net.config);
  model.dispose();
});

test('without a usable length (chunked, or compressed) the total is known only at the end', async () => {
  for (const route of ['unsized', 'gzip']) {
    const { model, reports } = await loadReporting(`${base}${route}`);
    assertProgressWellFormed(reports, net.bytes.length);
    if (route === 'unsized') assert.ok(reports.length >= 3, `${reports.length} reports`);
    assert.ok(reports.slice(0, -1).every((r) => r.totalBytes === undefined), `${route}: ${JSON.stringify(reports)}`);
    assert.deepEqual(model.config, net.config, route);
    model.dispose();
  }
});

test('a file, a pretrained name and bytes report once, whole', async () => {
  const moons = readFileSync(new URL('web/models/moons.safetensors', import.meta.resolve('score-wasm/package.json')));
  for (const [source, size] of [['moons', moons.length], [net.bytes, net.bytes.length]]) {
    const { model, reports } = await loadReporting(source);
    assert.deepEqual(reports, [{ loadedBytes: size, totalBytes: size, fromCache: false }]);
    model.dispose();
  }
});

test('an AbortSignal stops a download that has started, and one fired before the call', async () => {
  const controller = new AbortController();
  const started = loadModel(`${base}stall`, {
    signal: controller.signal,
    onProgress: () => controller.abort(new Error('the user left')),
  });
  await assert.rejects(started, (error) => error.code === 'ABORTED' && error.cause?.message === 'the user left');
  await rejectsWith(() => loadModel('moons', { signal: AbortSignal.abort() }), 'ABORTED', /AbortSignal/);
  const model = await loadModel(`${base}sized`);  // still usable
  model.dispose();
});

test('a throwing onProgress ends the load with its error', async () => {
  const error = new TypeError('drawing the bar failed');
  await assert.rejects(loadModel(`${base}sized`, { onProgress: () => { throw error; } }), (e) => e === error);
});

test('a download that breaks off is an IO_ERROR naming the URL', async () => {
  await rejectsWith(() => loadModel(`${base}cut`), 'IO_ERROR', /model http:\/\/127\.0\.0\.1:\d+\/cut/);
});

test('bad options are INVALID_ARGUMENT', async () => {
  await rejectsWith(() => loadModel('moons', { onProgress: 3 }), 'INVALID_ARGUMENT', /onProgress must be a function/);
  await rejectsWith(() => loadModel('moons', { signal: {} }), 'INVALID_ARGUMENT', /signal must be an AbortSignal/);
  await rejectsWith(() => loadModel('moons', { cache: 'no' }), 'INVALID_ARGUMENT', /cache must be true or false/);
  await rejectsWith(() => loadModel('moons', { progress: () => {} }), 'INVALID_ARGUMENT',
    /unknown option 'progress' for loadModel\(\)/);
  await rejectsWith(() => loadModel('moons', 7), 'INVALID_ARGUMENT', /loadModel\(\) options must be an object/);
});

test('the model cache is named after the package version', () => {
  const { version } = createRequire(import.meta.url)('score-wasm/package.json');
  assert.equal(modelCacheName, `score-wasm-models-${version}`);
});
