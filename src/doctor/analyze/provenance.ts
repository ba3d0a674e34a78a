// Envoy resource names back to the user objects they were translated from, through the
// translation IR (every IR piece records its source), with Vane's naming conventions as a
// fallback for resources the current configuration no longer produces.
import { buildConfigIr } from '../../translate/ir/build.js';
import type { NodeView, TranslateInput } from '../../translate/types.js';
import { TYPE_URL } from '../../xds/types.js';

/** The user objects behind a resource name of one xDS type (empty when unknown). */
export type Provenance = (typeUrl: string, name: string) => string[];

const NODE_INBOUND = 'node bootstrap TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS';
const ROUTE_CONFIG = /^URL_MAP\/[^_]+_(.+)$/;

export function provenanceFor(input: TranslateInput, view: NodeView): Provenance {
  const ir = buildConfigIr(input, view);
  const byType = new Map<string, Map<string, string[]>>();
  const add = (typeUrl: string, name: string, sources: string[]) => {
    const m = byType.get(typeUrl) ?? new Map<string, string[]>();
    m.set(name, [...new Set([...(m.get(name) ?? []), ...sources])]);
    byType.set(typeUrl, m);
  };
  const routeSources = new Map(ir.routeConfigs.map((r) => [r.name, r.source]));
  for (const l of ir.listeners) {
    if (l.kind === 'api')
      add(TYPE_URL.listener, l.name, [l.source, routeSources.get(l.routeConfigName) ?? '']);
    else if (l.kind === 'outbound')
      add(
        TYPE_URL.listener,
        l.name,
        l.chains.map((c) => c.source),
      );
    else if (l.kind === 'inbound') add(TYPE_URL.listener, l.name, [NODE_INBOUND]);
  }
  for (const r of ir.routeConfigs) add(TYPE_URL.route, r.name, [r.source]);
  for (const c of ir.clusters) {
    add(TYPE_URL.cluster, c.name, [c.source]);
    add(TYPE_URL.endpoint, c.name, [c.source]);
  }
  const exists = (collection: string, name: string): string | undefined =>
    (input.resources[collection as keyof typeof input.resources] ?? []).some((r) => r.name === name)
      ? `projects/${input.project.id}/global/${collection}/${name}`
      : undefined;

  return (typeUrl, name) => {
    const known = byType
      .get(typeUrl)
      ?.get(name)
      ?.filter((s) => s !== '');
    if (known !== undefined && known.length > 0)
      return known.map((s) => (s.startsWith('node:') ? NODE_INBOUND : s));
    if (name.startsWith('inbound|')) return [NODE_INBOUND];
    if (typeUrl === TYPE_URL.route) {
      const m = ROUTE_CONFIG.exec(name);
      const path = m === null ? undefined : exists('urlMaps', m[1]!);
      return path === undefined ? [] : [path];
    }
    if (typeUrl === TYPE_URL.cluster || typeUrl === TYPE_URL.endpoint) {
      const path = exists('backendServices', name);
      return path === undefined ? [] : [path];
    }
    return [];
  };
}
