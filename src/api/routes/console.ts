import { existsSync, statSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';

/** Paths that belong to the API: never answered with the console, and always authenticated. */
const API_PATH = /^\/(v1|compute|metrics|healthz|readyz)(\/|$)/;

/**
 * True for paths the console serves: everything outside the API. These need no token.
 * Decoded first, as the router decodes before matching (`/%761/…` is `/v1/…`).
 */
export function isConsolePath(path: string): boolean {
  try {
    return !API_PATH.test(decodeURIComponent(path));
  } catch {
    return false;
  }
}

/** `vite build` writes the console to dist/web; this file runs from dist/src/api/routes. */
function consoleDir(): string {
  return process.env.VANE_CONSOLE_DIR ?? resolve(import.meta.dirname, '../../../web');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vane</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Vane console is not built</h1>
<p>This server has no console files. Build them with <code>npm run build</code> (or install
with <code>npm ci</code>, which builds), then restart <code>vane serve</code>.</p>
<p>The REST API works without it: see <code>vane --help</code>.</p>
</body></html>
`;

/**
 * The web console at `/`: files from dist/web, hashed assets cached for good and
 * index.html revalidated every time, and index.html for any other non-API GET so that
 * console URLs can be linked and reloaded.
 */
export function consoleRoutes(app: FastifyInstance): void {
  const root = consoleDir();
  const built = existsSync(join(root, 'index.html'));
  if (built) app.register(fastifyStatic, { root, serve: false, cacheControl: false });

  const sendIndex = (reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    if (!built) return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  };

  app.get('/*', async (req, reply) => {
    const path = safeDecode(req.url.split('?')[0]!);
    if (API_PATH.test(path)) {
      return reply.code(404).send(new ApiError(404, `No such API: ${req.method} ${path}`).toJSON());
    }
    const file = normalize(path).replace(/^\/+/, '');
    if (built && file !== '' && !file.startsWith('..') && isFile(join(root, file))) {
      // Vite names everything under assets/ by content hash: such a URL never changes content.
      reply.header(
        'cache-control',
        file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      return reply.sendFile(file);
    }
    // A missing hashed asset is a stale page asking for an old build: a 404, not the app.
    if (file.startsWith('assets/')) return reply.code(404).type('text/plain').send('Not found\n');
    return sendIndex(reply);
  });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
