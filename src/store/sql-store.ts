// The store logic, written once against the small Driver interface (driver.ts) so that the
// SQLite and PostgreSQL stores behave identically.
//
// Revisions: every write transaction starts by reading (and, on PostgreSQL, locking) the one
// row of `meta`. The first statement that actually modifies something also sets
// `meta.revision` to base + 1, so a transaction that changed nothing leaves the revision
// alone, and one that did takes exactly one new revision however much it wrote. Token writes
// take a revision too (they changed the database) but record no change events.
//
// Change events are inserted into `changes` inside the transaction (so `changesSince` sees
// them atomically with the data). Delivery to subscribers goes through one serial queue per
// store that keeps a cursor: every revision <= cursor has been delivered. After its own commit
// a store delivers its transaction's changes directly when the cursor is at the revision the
// transaction started from; otherwise (another process committed in between) it catches up
// from the `changes` table. Notifications from other processes (LISTEN/NOTIFY on PostgreSQL,
// `PRAGMA data_version` polling on SQLite) also trigger a catch-up. Each revision is thus
// delivered exactly once, in order, as one call per revision.
//
// Events of the non-resource tables name their owner: `networkEndpoints` the NEG,
// `guestAttributes` the instance; op is `upsert` when entries were added or changed and
// `delete` when some were removed (not necessarily all: re-read the set). `deleteProject`
// emits only the `projects` delete. Within one transaction an event identical to the last
// one recorded for the same entity is not repeated.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Driver, Row, SqlConn, SqlValue, TxConn } from './driver.js';
import { toNumber, toText, toTextOrNull } from './driver.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations.js';
import { Mutex } from './mutex.js';
import { type Store, StoreConflictError, type StoreReader, type StoreTx } from './store.js';
import {
  type Change,
  type ChangeKind,
  type Collection,
  type EndpointPage,
  type GuestAttribute,
  type NetworkEndpoint,
  type ProjectRecord,
  type ResourceRecord,
  type RoleGrant,
  resourcePath,
  type Scope,
  type TokenRecord,
} from './types.js';

/** Revisions of change events kept in the `changes` table. */
export const CHANGES_KEPT = 100_000;
const CHANGES_TRIM_EVERY = 1000;

/** Rows per multi-row INSERT / DELETE statement. */
const CHUNK = 200;
/** Delay before retrying a failed catch-up (database unreachable, ...). */
const DELIVERY_RETRY_MS = 1000;

interface PathParts {
  project: string;
  scope: Scope;
  collection: string;
  name: string;
}

/** Splits `projects/P/<scope>/<collection>/<name>`; the scope may contain slashes (`zones/z`). */
export function parseResourcePath(path: string): PathParts {
  const parts = path.split('/');
  if (parts.length < 5 || parts[0] !== 'projects' || parts.some((p) => p === '')) {
    throw new Error(`invalid resource path: ${JSON.stringify(path)}`);
  }
  return {
    project: parts[1]!,
    scope: parts.slice(2, -2).join('/'),
    collection: parts[parts.length - 2]!,
    name: parts[parts.length - 1]!,
  };
}

/** [start, end) bounds of every path under `projects/<id>/`, for bytewise range comparison. */
function projectRange(id: string): [string, string] {
  return [`projects/${id}/`, `projects/${id}0`]; // '0' is the byte after '/'
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function endpointKey(e: NetworkEndpoint): string {
  return `${e.ipAddress}\u0000${e.port}\u0000${e.instance}`;
}

function normaliseEndpoint(e: NetworkEndpoint): NetworkEndpoint {
  const instance = e.instance ?? '';
  if (typeof e.ipAddress !== 'string' || e.ipAddress === '')
    throw new Error('endpoint ipAddress is required');
  if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535) {
    throw new Error(`endpoint port must be an integer in 0..65535, got ${String(e.port)}`);
  }
  if (typeof instance !== 'string') throw new Error('endpoint instance must be a string');
  return { ipAddress: e.ipAddress, port: e.port, instance };
}

