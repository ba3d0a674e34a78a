import type { KindSpec } from '../model/kind.js';
import { ZONAL_COLLECTIONS } from '../model/references.js';
import type { Collection, ResourceRecord } from '../store/types.js';

/** Turns stored records into API responses: full URLs, output-only fields. */
export class Renderer {
  constructor(readonly baseUrl: string) {}

  url(path: string): string {
    return `${this.baseUrl}/compute/v1/${path}`;
  }

  resource(
    spec: KindSpec,
    rec: ResourceRecord,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const body = structuredClone(rec.body);
    for (const s of spec.refs(body)) {
      if (typeof s.value === 'string') s.set(this.url(s.value));
    }
    const path = `projects/${rec.project}/${rec.scope}/${rec.collection}/${rec.name}`;
    return {
      kind: spec.kind,
      id: rec.id,
      creationTimestamp: rec.creationTimestamp,
      name: rec.name,
      ...body,
      ...(ZONAL_COLLECTIONS.has(rec.collection)
        ? { zone: this.url(`projects/${rec.project}/${rec.scope}`) }
        : {}),
      ...extra,
      selfLink: this.url(path),
      ...(spec.fingerprint ? { fingerprint: rec.fingerprint } : {}),
    };
  }

  list(
    spec: KindSpec,
    project: string,
    scope: string,
    items: Record<string, unknown>[],
    nextPageToken?: string,
  ): Record<string, unknown> {
    return {
      kind: `${spec.kind}List`,
      id: `projects/${project}/${scope}/${spec.collection}`,
      items,
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
      selfLink: this.url(`projects/${project}/${scope}/${spec.collection}`),
    };
  }
}

export function isZonal(collection: Collection): boolean {
  return ZONAL_COLLECTIONS.has(collection);
}
