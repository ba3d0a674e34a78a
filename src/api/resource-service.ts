import { canonicalJson, fingerprintOf } from '../model/canonical.js';
import { dependentIssues } from '../model/chains.js';
import { joinPath as at } from '../model/field-path.js';
import { newId } from '../model/ids.js';
import type { Issue, KindSpec } from '../model/kind.js';
import { kindForCollection } from '../model/kinds/index.js';
import { shortPath } from '../model/references.js';
import type { Store, StoreReader, StoreTx } from '../store/store.js';
import type { Collection, ResourceRecord } from '../store/types.js';
import { ApiError, invalid, notFound } from './errors.js';
import { parseFilter } from './list-filter.js';
import { mergePatch } from './merge-patch.js';
import type { Operation, OperationLog } from './operations.js';
import type { Renderer } from './render.js';
import { checkContext, prepareBody } from './write-check.js';

export type WriteResult = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface Location {
  project: string;
  /** `global` or `zones/<zone>` */
  scope: string;
  collection: Collection;
}

export interface ListOptions {
  maxResults?: number;
  pageToken?: string;
  filter?: string;
}

/** Insert, get, list, patch, update and delete for every resource kind, with the API's rules. */
export class ResourceService {
  constructor(
    private readonly store: Store,
    private readonly operations: OperationLog,
  ) {}

  spec(collection: string): KindSpec {
    const spec = kindForCollection(collection);
    if (!spec) throw new ApiError(404, `Unknown resource collection '${collection}'`);
    return spec;
  }

  /** The API view of a record; NEGs also report how many endpoints they hold. */
  async render(renderer: Renderer, spec: KindSpec, rec: ResourceRecord): Promise<Record<string, unknown>> {
    if (rec.collection !== 'networkEndpointGroups') return renderer.resource(spec, rec);
    const size = await this.store.countEndpoints(
      `projects/${rec.project}/${rec.scope}/${rec.collection}/${rec.name}`,
    );
    return renderer.resource(spec, rec, { size });
  }

  async requireProject(reader: StoreReader, project: string): Promise<void> {
    if (!(await reader.getProject(project))) throw notFound(`projects/${project}`);
  }

  async get(loc: Location, name: string): Promise<ResourceRecord> {
    const path = pathOf(loc, name);
    const rec = await this.store.getResource(path);
    if (!rec) {
      await this.requireProject(this.store, loc.project);
      throw notFound(path);
    }
    return rec;
  }

  /** One page of a collection, sorted by name; `scope` undefined lists every zone. */
  async list(
    project: string,
    collection: Collection,
    scope: string | undefined,
    opts: ListOptions,
  ): Promise<{ items: ResourceRecord[]; nextPageToken?: string }> {
    await this.requireProject(this.store, project);
    const max = opts.maxResults ?? 500;
    if (!Number.isInteger(max) || max < 1 || max > 500) {
      throw new ApiError(400, 'maxResults must be an integer between 1 and 500', [
        { reason: 'invalid', message: 'must be an integer between 1 and 500', location: 'maxResults' },
      ]);
    }
    const after = decodePageToken(opts.pageToken);
    const matches = parseFilter(opts.filter);
    const records = await this.store.listResources(project, collection, scope);
    const items: ResourceRecord[] = [];
    for (const rec of records) {
      const key = `${rec.scope}/${rec.name}`;
      if (after !== undefined && key <= after) continue;
      if (!matches({ name: rec.name, ...rec.body })) continue;
      if (items.length === max)
        return { items, nextPageToken: encodePageToken(`${items.at(-1)!.scope}/${items.at(-1)!.name}`) };
      items.push(rec);
    }
    return { items };
  }

  async insert(renderer: Renderer, loc: Location, raw: unknown, user: string): Promise<Operation> {
    const startTime = new Date().toISOString();
    const rec = await this.store.write(async (tx) => {
      await this.requireProject(tx, loc.project);
      const { result, record } = await this.writeInTx(tx, loc, raw, { mode: 'insert' });
      void result;
      return record;
    });
    return this.operations.record(renderer, {
      ...opTarget(loc, rec),
      type: 'insert',
      user,
      startTime,
    });
  }

  async update(
    renderer: Renderer,
    loc: Location,
    name: string,
    raw: unknown,
    user: string,
  ): Promise<Operation> {
    return this.replace(renderer, loc, name, user, 'update', () => raw);
  }