function uniqueEndpoints(endpoints: readonly NetworkEndpoint[]): NetworkEndpoint[] {
  const seen = new Map<string, NetworkEndpoint>();
  for (const e of endpoints) {
    const n = normaliseEndpoint(e);
    seen.set(endpointKey(n), n);
  }
  return [...seen.values()];
}

function projectFromRow(row: Row): ProjectRecord {
  return { id: toText(row.id), number: toText(row.number), createdAt: toText(row.created_at) };
}

function resourceFromRow(row: Row): ResourceRecord {
  return {
    project: toText(row.project),
    collection: toText(row.collection) as Collection,
    scope: toText(row.scope),
    name: toText(row.name),
    id: toText(row.id),
    body: JSON.parse(toText(row.body)) as Record<string, unknown>,
    fingerprint: toText(row.fingerprint),
    creationTimestamp: toText(row.creation_timestamp),
    revision: toNumber(row.revision),
  };
}

function endpointFromRow(row: Row): NetworkEndpoint {
  return { ipAddress: toText(row.ip_address), port: toNumber(row.port), instance: toText(row.instance) };
}

function tokenFromRow(row: Row): TokenRecord {
  return {
    id: toText(row.id),
    name: toText(row.name),
    hash: toText(row.hash),
    grants: JSON.parse(toText(row.grants)) as RoleGrant[],
    createdAt: toText(row.created_at),
    revokedAt: toTextOrNull(row.revoked_at),
  };
}

function changeFromRow(row: Row): Change {
  return {
    revision: toNumber(row.revision),
    kind: toText(row.kind) as ChangeKind,
    project: toText(row.project),
    scope: toText(row.scope),
    name: toText(row.name),
    op: toText(row.op) as Change['op'],
  };
}

const RESOURCE_COLUMNS =
  'path, project, collection, scope, name, id, body, fingerprint, creation_timestamp, revision';
const TOKEN_COLUMNS = 'id, name, hash, grants, created_at, revoked_at';
const CHANGE_COLUMNS = 'revision, kind, project, scope, name, op';

async function readRevision(conn: SqlConn, lockSuffix = ''): Promise<number> {
  const rows = await conn.all(`SELECT revision FROM meta WHERE id = 1${lockSuffix}`);
  if (rows.length !== 1) throw new Error('store metadata row is missing');
  return toNumber(rows[0]!.revision);
}

/** The reads, against a connection: the store's reader, or a transaction's connection. */
class SqlReader implements StoreReader {
  constructor(private readonly connection: SqlConn) {}

  /** The connection to use; subclasses refuse when closed / finished. */
  protected conn(): SqlConn {
    return this.connection;
  }

  async revision(): Promise<number> {
    return readRevision(this.conn());
  }

  async getProject(id: string): Promise<ProjectRecord | undefined> {
    const rows = await this.conn().all('SELECT id, number, created_at FROM projects WHERE id = ?', [id]);
    return rows[0] ? projectFromRow(rows[0]) : undefined;
  }

  async getProjectByNumber(projectNumber: string): Promise<ProjectRecord | undefined> {
    const rows = await this.conn().all('SELECT id, number, created_at FROM projects WHERE number = ?', [
      projectNumber,
    ]);
    return rows[0] ? projectFromRow(rows[0]) : undefined;
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.conn().all('SELECT id, number, created_at FROM projects ORDER BY id');
    return rows.map(projectFromRow);
  }

