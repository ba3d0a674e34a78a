// SQLite driver (better-sqlite3): one write connection, used only inside write transactions,
// and one read connection for everything else. In WAL mode the reader sees the last committed
// state and never an in-flight transaction's writes.
//
// Writers are serialised in-process by a mutex per database file (shared by every store of
// this process on that file) and across processes by `BEGIN IMMEDIATE`. The write connection
// has no busy timeout: a BEGIN IMMEDIATE that finds another process's write lock is retried
// asynchronously, so waiting never blocks the event loop. Commits of other processes are
// noticed by polling `PRAGMA data_version` on the read connection.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Driver, Row, SqlConn, SqlStatement, SqlValue, TxConn } from './driver.js';
import { Mutex } from './mutex.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

/** How long a writer waits for another process's write transaction before failing. */
const BUSY_TIMEOUT_MS = 30_000;
/** How often the read connection checks for commits by other connections. */
const POLL_MS = 200;
const STATEMENT_CACHE_LIMIT = 1000;

/** Per database file: serialises the writers of this process (stores opened twice included). */
const fileLocks = new Map<string, Mutex>();

class SqliteConn implements SqlConn {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.prepare(sql).all(...params) as Row[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.prepare(sql).run(...params).changes;
  }
}

class SqliteTx implements TxConn {
  private done = false;

  constructor(
    private readonly db: Database.Database,
    private readonly conn: SqliteConn,
    private readonly release: () => void,
  ) {}

  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.conn.all(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.conn.run(sql, params);
  }

  async commit(): Promise<void> {
    this.db.exec('COMMIT');
    this.finish();
  }

  async rollback(): Promise<void> {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // The transaction is gone either way.
    }
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.release();
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY');
}

class SqliteDriver implements Driver {
  readonly name = 'sqlite';
  readonly lockSuffix = '';
  readonly reader: SqlConn;
  private readonly writeDb: Database.Database;
  private readonly readDb: Database.Database;
  private readonly writeConn: SqliteConn;
  private readonly lock: Mutex;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    file: string,
    durable: boolean,
    private readonly cleanup: () => void,
  ) {
    let lock = fileLocks.get(file);
    if (!lock) {
      lock = new Mutex();
      fileLocks.set(file, lock);
    }
    this.lock = lock;
    this.writeDb = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.writeDb.pragma('journal_mode = WAL');
      this.writeDb.pragma(`synchronous = ${durable ? 'FULL' : 'OFF'}`);
      this.writeDb.pragma('foreign_keys = ON');
      this.writeDb.pragma('busy_timeout = 0');
      this.readDb = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      this.writeDb.close();
      throw err;
    }
    this.readDb.pragma('foreign_keys = ON');
    this.readDb.pragma('query_only = ON');
    this.writeConn = new SqliteConn(this.writeDb);
    this.reader = new SqliteConn(this.readDb);
  }

  async begin(): Promise<TxConn> {
    const release = await this.lock.lock();
    try {
      if (this.closed) throw new Error('the store is closed');
      await this.beginImmediate();
    } catch (err) {
      release();
      throw err;
    }
    return new SqliteTx(this.writeDb, this.writeConn, release);
  }

  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    let delay = 1;
    for (;;) {
      try {
        this.writeDb.exec('BEGIN IMMEDIATE');
        return;
      } catch (err) {
        if (!isBusy(err) || Date.now() > deadline) throw err;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // Each migration runs under BEGIN IMMEDIATE, which already excludes other processes.
    return fn();
  }

  notifyStatement(): SqlStatement | undefined {
    return undefined;
  }

  async watch(signal: (revision?: number) => void): Promise<void> {
    let version = this.readDb.pragma('data_version', { simple: true });
    this.pollTimer = setInterval(() => {
      try {
        const current = this.readDb.pragma('data_version', { simple: true });
        if (current !== version) {
          version = current;
          signal();
        }
      } catch {
        // Closed or transiently busy: try again at the next tick.
      }
    }, POLL_MS);
    this.pollTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    try {
      this.readDb.close();
      this.writeDb.close();
    } finally {
      this.cleanup();
    }
  }
}

/**
 * Opens (creating it and its parent directories if needed) the SQLite store at `location`, a
 * file path, or `:memory:` for a throw-away store: a temporary file, removed on close, so that
 * it behaves exactly like a file store (separate read and write connections), without fsync.
 */
export async function openSqliteStore(location: string): Promise<Store> {
  let file: string;
  let cleanup = (): void => {};
  if (location === ':memory:') {
    const dir = mkdtempSync(join(tmpdir(), 'vane-memory-'));
    file = join(dir, 'store.db');
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    if (location === '') throw new Error('sqlite: a database file path is required (sqlite:<path>)');
    file = resolve(location);
    mkdirSync(dirname(file), { recursive: true });
  }
  let driver: SqliteDriver;
  try {
    driver = new SqliteDriver(file, location !== ':memory:', cleanup);
  } catch (err) {
    cleanup();
    throw err;
  }
  try {
    return await SqlStore.open(driver);
  } catch (err) {
    await driver.close();
    throw err;
  }
}
