import { dependencyRank, KINDS, kindByName } from '../model/kinds/index.js';
import { NAME_PATTERN, shortPath, ZONAL_COLLECTIONS } from '../model/references.js';
import { allEndpoints } from '../store/all-endpoints.js';
import type { Store, StoreTx } from '../store/store.js';
import type { NetworkEndpoint, ResourceRecord } from '../store/types.js';
import { invalid } from './errors.js';
import { parseEndpoints, renderEndpoint } from './network-endpoints.js';
import type { ResourceService, WriteResult } from './resource-service.js';

export interface ApplyResult {
  kind: string;
  name: string;
  zone?: string;
  action: WriteResult;
}

/** A reference with a project in it: `…/projects/P/global/…` or `…/projects/P/zones/Z/…`. */
const PROJECT_IN_REF =
  /^((?:https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\/)?projects\/)([^/]+)(\/(?:global|zones\/[^/]+)\/)/;

class DryRun extends Error {
  constructor(readonly results: ApplyResult[]) {
    super('dry run');
  }
}

/**
 * Applies a set of resource documents in one transaction, in dependency order: each is
 * created, updated or left unchanged; any error rolls everything back. NEG documents may
 * carry `networkEndpoints`, which become the NEG's exact endpoint set. References to
 * another project (documents exported elsewhere) are rewritten to the target project.
 */
