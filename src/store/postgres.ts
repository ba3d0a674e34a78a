// PostgreSQL driver (pg). Reads outside transactions go through the pool. A write transaction
// takes a pooled connection and locks the one row of `meta` (`SELECT ... FOR UPDATE`), which
// serialises writers across processes; it NOTIFYs `vane_changes_<schema>` with its revision
// just before COMMIT (delivered at commit). Every store holds one dedicated LISTEN connection,
// reconnected when it drops, after which the store catches up from `changes`.
//
// The URL may carry a Vane-specific `schema` parameter (`postgres://host/db?schema=NAME`,
// default `public`): it is removed before the URL reaches pg, the schema is created if absent,
// and every connection gets `search_path` set to it.

import { userInfo } from 'node:os';
import pg from 'pg';
import type { Driver, Row, SqlConn, SqlStatement, SqlValue, TxConn } from './driver.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

const POOL_MAX = 8;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/** First key of the advisory lock that serialises migrations (second key: the schema). */
const MIGRATION_LOCK_CLASS = 0x76616e65; // 'vane'
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** NOTIFY channel of a schema's store: lower-case letters, digits and '_', at most 63 bytes. */
export function changeChannel(schema: string): string {
  return `vane_changes_${schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/** Converts `?` placeholders (outside quotes) to `$1`, `$2`, ... */
function toPgPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n++;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

const converted = new Map<string, string>();
function pgSql(sql: string): string {
  let text = converted.get(sql);
  if (text === undefined) {
    text = toPgPlaceholders(sql);
    if (converted.size >= 2000) converted.clear();
    converted.set(sql, text);
  }
  return text;
}

/** 32-bit FNV-1a of a string, as a signed int4 (advisory lock key). */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

interface Queryable {
  query(text: string, values?: SqlValue[]): Promise<pg.QueryResult>;
}

class PgConn implements SqlConn {
  constructor(private readonly target: Queryable) {}

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.target.query(pgSql(sql), [...params]);
    return result.rows as Row[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.target.query(pgSql(sql), [...params]);
    return result.rowCount ?? 0;
  }
}

class PgTx extends PgConn implements TxConn {
  private released = false;
  /** A checked-out client has no pool error listener: a dropped connection must not crash the process. */
  private readonly onError = (): void => {};

  constructor(private readonly client: pg.PoolClient) {
    super(client);
    client.on('error', this.onError);
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    this.release();
  }

  async rollback(): Promise<void> {
    if (this.released) return;
    try {
      await this.client.query('ROLLBACK');
      this.release();
    } catch (err) {
      this.release(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private release(err?: Error): void {
    if (this.released) return;
    this.released = true;
    this.client.removeListener('error', this.onError);
    this.client.release(err);
  }
}

export interface PostgresLocation {
  /** The URL to hand to pg: without `schema`, `options` and `application_name`. */
  connectionString: string;
  schema: string;
  /** `options` startup parameter from the URL, if any. */
  options: string | undefined;
  applicationName: string | undefined;
}

/**
 * Splits the Vane-specific parameters off a `postgres://` URL. `options` and `application_name`
 * are taken out too (pg would let the URL's values override the search_path we set).
 */
export function parsePostgresUrl(url: string): PostgresLocation {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`postgres: invalid schema name ${JSON.stringify(schema)} (letters, digits and '_' only)`);
  }
  const options = parsed.searchParams.get('options') ?? undefined;
  const applicationName = parsed.searchParams.get('application_name') ?? undefined;
  if (!parsed.username && !process.env['PGUSER'] && !process.env['USER']) {
    // Like libpq: default to the operating-system user (pg would send no user name at all).
    parsed.username = encodeURIComponent(userInfo().username);
  }
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  parsed.searchParams.delete('application_name');
  return { connectionString: parsed.toString(), schema, options, applicationName };
}

class PostgresDriver implements Driver {
  readonly name = 'postgres';
  readonly lockSuffix = ' FOR UPDATE';
  readonly reader: SqlConn;
  private readonly pool: pg.Pool;
  private readonly config: pg.ClientConfig;
  private readonly channel: string;
  private listener: pg.Client | undefined;
  private signal: ((revision?: number) => void) | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly location: PostgresLocation) {
    const searchPath = `-c search_path=${quoteIdent(location.schema)}`;
    this.config = {
      connectionString: location.connectionString,
      options: location.options ? `${location.options} ${searchPath}` : searchPath,
      application_name: location.applicationName ?? 'vane',
    };
    this.pool = new pg.Pool({ ...this.config, max: POOL_MAX });
    // An idle pooled connection that breaks is dropped by the pool; nothing else to do.
    this.pool.on('error', () => {});
    this.reader = new PgConn(this.pool);
    this.channel = changeChannel(location.schema);
  }

  async begin(): Promise<TxConn> {
    const tx = new PgTx(await this.pool.connect());
    try {
      await tx.run('BEGIN');
    } catch (err) {
      await tx.rollback();
      throw err;
    }
    return tx;
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = [MIGRATION_LOCK_CLASS, hash32(this.location.schema)];
    const ignore = (): void => {}; // a failure surfaces in the query; the client is destroyed below
    client.on('error', ignore);
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', key);
      const schema = this.location.schema;
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      const result = await fn();
      await client.query('SELECT pg_advisory_unlock($1, $2)', key);
      client.removeListener('error', ignore);
      client.release();
      return result;
    } catch (err) {
      // Closing the session releases the advisory lock.
      client.removeListener('error', ignore);
      client.release(true);
      throw err;
    }
  }

  notifyStatement(revision: number): SqlStatement {
    return { sql: 'SELECT pg_notify(?, ?)', params: [this.channel, String(revision)] };
  }

  async watch(signal: (revision?: number) => void): Promise<void> {
    this.signal = signal;
    await this.connectListener();
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({
      ...this.config,
      application_name: `vane-listen:${this.location.schema}`.slice(0, 63),
    });
    let ready = false;
    const lost = (): void => {
      if (ready) this.listenerLost(client);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message: pg.Notification) => {
      if (this.closing || message.channel !== this.channel) return;
      const revision = Number(message.payload);
      this.signal?.(Number.isSafeInteger(revision) ? revision : undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.closing) {
      await client.end().catch(() => {});
      return;
    }
    ready = true;
    this.listener = client;
  }

  private listenerLost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => {});
    this.scheduleReconnect(RECONNECT_MIN_MS);
  }

  private scheduleReconnect(delay: number): void {
    if (this.closing || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectListener().then(
        () => this.signal?.(), // catch up on whatever committed while not listening
        () => this.scheduleReconnect(Math.min(delay * 2, RECONNECT_MAX_MS)),
      );
    }, delay);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await listener.end().catch(() => {});
    await this.pool.end();
  }
}

/** Opens the store at a `postgres://` / `postgresql://` URL (see the `schema` parameter above). */
export async function openPostgresStore(url: string): Promise<Store> {
  const driver = new PostgresDriver(parsePostgresUrl(url));
  try {
    return await SqlStore.open(driver);
  } catch (err) {
    await driver.close();
    throw err;
  }
}
