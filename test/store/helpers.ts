// Shared helpers of the store tests (not a test file itself).
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parsePostgresUrl } from '../../src/store/postgres.js';
import type { Collection, NetworkEndpoint, ProjectRecord, ResourceRecord } from '../../src/store/types.js';

export const PG_URL = process.env['VANE_TEST_POSTGRES_URL'] ?? 'postgres://127.0.0.1:5432/test';

let schemaCounter = 0;

/** A schema name no other test (in this or another process) uses. */
export function uniqueSchema(): string {
  schemaCounter++;
  const random = Math.floor(Math.random() * 36 ** 4).toString(36);
  return `vane_t_${process.pid}_${Date.now().toString(36)}_${random}_${schemaCounter}`;
}

/** PG_URL with a `schema` parameter added. */
export function pgUrlFor(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Runs `fn` with a plain pg client on PG_URL (no schema). */
export async function withPgClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(PG_URL).connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withPgClient((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function project(id: string, number: string): ProjectRecord {
  return { id, number, createdAt: '2024-01-02T03:04:05.000Z' };
}

let idCounter = 1000;

export function resource(
  projectId: string,
  collection: Collection,
  scope: string,
  name: string,
  body: Record<string, unknown> = {},
  id?: string,
): Omit<ResourceRecord, 'revision'> {
  idCounter++;
  return {
    project: projectId,
    collection,
    scope,
    name,
    id: id ?? String(idCounter),
    body,
    fingerprint: `fp-${idCounter}`,
    creationTimestamp: '2024-01-02T03:04:05.000Z',
  };
}

/** The order the store promises for endpoints: bytewise ip, numeric port, bytewise instance. */
export function compareEndpoints(a: NetworkEndpoint, b: NetworkEndpoint): number {
  const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
  return (
    Buffer.compare(bytes(a.ipAddress), bytes(b.ipAddress)) ||
    a.port - b.port ||
    Buffer.compare(bytes(a.instance), bytes(b.instance))
  );
}