  async getResource(path: string): Promise<ResourceRecord | undefined> {
    const rows = await this.conn().all(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE path = ?`, [path]);
    return rows[0] ? resourceFromRow(rows[0]) : undefined;
  }

  async listResources(project: string, collection: Collection, scope?: Scope): Promise<ResourceRecord[]> {
    const rows =
      scope === undefined
        ? await this.conn().all(
            `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE project = ? AND collection = ? ORDER BY scope, name`,
            [project, collection],
          )
        : await this.conn().all(
            `SELECT ${RESOURCE_COLUMNS} FROM resources
             WHERE project = ? AND collection = ? AND scope = ? ORDER BY scope, name`,
            [project, collection, scope],
          );
    return rows.map(resourceFromRow);
  }

  async referrers(path: string): Promise<string[]> {
    const rows = await this.conn().all('SELECT from_path FROM refs WHERE to_path = ? ORDER BY from_path', [
      path,
    ]);
    return rows.map((r) => toText(r.from_path));
  }

  async countEndpoints(negPath: string): Promise<number> {
    const rows = await this.conn().all('SELECT COUNT(*) AS n FROM network_endpoints WHERE neg_path = ?', [
      negPath,
    ]);
    return toNumber(rows[0]?.n);
  }

  async listEndpoints(
    negPath: string,
    opts: { after?: NetworkEndpoint; limit: number },
  ): Promise<EndpointPage> {
    const { after, limit } = opts;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer`);
    const params: SqlValue[] = [negPath];
    let where = 'neg_path = ?';
    if (after) {
      const a = normaliseEndpoint(after);
      where += ' AND (ip_address, port, instance) > (?, ?, ?)';
      params.push(a.ipAddress, a.port, a.instance);
    }
    params.push(limit + 1);
    const rows = await this.conn().all(
      `SELECT ip_address, port, instance FROM network_endpoints WHERE ${where}
       ORDER BY ip_address, port, instance LIMIT ?`,
      params,
    );
    const items = rows.slice(0, limit).map(endpointFromRow);
    return rows.length > limit ? { items, next: items[items.length - 1]! } : { items };
  }

  async getGuestAttributes(instancePath: string, namespace?: string): Promise<GuestAttribute[]> {
    const rows =
      namespace === undefined
        ? await this.conn().all(
            `SELECT namespace, key, value, updated_at FROM guest_attributes
             WHERE instance_path = ? ORDER BY namespace, key`,
            [instancePath],
          )
        : await this.conn().all(
            `SELECT namespace, key, value, updated_at FROM guest_attributes
             WHERE instance_path = ? AND namespace = ? ORDER BY namespace, key`,
            [instancePath, namespace],
          );
    return rows.map((r) => ({
      namespace: toText(r.namespace),
      key: toText(r.key),
      value: toText(r.value),
      updatedAt: toText(r.updated_at),
    }));
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const rows = await this.conn().all(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ?`, [hash]);
    return rows[0] ? tokenFromRow(rows[0]) : undefined;
  }

  /** Oldest first (createdAt, then id). Revoked tokens included. */
  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.conn().all(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id`);
    return rows.map(tokenFromRow);
  }

  async changesSince(revision: number, limit?: number): Promise<Change[]> {
    const rows =
      limit === undefined
        ? await this.conn().all(
            `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? ORDER BY revision, seq`,
            [revision],
          )
        : await this.conn().all(
            `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? ORDER BY revision, seq LIMIT ?`,
            [revision, limit],
          );
    return rows.map(changeFromRow);
  }
}

/**
 * Wraps a transaction's connection and remembers the first failed statement: such a
 * transaction never commits (PostgreSQL would abort it anyway; SQLite is made to agree).
 */
class GuardedConn implements SqlConn {
  failure: { error: unknown } | undefined;

  constructor(private readonly inner: SqlConn) {}

  async all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    try {
      return await this.inner.all(sql, params);
    } catch (error) {
      this.failure ??= { error };
      throw error;
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    try {
      return await this.inner.run(sql, params);
    } catch (error) {
      this.failure ??= { error };
      throw error;
    }
  }
}

class SqlTx extends SqlReader implements StoreTx {
  /** Change events recorded so far, in order. */
  readonly changes: Change[] = [];
  /** Whether anything was modified (and so `meta.revision` already set to `txRevision`). */
  dirty = false;
  finished = false;
  /** Last op recorded per entity: repeated identical events are recorded once. */
  private readonly lastOp = new Map<string, Change['op']>();

  constructor(
    private readonly tx: SqlConn,
    /** The revision this transaction takes if it writes anything. */
    readonly txRevision: number,
  ) {
    super(tx);
  }

