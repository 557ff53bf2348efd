// A static file server for the web updater on 127.0.0.1 (a secure
// context for WebUSB without certificates): web/ at /, and test files
// (images, keys) under /files/ when a folder is given.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function resolve(root, files, url) {
  const path = normalize(decodeURIComponent(new URL(url, 'http://x').pathname));
  if (path.includes('..')) return null;
  if (files && path.startsWith('/files/')) return join(files, path.slice('/files/'.length));
  return join(root, path === '/' ? 'index.html' : path);
}

// Resolves to { url, close() } once listening on port (0: any free port).
export function serve(root, { port = 0, files = null } = {}) {
  const server = createServer(async (req, res) => {
    const file = resolve(root, files, req.url);
    try {
      if (!file) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] || 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch (e) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () =>
      ok({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => server.close(r)),
      }),
    );
  });
}