  async patch(
    renderer: Renderer,
    loc: Location,
    name: string,
    patch: unknown,
    user: string,
  ): Promise<Operation> {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw invalid([{ reason: 'invalid', message: 'the request body must be a JSON object' }]);
    }
    return this.replace(renderer, loc, name, user, 'patch', (existing) => {
      const merged = mergePatch({ name: existing.name, ...existing.body }, patch) as Record<string, unknown>;
      // The fingerprint is a precondition, not part of the merge result.
      const fp = (patch as Record<string, unknown>).fingerprint;
      return fp === undefined ? merged : { ...merged, fingerprint: fp };
    });
  }

  private async replace(
    renderer: Renderer,
    loc: Location,
    name: string,
    user: string,
    type: 'patch' | 'update',
    body: (existing: ResourceRecord) => unknown,
  ): Promise<Operation> {
    const startTime = new Date().toISOString();
    const record = await this.store.write(async (tx) => {
      const existing = await tx.getResource(pathOf(loc, name));
      if (!existing) {
        await this.requireProject(tx, loc.project);
        throw notFound(pathOf(loc, name));
      }
      return (await this.writeInTx(tx, loc, body(existing), { mode: 'replace', name })).record;
    });
    return this.operations.record(renderer, { ...opTarget(loc, record), type, user, startTime });
  }

  /**
   * Validates and writes one resource inside a transaction. `insert` fails if it exists,
   * `replace` if it does not, `upsert` (apply) takes either. Equal content is not rewritten.
   */
  async writeInTx(
    tx: StoreTx,
    loc: Location,
    raw: unknown,
    opts: { mode: 'insert' | 'replace' | 'upsert'; name?: string; locationPrefix?: string },
  ): Promise<{ result: WriteResult; record: ResourceRecord }> {
    const spec = this.spec(loc.collection);
    const prefix = opts.locationPrefix ?? '';
    const prepared = await prepareBody(tx, spec, loc, raw, prefix);
    if (opts.name !== undefined && prepared.name !== opts.name) {
      throw invalid([
        {
          reason: 'invalid',
          message: `is '${prepared.name}', but the request is for '${opts.name}'; resources cannot be renamed`,
          location: at(prefix, 'name'),
        },
      ]);
    }
    const path = pathOf(loc, prepared.name);
    const existing = await tx.getResource(path);
    if (existing && opts.mode === 'insert') {
      throw new ApiError(409, `The resource '${path}' already exists`, [
        { reason: 'alreadyExists', message: `The resource '${path}' already exists` },
      ]);
    }
    if (!existing && opts.mode === 'replace') throw notFound(path);
    // apply (upsert) is declarative: a fingerprint in its documents is whatever their source
    // had when it exported them, not a precondition here.
    const precondition = opts.mode === 'upsert' ? undefined : prepared.fingerprint;
    if (existing && spec.fingerprint && precondition !== undefined && precondition !== existing.fingerprint) {
      throw new ApiError(
        412,
        `Invalid fingerprint: the resource '${path}' has changed since fingerprint '${precondition}' was read (now '${existing.fingerprint}'); read it again and retry.`,
        [{ reason: 'conditionNotMet', message: 'Invalid fingerprint.', location: at(prefix, 'fingerprint') }],
      );
    }
    const body = { ...prepared.body };
    delete body.name;

    const issues: Issue[] = [];
    const self = { path, collection: loc.collection, name: prepared.name, body: prepared.body };
    await dependentIssues(checkContext(tx, loc.project, self, issues), self);
    if (issues.length > 0) {
      throw invalid(
        issues.map((i) => ({
          reason: 'invalid',
          message: i.message,
          location: at(prefix, i.location) || undefined,
        })),
      );
    }

    if (existing && canonicalJson(existing.body) === canonicalJson(body)) {
      return { result: 'unchanged', record: existing };
    }
    const record = {
      project: loc.project,
      collection: loc.collection,
      scope: loc.scope,
      name: prepared.name,
      id: existing?.id ?? newId(),
      body,
      fingerprint: fingerprintOf(body),
      creationTimestamp: existing?.creationTimestamp ?? new Date().toISOString(),
    };
    await tx.putResource(record, prepared.refs);
    return { result: existing ? 'updated' : 'created', record: { ...record, revision: 0 } };
  }

  async delete(renderer: Renderer, loc: Location, name: string, user: string): Promise<Operation> {
    const startTime = new Date().toISOString();
    const record = await this.store.write(async (tx) => {
      const rec = await tx.getResource(pathOf(loc, name));
      if (!rec) {
        await this.requireProject(tx, loc.project);
        throw notFound(pathOf(loc, name));
      }
      await this.deleteInTx(tx, rec);
      return rec;
    });
    return this.operations.record(renderer, { ...opTarget(loc, record), type: 'delete', user, startTime });
  }

  /** Deletes a resource unless another resource still uses it. */
  async deleteInTx(tx: StoreTx, rec: ResourceRecord): Promise<void> {
    const path = `projects/${rec.project}/${rec.scope}/${rec.collection}/${rec.name}`;
    const users = await tx.referrers(path);
    if (users.length > 0) {
      const others = users.length > 1 ? ` (and ${users.slice(1).map(shortPath).join(', ')})` : '';
      const message = `The ${singular(rec.collection)} resource '${path}' is already being used by '${users[0]}'${others}`;
      throw new ApiError(400, message, [{ reason: 'resourceInUseByAnotherResource', message }]);
    }
    await tx.deleteResource(path);
  }
}

export function pathOf(loc: Location, name: string): string {
  return `projects/${loc.project}/${loc.scope}/${loc.collection}/${name}`;
}

function opTarget(loc: Location, rec: ResourceRecord) {
  return { project: loc.project, scope: loc.scope, targetPath: pathOf(loc, rec.name), targetId: rec.id };
}

/** `networkEndpointGroups` → `network_endpoint_group`, as the Compute API names kinds in messages. */
function singular(collection: Collection): string {
  const base = collection.endsWith('ies') ? `${collection.slice(0, -3)}y` : collection.replace(/s$/, '');
  return base.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function encodePageToken(after: string): string {
  return Buffer.from(JSON.stringify({ after })).toString('base64url');
}

function decodePageToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'Invalid pageToken', [
    { reason: 'invalid', message: 'is not a token this server issued', location: 'pageToken' },
  ]);
}