  protected override conn(): SqlConn {
    if (this.finished) throw new Error('this transaction is already finished');
    return this.tx;
  }

  /** Marks the transaction as writing: takes the new revision. */
  private async touch(): Promise<void> {
    if (this.dirty) return;
    await this.conn().run('UPDATE meta SET revision = ? WHERE id = 1', [this.txRevision]);
    this.dirty = true;
    // The change log keeps the last CHANGES_KEPT revisions: enough for any subscriber to catch
    // up after a pause; older ones are trimmed in passing, once every CHANGES_TRIM_EVERY.
    if (this.txRevision % CHANGES_TRIM_EVERY === 0) {
      await this.conn().run('DELETE FROM changes WHERE revision <= ?', [this.txRevision - CHANGES_KEPT]);
    }
  }

  private async record(
    kind: ChangeKind,
    project: string,
    scope: Scope,
    name: string,
    op: Change['op'],
  ): Promise<void> {
    await this.touch();
    const entity = `${kind}\u0000${project}\u0000${scope}\u0000${name}`;
    if (this.lastOp.get(entity) === op) return;
    this.lastOp.set(entity, op);
    const seq = this.changes.length;
    await this.conn().run(
      'INSERT INTO changes (revision, seq, kind, project, scope, name, op) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [this.txRevision, seq, kind, project, scope, name, op],
    );
    this.changes.push({ revision: this.txRevision, kind, project, scope, name, op });
  }

  async createProject(project: ProjectRecord): Promise<void> {
    if (!project.id || project.id.includes('/')) throw new Error(`invalid project id: ${project.id}`);
    const c = this.conn();
    if ((await c.all('SELECT 1 AS x FROM projects WHERE id = ?', [project.id])).length > 0) {
      throw new StoreConflictError(`project ${project.id} already exists`);
    }
    if ((await c.all('SELECT 1 AS x FROM projects WHERE number = ?', [project.number])).length > 0) {
      throw new StoreConflictError(`project number ${project.number} is already used`);
    }
    await this.touch();
    await c.run('INSERT INTO projects (id, number, created_at) VALUES (?, ?, ?)', [
      project.id,
      project.number,
      project.createdAt,
    ]);
    await this.record('projects', project.id, '', project.id, 'upsert');
  }

  /**
   * Emits a single `projects` delete change for the project: no per-resource, endpoint or
   * guest-attribute events. Subscribers drop everything under the project on it.
   * References from other projects to paths in this one are kept (like those to any deleted path).
   */
  async deleteProject(id: string): Promise<boolean> {
    const c = this.conn();
    if ((await c.all('SELECT 1 AS x FROM projects WHERE id = ?', [id])).length === 0) return false;
    await this.touch();
    const [start, end] = projectRange(id);
    await c.run('DELETE FROM refs WHERE from_path >= ? AND from_path < ?', [start, end]);
    await c.run('DELETE FROM network_endpoints WHERE neg_path >= ? AND neg_path < ?', [start, end]);
    await c.run('DELETE FROM guest_attributes WHERE instance_path >= ? AND instance_path < ?', [start, end]);
    await c.run('DELETE FROM resources WHERE project = ?', [id]);
    await c.run('DELETE FROM projects WHERE id = ?', [id]);
    await this.record('projects', id, '', id, 'delete');
    return true;
  }

