// The small interface between the shared store logic (sql-store.ts) and a database driver
// (sqlite.ts, postgres.ts). SQL is written once, with `?` placeholders; a driver that needs
// another placeholder style converts it.

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** One connection (or a pool of interchangeable ones) that runs statements. */
export interface SqlConn {
  /** Runs a statement that returns rows. */
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement that returns no rows; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** A connection inside an open transaction. Exactly one of commit/rollback is called. */
export interface TxConn extends SqlConn {
  commit(): Promise<void>;
  /** Never throws; a connection that could not roll back is discarded. */
  rollback(): Promise<void>;
}

/** A notification statement to run inside the transaction, just before COMMIT. */
export interface SqlStatement {
  sql: string;
  params: SqlValue[];
}

export interface Driver {
  readonly name: 'sqlite' | 'postgres';
  /** Runs reads outside any transaction: they only ever see committed state. */
  readonly reader: SqlConn;
  /** Appended to the `SELECT revision FROM meta` that opens every write transaction. */
  readonly lockSuffix: string;
  /**
   * Opens a transaction that is serialised against every other writer of the database (in this
   * process and in others).
   */
  begin(): Promise<TxConn>;
  /** Runs `fn` holding an exclusive lock that serialises schema migrations across processes. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Statement that tells other processes that `revision` committed, if the driver has one. */
  notifyStatement(revision: number): SqlStatement | undefined;
  /**
   * Starts watching for commits by other connections; `signal` is called with the committed
   * revision when known. Resolves once watching is established.
   */
  watch(signal: (revision?: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** Converts a BIGINT / COUNT(*) column (a string from pg, a number from SQLite) to a number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`expected a number from the database, got ${String(value)}`);
}

export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`expected text from the database, got ${String(value)}`);
}

export function toTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toText(value);
}
