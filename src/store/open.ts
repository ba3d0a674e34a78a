import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export const SUPPORTED_STORE_URLS = 'sqlite:<path>, sqlite::memory:, postgres://... or postgresql://...';

/**
 * Opens a store and brings its schema up to date.
 *
 * - `sqlite:<path>`: a SQLite file (parent directories are created; a relative path is resolved
 *   against the working directory; `sqlite://<path>` is accepted too). `sqlite::memory:` is a
 *   throw-away store, removed on close.
 * - `postgres://…` or `postgresql://…`: PostgreSQL; `?schema=NAME` selects (and creates) the schema.
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    let location = url.slice('sqlite:'.length);
    if (location.startsWith('//')) location = location.slice(2);
    return openSqliteStore(location);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgresStore(url);
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? url.slice(0, 0);
  throw new Error(
    `unsupported store URL${scheme ? ` scheme ${JSON.stringify(scheme)}` : ''}: supported are ${SUPPORTED_STORE_URLS}`,
  );
}