  async putResource(record: Omit<ResourceRecord, 'revision'>, refs: string[]): Promise<void> {
    const path = resourcePath(record.project, record.scope, record.collection, record.name);
    parseResourcePath(path);
    const c = this.conn();
    if ((await c.all('SELECT 1 AS x FROM projects WHERE id = ?', [record.project])).length === 0) {
      throw new Error(`project ${record.project} does not exist`);
    }
    const owner = await c.all('SELECT path FROM resources WHERE id = ?', [record.id]);
    if (owner[0] && toText(owner[0].path) !== path) {
      throw new StoreConflictError(`resource id ${record.id} is already used by ${toText(owner[0].path)}`);
    }
    await this.touch();
    await c.run(
      `INSERT INTO resources (${RESOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET id = excluded.id, body = excluded.body,
         fingerprint = excluded.fingerprint, creation_timestamp = excluded.creation_timestamp,
         revision = excluded.revision`,
      [
        path,
        record.project,
        record.collection,
        record.scope,
        record.name,
        record.id,
        JSON.stringify(record.body),
        record.fingerprint,
        record.creationTimestamp,
        this.txRevision,
      ],
    );
    await c.run('DELETE FROM refs WHERE from_path = ?', [path]);
    for (const chunk of chunks([...new Set(refs)], CHUNK)) {
      await c.run(
        `INSERT INTO refs (from_path, to_path) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        chunk.flatMap((to) => [path, to]),
      );
    }
    await this.record(record.collection, record.project, record.scope, record.name, 'upsert');
  }

  /** Incoming references (from resources that still name `path`) are kept. */
  async deleteResource(path: string): Promise<boolean> {
    const c = this.conn();
    const rows = await c.all('SELECT project, collection, scope, name FROM resources WHERE path = ?', [path]);
    const row = rows[0];
    if (!row) return false;
    await this.touch();
    await c.run('DELETE FROM resources WHERE path = ?', [path]);
    await c.run('DELETE FROM refs WHERE from_path = ?', [path]);
    await c.run('DELETE FROM network_endpoints WHERE neg_path = ?', [path]);
    await c.run('DELETE FROM guest_attributes WHERE instance_path = ?', [path]);
    await this.record(
      toText(row.collection) as Collection,
      toText(row.project),
      toText(row.scope),
      toText(row.name),
      'delete',
    );
    return true;
  }

  async attachEndpoints(negPath: string, endpoints: NetworkEndpoint[]): Promise<number> {
    const neg = parseResourcePath(negPath);
    const c = this.conn();
    let added = 0;
    for (const chunk of chunks(uniqueEndpoints(endpoints), CHUNK)) {
      added += await c.run(
        `INSERT INTO network_endpoints (neg_path, ip_address, port, instance)
         VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
        chunk.flatMap((e) => [negPath, e.ipAddress, e.port, e.instance]),
      );
    }
    if (added > 0) await this.record('networkEndpoints', neg.project, neg.scope, neg.name, 'upsert');
    return added;
  }

  async detachEndpoints(negPath: string, endpoints: NetworkEndpoint[]): Promise<number> {
    const neg = parseResourcePath(negPath);
    const c = this.conn();
    let removed = 0;
    for (const chunk of chunks(uniqueEndpoints(endpoints), CHUNK)) {
      removed += await c.run(
        `DELETE FROM network_endpoints WHERE neg_path = ? AND (${chunk
          .map(() => '(ip_address = ? AND port = ? AND instance = ?)')
          .join(' OR ')})`,
        [negPath, ...chunk.flatMap((e) => [e.ipAddress, e.port, e.instance])],
      );
    }
    if (removed > 0) await this.record('networkEndpoints', neg.project, neg.scope, neg.name, 'delete');
    return removed;
  }

