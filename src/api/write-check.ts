import { joinPath } from '../model/field-path.js';
import type { CheckContext, Issue, KindSpec, ResolvedResource } from '../model/kind.js';
import { parseRef, refPath } from '../model/references.js';
import { zodIssues } from '../model/zod-issues.js';
import type { StoreReader } from '../store/store.js';
import type { Collection } from '../store/types.js';
import { type ApiError, invalid } from './errors.js';

/** Fields every resource returns and no request sets. */
const COMMON_OUTPUT_ONLY = ['kind', 'id', 'selfLink', 'creationTimestamp', 'fingerprint'];

export interface Target {
  project: string;
  scope: string;
  collection: Collection;
  path: string;
}

export interface PreparedBody {
  body: Record<string, unknown>;
  refs: string[];
  /** The fingerprint the request carried, if any (a precondition for patch/update). */
  fingerprint?: string;
}

/**
 * Validates a request body for a resource: shape and defaults (schema), derived values,
 * references (normalised to `projects/P/...` paths, each one must exist), and the kind's
 * own rules. Throws one 400 listing every problem, each with its field path.
 */
export async function prepareBody(
  reader: StoreReader,
  spec: KindSpec,
  target: Omit<Target, 'path'>,
  raw: unknown,
  locationPrefix = '',
): Promise<PreparedBody & { name: string }> {
  const at = (location: string) => joinPath(locationPrefix, location);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid([
      {
        reason: 'invalid',
        message: 'the request body must be a JSON object',
        location: locationPrefix || undefined,
      },
    ]);
  }
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const issues: Issue[] = [];
  if (input.kind !== undefined && input.kind !== spec.kind) {
    issues.push({
      location: 'kind',
      message: `is '${String(input.kind)}', but ${spec.collection} are '${spec.kind}'`,
    });
  }
  const fingerprint = typeof input.fingerprint === 'string' ? input.fingerprint : undefined;
  for (const field of [...COMMON_OUTPUT_ONLY, ...(spec.outputOnly ?? [])]) delete input[field];
  if (spec.scope === 'zonal' && input.zone !== undefined) {
    const zone = String(input.zone).replace(/^.*\/zones\//, '');
    if (`zones/${zone}` !== target.scope)
      issues.push({ location: 'zone', message: `is '${zone}', but the request is for ${target.scope}` });
    delete input.zone;
  }

  const parsed = spec.schema.safeParse(input);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, input));
  if (issues.length > 0 || !parsed.success) throw toApiError(issues, at);

  const body = parsed.data;
  spec.normalize?.(body);
  const name = String(body.name);
  const path = `projects/${target.project}/${target.scope}/${target.collection}/${name}`;

  const refs = new Set<string>();
  for (const s of spec.refs(body)) {
    const ref = parseRef(s.value, s.accepted, target.project);
    if ('error' in ref) {
      issues.push({ location: s.location, message: ref.error });
      continue;
    }
    if (ref.project !== target.project) {
      issues.push({
        location: s.location,
        message: `refers to project '${ref.project}': references must stay inside project '${target.project}'`,
      });
      continue;
    }
    const refp = refPath(ref);
    s.set(refp);
    if (refp !== path && (await reader.getResource(refp)) === undefined) {
      issues.push({ location: s.location, message: `The resource '${refp}' was not found` });
      continue;
    }
    refs.add(refp);
  }

  // The kind's own rules run even when references failed, so one response lists every
  // problem; checks treat a reference that does not resolve as absent.
  const ctx = checkContext(
    reader,
    target.project,
    { path, collection: target.collection, name, body },
    issues,
  );
  await spec.check?.(body, ctx);
  if (issues.length > 0) throw toApiError(issues, at);
  return { name, body, refs: [...refs].sort(), ...(fingerprint === undefined ? {} : { fingerprint }) };
}

/** A view of the store in which `self` already has its new body. */
export function checkContext(
  reader: StoreReader,
  project: string,
  self: ResolvedResource,
  issues: Issue[],
): CheckContext {
  const resolve = async (path: string): Promise<ResolvedResource | undefined> => {
    if (path === self.path) return self;
    const rec = await reader.getResource(path);
    if (!rec) return undefined;
    return { path, collection: rec.collection, name: rec.name, body: rec.body };
  };
  return {
    project,
    path: self.path,
    get: resolve,
    async list(collection) {
      const records = await reader.listResources(project, collection);
      const out = records.map((r) => ({
        path: `projects/${r.project}/${r.scope}/${r.collection}/${r.name}`,
        collection: r.collection,
        name: r.name,
        body: r.body,
      }));
      const i = out.findIndex((r) => r.path === self.path);
      if (i >= 0) out[i] = self;
      else if (collection === self.collection) out.push(self);
      return out;
    },
    referrers: (path) => reader.referrers(path),
    issue(location, message) {
      issues.push({ location, message });
    },
  };
}

/** One 400 for a list of issues; `at` maps each location (e.g. to prefix it). */
export function toApiError(issues: Issue[], at: (location: string) => string = (l) => l): ApiError {
  return invalid(
    issues.map((i) => ({
      reason: i.message === 'is required' ? 'required' : 'invalid',
      message: i.message,
      location: at(i.location) || undefined,
    })),
  );
}
