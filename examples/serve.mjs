// A tiny static server for the demos: serves the repository root on 127.0.0.1 with the headers
// that make pages cross-origin isolated (COOP same-origin + COEP require-corp), so that they get
// SharedArrayBuffer and the threads build.
//   node examples/serve.mjs                 PORT=8080 by default; PORT=0 picks a free port
//   NO_ISOLATION=1 node examples/serve.mjs  without those headers (the single-threaded fallback)
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
};

/**
 * Starts the server.
 * @param {{ port?: number, isolated?: boolean, root?: string }} [options] port 0 picks a free one
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serve({ port = 8080, isolated = true, root = ROOT } = {}) {
  const server = http.createServer((request, response) => {
    respond(request, response, root, isolated).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  // A browser keeps idle keep-alive connections open; close() alone would wait for them (minutes).
  return { url, close: () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }) };
}

async function respond(request, response, root, isolated) {
  const headers = { 'Cache-Control': 'no-cache' };
  if (isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
    return;
  }
  let file = resolveInside(root, new URL(request.url, 'http://localhost').pathname);
  let info = file && await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    response.writeHead(file ? 404 : 403, { ...headers, 'Content-Type': 'text/plain' });
    response.end(file ? 'not found\n' : 'forbidden\n');
    return;
  }
  const type = MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': info.size });
  if (request.method === 'HEAD') response.end();
  else createReadStream(file).pipe(response);
}

// The file a URL path names under root, or null for a path that is not to be served: one that
// would leave root, or names a hidden file such as .git.
function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const normalized = path.posix.normalize(`/${decoded}`);  // '..' cannot climb above '/'
  if (decoded.includes('\0') || normalized.split('/').some((part) => part.startsWith('.'))) return null;
  const base = path.resolve(root);
  const file = path.join(base, normalized);
  return file === base || file.startsWith(base + path.sep) ? file : null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await serve({ port: Number(process.env.PORT ?? 8080), isolated: !process.env.NO_ISOLATION });
  console.log(`serving ${ROOT} at ${url} (${process.env.NO_ISOLATION ? 'not ' : ''}cross-origin isolated)`);
  console.log(`demos: ${url}examples/`);
}