  async setGuestAttributes(
    instancePath: string,
    attributes: Omit<GuestAttribute, 'updatedAt'>[],
  ): Promise<void> {
    const instance = parseResourcePath(instancePath);
    const latest = new Map<string, Omit<GuestAttribute, 'updatedAt'>>();
    for (const a of attributes) latest.set(`${a.namespace}\u0000${a.key}`, a);
    if (latest.size === 0) return;
    const c = this.conn();
    const now = new Date().toISOString();
    for (const chunk of chunks([...latest.values()], CHUNK)) {
      await c.run(
        `INSERT INTO guest_attributes (instance_path, namespace, key, value, updated_at)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (instance_path, namespace, key)
         DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        chunk.flatMap((a) => [instancePath, a.namespace, a.key, a.value, now]),
      );
    }
    await this.record('guestAttributes', instance.project, instance.scope, instance.name, 'upsert');
  }

  /** `key` without `namespace` deletes that key in every namespace. */
  async deleteGuestAttributes(instancePath: string, namespace?: string, key?: string): Promise<number> {
    const instance = parseResourcePath(instancePath);
    let sql = 'DELETE FROM guest_attributes WHERE instance_path = ?';
    const params: SqlValue[] = [instancePath];
    if (namespace !== undefined) {
      sql += ' AND namespace = ?';
      params.push(namespace);
    }
    if (key !== undefined) {
      sql += ' AND key = ?';
      params.push(key);
    }
    const removed = await this.conn().run(sql, params);
    if (removed > 0)
      await this.record('guestAttributes', instance.project, instance.scope, instance.name, 'delete');
    return removed;
  }

  /** Inserts or replaces by id. Throws StoreConflictError when another token has the same hash. */
  async putToken(token: TokenRecord): Promise<void> {
    const c = this.conn();
    const owner = await c.all('SELECT id FROM tokens WHERE hash = ?', [token.hash]);
    if (owner[0] && toText(owner[0].id) !== token.id) {
      throw new StoreConflictError('a token with this hash already exists');
    }
    await this.touch();
    await c.run(
      `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, hash = excluded.hash, grants = excluded.grants,
         created_at = excluded.created_at, revoked_at = excluded.revoked_at`,
      [token.id, token.name, token.hash, JSON.stringify(token.grants), token.createdAt, token.revokedAt],
    );
  }

  /** False when there is no such token or it is already revoked (its revokedAt is kept). */
  async revokeToken(id: string, at: string): Promise<boolean> {
    const n = await this.conn().run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
      at,
      id,
    ]);
    if (n === 0) return false;
    await this.touch();
    return true;
  }
}

interface ActiveTx {
  store: SqlStore;
  tx: SqlTx;
}

/** The write transaction the current async context runs in, to refuse nested write() calls. */
const activeTx = new AsyncLocalStorage<ActiveTx>();

type Listener = (changes: Change[]) => void;

/** Applies the pending migrations, each in its own transaction, under the driver's migration lock. */
export async function migrate(db: Driver): Promise<void> {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  await db.exclusive(async () => {
    await inTransaction(db, async (c) => {
      await c.run(SCHEMA_MIGRATIONS_DDL);
      const rows = await c.all('SELECT MAX(version) AS v FROM schema_migrations');
      const applied = rows[0]?.v === null || rows[0]?.v === undefined ? 0 : toNumber(rows[0].v);
      if (applied > latest) {
        throw new Error(
          `the database schema (version ${applied}) is newer than this Vane (version ${latest})`,
        );
      }
    });
    for (const m of MIGRATIONS) {
      await inTransaction(db, async (c) => {
        const done = await c.all('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
        if (done.length > 0) return;
        for (const statement of m[db.name]) await c.run(statement);
        await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      });
    }
  });
}

async function inTransaction(db: Driver, fn: (c: TxConn) => Promise<void>): Promise<void> {
  const c = await db.begin();
  try {
    await fn(c);
    await c.commit();
  } catch (err) {
    await c.rollback();
    throw err;
  }
}

export class SqlStore extends SqlReader implements Store {
  readonly driver: 'sqlite' | 'postgres';
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<{ fn: Listener }>();
  /** Serial queue of delivery steps. */
  private chain: Promise<void>;
  /** Every revision <= cursor has been delivered to subscribers. */
  private cursor = 0;
  private closing = false;
  private closed?: Promise<void>;
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly db: Driver) {
    super(db.reader);
    this.driver = db.name;
    this.chain = Promise.resolve();
  }

  /** Runs the migrations and starts watching for other processes' commits. */
  static async open(db: Driver): Promise<SqlStore> {
    await migrate(db);
    const store = new SqlStore(db);
    await store.start();
    return store;
  }

  private async start(): Promise<void> {
    // Signals that arrive before the cursor is known wait behind this gate, then catch up.
    let openGate!: () => void;
    this.chain = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    try {
      await this.db.watch((revision) => this.signal(revision));
      this.cursor = await readRevision(this.db.reader);
    } finally {
      openGate();
    }
  }

  protected override conn(): SqlConn {
    if (this.closing) throw new Error('the store is closed');
    return super.conn();
  }

  async write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const active = activeTx.getStore();
    if (active && active.store === this && !active.tx.finished) {
      throw new Error('write() called inside a write transaction of the same store: use the tx');
    }
    if (this.closing) throw new Error('the store is closed');
    const release = await this.mutex.lock();
    let outcome: { result: T; delivered: Promise<void> | undefined };
    try {
      // Transactions queued before close() still run: close() waits for them.
      outcome = await this.transact(fn);
    } finally {
      release();
    }
    await outcome.delivered;
    return outcome.result;
  }

  private async transact<T>(
    fn: (tx: StoreTx) => Promise<T>,
  ): Promise<{ result: T; delivered: Promise<void> | undefined }> {
    const conn = await this.db.begin();
    const guarded = new GuardedConn(conn);
    let tx: SqlTx | undefined;
    try {
      const base = await readRevision(guarded, this.db.lockSuffix);
      const current = new SqlTx(guarded, base + 1);
      tx = current;
      const result = await activeTx.run({ store: this, tx: current }, () => fn(current));
      current.finished = true;
      if (guarded.failure) throw guarded.failure.error;
      if (current.changes.length > 0) {
        const notify = this.db.notifyStatement(current.txRevision);
        if (notify) await guarded.all(notify.sql, notify.params);
      }
      await conn.commit();
      const delivered = current.dirty ? this.committed(base, current.txRevision, current.changes) : undefined;
      return { result, delivered };
    } catch (err) {
      if (tx) tx.finished = true;
      await conn.rollback();
      throw err;
    }
  }

  subscribe(listener: (changes: Change[]) => void): () => void {
    const entry = { fn: listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    const release = await this.mutex.lock(); // let transactions already queued finish
    release();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.chain;
    await this.db.close();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((err: unknown) => this.deliveryFailed(err));
    this.chain = next;
    return next;
  }

  /** Another connection committed `revision` (or something, when undefined). */
  private signal(revision?: number): void {
    if (this.closing) return;
    void this.enqueue(async () => {
      if (revision !== undefined && revision <= this.cursor) return;
      await this.catchUp();
    });
  }

  /** This store committed `revision` on top of `base`, recording `changes`. */
  private committed(base: number, revision: number, changes: Change[]): Promise<void> {
    return this.enqueue(async () => {
      if (this.cursor === base) {
        this.deliver(changes);
        this.cursor = revision;
      } else if (this.cursor < revision) {
        await this.catchUp();
      }
    });
  }

  private async catchUp(): Promise<void> {
    const head = await readRevision(this.db.reader);
    if (head <= this.cursor) return;
    const rows = await this.db.reader.all(
      `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? AND revision <= ? ORDER BY revision, seq`,
      [this.cursor, head],
    );
    this.deliver(rows.map(changeFromRow));
    this.cursor = head;
  }

  /** Calls every subscriber once per revision, in order. */
  private deliver(changes: Change[]): void {
    let i = 0;
    while (i < changes.length) {
      const revision = changes[i]!.revision;
      let j = i;
      while (j < changes.length && changes[j]!.revision === revision) j++;
      const group = changes.slice(i, j);
      for (const listener of [...this.listeners]) {
        try {
          listener.fn(group.map((c) => ({ ...c })));
        } catch (err) {
          process.emitWarning(
            err instanceof Error ? err : new Error(String(err)),
            'VaneStoreSubscriberError',
          );
        }
      }
      i = j;
    }
  }

  private deliveryFailed(err: unknown): void {
    if (this.closing) return;
    process.emitWarning(
      `vane store: could not read changes, retrying: ${err instanceof Error ? err.message : String(err)}`,
      'VaneStoreDeliveryWarning',
    );
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.signal();
    }, DELIVERY_RETRY_MS);
    this.retryTimer.unref();
  }
}