export async function applyDocuments(
  store: Store,
  resources: ResourceService,
  project: string,
  docs: unknown,
  dryRun: boolean,
): Promise<{ results: ApplyResult[]; notes: string[] }> {
  if (!Array.isArray(docs))
    throw invalid([{ reason: 'required', message: 'must be a list of resources', location: 'resources' }]);
  const notes = new Set<string>();
  const planned = docs.map((doc, index) => plan(doc, index, project, notes));
  const seen = new Map<string, number>();
  for (const p of planned) {
    const key = `${p.collection}/${p.zone ?? ''}/${p.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw invalid([
        {
          reason: 'invalid',
          message: `duplicates resources[${first}] (${p.kind} '${p.name}')`,
          location: `resources[${p.index}]`,
        },
      ]);
    }
    seen.set(key, p.index);
  }
  planned.sort((a, b) => dependencyRank(a.collection) - dependencyRank(b.collection) || a.index - b.index);

  try {
    const results = await store.write(async (tx) => {
      await resources.requireProject(tx, project);
      const out: ApplyResult[] = [];
      for (const p of planned) {
        const scope = p.zone === undefined ? 'global' : `zones/${p.zone}`;
        const loc = { project, scope, collection: p.collection };
        const { result, record } = await resources.writeInTx(tx, loc, p.body, {
          mode: 'upsert',
          locationPrefix: `resources[${p.index}]`,
        });
        let action = result;
        if (p.endpoints !== undefined) {
          const changed = await reconcileEndpoints(
            tx,
            record,
            p.endpoints,
            `resources[${p.index}].networkEndpoints`,
          );
          if (changed && action === 'unchanged') action = 'updated';
        }
        out.push({ kind: p.kind, name: p.name, ...(p.zone === undefined ? {} : { zone: p.zone }), action });
      }
      if (dryRun) throw new DryRun(out);
      return out;
    });
    return { results, notes: [...notes] };
  } catch (err) {
    if (err instanceof DryRun) return { results: err.results, notes: [...notes] };
    throw err;
  }
}

interface Planned {
  index: number;
  kind: string;
  collection: (typeof KINDS)[number]['collection'];
  name: string;
  zone?: string;
  body: Record<string, unknown>;
  endpoints?: unknown;
}

function plan(doc: unknown, index: number, project: string, notes: Set<string>): Planned {
  const at = `resources[${index}]`;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid([{ reason: 'invalid', message: 'must be an object', location: at }]);
  }
  const body = rewriteProjects(structuredClone(doc), project, notes) as Record<string, unknown>;
  const spec = typeof body.kind === 'string' ? kindByName(body.kind) : undefined;
  if (!spec) {
    const kinds = KINDS.map((k) => k.kind).join(', ');
    throw invalid([
      {
        reason: body.kind === undefined ? 'required' : 'invalid',
        message:
          body.kind === undefined
            ? `is required: one of ${kinds}`
            : `'${String(body.kind)}' is not a resource kind: one of ${kinds}`,
        location: `${at}.kind`,
      },
    ]);
  }
  body.kind = spec.kind;
  const name = typeof body.name === 'string' ? body.name : '';
  let zone: string | undefined;
  if (ZONAL_COLLECTIONS.has(spec.collection)) {
    zone = typeof body.zone === 'string' ? body.zone.replace(/^.*\/zones\//, '') : undefined;
    if (zone === undefined || !NAME_PATTERN.test(zone)) {
      throw invalid([
        {
          reason: 'required',
          message: `is required for ${spec.collection} (e.g. us-central1-a)`,
          location: `${at}.zone`,
        },
      ]);
    }
    delete body.zone;
  }
  let endpoints: unknown;
  if (spec.collection === 'networkEndpointGroups' && 'networkEndpoints' in body) {
    endpoints = body.networkEndpoints;
    delete body.networkEndpoints;
  }
  return {
    index,
    kind: spec.kind,
    collection: spec.collection,
    name,
    ...(zone === undefined ? {} : { zone }),
    body,
    ...(endpoints === undefined ? {} : { endpoints }),
  };
}

function rewriteProjects(value: unknown, project: string, notes: Set<string>): unknown {
  if (typeof value === 'string') {
    const m = PROJECT_IN_REF.exec(value);
    if (m && m[2] !== project) {
      notes.add(`references to project '${m[2]}' were rewritten to project '${project}'`);
      return value.replace(PROJECT_IN_REF, `$1${project}$3`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteProjects(v, project, notes));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = k === 'selfLink' ? v : rewriteProjects(v, project, notes);
    return out;
  }
  return value;
}

/** Makes the NEG's endpoints exactly `raw`; returns whether anything changed. */
async function reconcileEndpoints(
  tx: StoreTx,
  neg: ResourceRecord,
  raw: unknown,
  location: string,
): Promise<boolean> {
  const path = `projects/${neg.project}/${neg.scope}/${neg.collection}/${neg.name}`;
  const wanted = await parseEndpoints(tx, neg, raw, location, Number.POSITIVE_INFINITY);
  const key = (ep: NetworkEndpoint) => `${ep.instance}|${ep.ipAddress}|${ep.port}`;
  const wantedKeys = new Set(wanted.map(key));
  const current = await allEndpoints(tx, path);
  const currentKeys = new Set(current.map(key));
  const extra = current.filter((ep) => !wantedKeys.has(key(ep)));
  const missing = wanted.filter((ep) => !currentKeys.has(key(ep)));
  if (extra.length > 0) await tx.detachEndpoints(path, extra);
  if (missing.length > 0) await tx.attachEndpoints(path, missing);
  return extra.length + missing.length > 0;
}

/** Every resource of a project as documents `applyDocuments` takes back unchanged. */
export async function exportDocuments(
  store: Store,
  resources: ResourceService,
  project: string,
): Promise<Record<string, unknown>[]> {
  await resources.requireProject(store, project);
  const out: Record<string, unknown>[] = [];
  for (const spec of KINDS) {
    for (const rec of await store.listResources(project, spec.collection)) {
      const body = structuredClone(rec.body);
      for (const s of spec.refs(body)) if (typeof s.value === 'string') s.set(shortPath(s.value));
      const doc: Record<string, unknown> = { kind: spec.kind, name: rec.name };
      if (ZONAL_COLLECTIONS.has(spec.collection)) doc.zone = rec.scope.replace('zones/', '');
      Object.assign(doc, body);
      if (spec.collection === 'networkEndpointGroups') {
        const eps = await allEndpoints(
          store,
          `projects/${project}/${rec.scope}/${spec.collection}/${rec.name}`,
        );
        doc.networkEndpoints = eps.map(renderEndpoint);
      }
      out.push(doc);
    }
  }
  return out;
}
