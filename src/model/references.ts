import type { Collection } from '../store/types.js';

/** Resource names, as in the Compute API (RFC 1035 labels). */
export const NAME_PATTERN = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const NAME_RULE =
  'must match [a-z]([-a-z0-9]{0,61}[a-z0-9])?: 1-63 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen';

export const ZONAL_COLLECTIONS: ReadonlySet<Collection> = new Set(['networkEndpointGroups', 'instances']);

export interface ResourceRef {
  project: string;
  /** `global` or `zones/<zone>`. */
  scope: string;
  collection: Collection;
  name: string;
}

export function refPath(ref: ResourceRef): string {
  return `projects/${ref.project}/${ref.scope}/${ref.collection}/${ref.name}`;
}

/** `projects/P/global/urlMaps/x` → `global/urlMaps/x`: the portable form used by export. */
export function shortPath(path: string): string {
  return path.replace(/^projects\/[^/]+\//, '');
}

const URL_PREFIX = /^https?:\/\/[^/]+\/compute\/(?:v1|beta|alpha)\//;
const PATH = /^projects\/([^/]+)\/(global|zones\/[^/]+)\/([A-Za-z]+)\/([^/]+)$/;

/**
 * Parses a reference written as a full URL (any host), `projects/P/global/KIND/NAME`,
 * `global/KIND/NAME`, `zones/Z/KIND/NAME`, or a bare NAME when the field accepts a single
 * global collection. Returns an error message when the reference is not one of those.
 */
export function parseRef(
  value: unknown,
  accepted: readonly Collection[],
  project: string,
): ResourceRef | { error: string } {
  if (typeof value !== 'string' || value === '') return { error: 'must be a resource reference' };
  let path = value.replace(URL_PREFIX, '');
  if (!path.startsWith('projects/')) {
    if (path.startsWith('global/') || path.startsWith('zones/')) path = `projects/${project}/${path}`;
    else if (!path.includes('/') && accepted.length === 1 && !ZONAL_COLLECTIONS.has(accepted[0]!)) {
      path = `projects/${project}/global/${accepted[0]}/${path}`;
    }
  }
  const m = PATH.exec(path);
  if (!m) {
    const scope = ZONAL_COLLECTIONS.has(accepted[0]!) ? 'zones/ZONE' : 'global';
    return {
      error: `'${value}' is not a resource reference: use a URL, projects/PROJECT/${scope}/${accepted[0]}/NAME or ${scope}/${accepted[0]}/NAME`,
    };
  }
  const [, refProject, scope, collection, name] = m as unknown as [string, string, string, string, string];
  if (!(accepted as readonly string[]).includes(collection)) {
    return { error: `'${value}' refers to ${collection}; expected ${accepted.join(' or ')}` };
  }
  const zonal = ZONAL_COLLECTIONS.has(collection as Collection);
  if (zonal !== scope.startsWith('zones/')) {
    return { error: `'${value}': ${collection} are ${zonal ? 'zonal (zones/ZONE/…)' : 'global (global/…)'}` };
  }
  return { project: refProject, scope, collection: collection as Collection, name };
}
