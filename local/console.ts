// The web console's built files (console/dist, from `npm run build:console`), served by the
// embedded runtime at `/` next to the API at `/v1`: the API Gateway stand-in hands it every
// request outside `/v1`. A path without a file is the single-page app's (index.html).
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const CONSOLE_DIST = resolve(import.meta.dirname, '..', 'console', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Whether the built console is there to serve. */
export const consoleBuilt = (dir = CONSOLE_DIST) => existsSync(join(dir, 'index.html'));

export function serveConsole(dir = CONSOLE_DIST) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/v1/') || url.pathname === '/v1') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!consoleBuilt(dir)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The console is not built: run `npm run build:console`, then reload.\n');
      return true;
    }
    // Never outside the folder (nor a sibling named like it): `..` is resolved away first.
    let wanted: string;
    try {
      wanted = normalize(join(dir, decodeURIComponent(url.pathname)));
    } catch {
      wanted = dir; // a malformed %-escape: the app itself
    }
    const inside = wanted.startsWith(`${dir}${sep}`);
    const file = inside && existsSync(wanted) && statSync(wanted).isFile() ? wanted : join(dir, 'index.html');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // Built assets carry a content hash in their names; the page itself is always fresh.
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  };
}
