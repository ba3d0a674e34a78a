// Vane's resources against the proxy's, per xDS type and by name.
import { diffJson } from './compare.js';
import {
  type ConfigDiff,
  type ResourceSet,
  type Subscriptions,
  type TypeDiff,
  XDS_TYPES,
  type XdsType,
} from './types.js';

const TYPE_URL: Record<XdsType, string> = {
  listeners: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  routes: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  clusters: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
};

/**
 * Compares by name and content. With `subscriptions`, Vane's side is what the proxy asked
 * for: a gRPC client subscribes to its listeners by name and never holds the others.
 */
export function diffConfigs(
  vane: ResourceSet,
  proxy: ResourceSet,
  subscriptions?: Subscriptions,
): ConfigDiff {
  const scoped: string[] = [];
  const types: TypeDiff[] = XDS_TYPES.map((type) => {
    const ours = scope(vane.resources[type], subscriptions?.[TYPE_URL[type]]);
    if (ours.size < vane.resources[type].size)
      scoped.push(`${type} ${ours.size} of ${vane.resources[type].size}`);
    const theirs = proxy.resources[type];
    const compared = proxy.present.has(type);
    const d: TypeDiff = { type, compared, onlyInVane: [], onlyInProxy: [], different: [], same: [] };
    if (!compared) return d;
    for (const name of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
      if (!theirs.has(name)) d.onlyInVane.push(name);
      else if (!ours.has(name)) d.onlyInProxy.push(name);
      else {
        const { fields, more } = diffJson(ours.get(name), theirs.get(name));
        if (fields.length === 0) d.same.push(name);
        else d.different.push({ name, fields, more });
      }
    }
    return d;
  });
  const notes = [...proxy.notes];
  if (scoped.length > 0) notes.push(`compared only what the proxy subscribes to: ${scoped.join(', ')}`);
  for (const t of types) if (!t.compared) notes.push(`the proxy's input has no ${t.type}: not compared`);
  return {
    kind: 'vane#configDiff',
    equal: types.every((t) => t.onlyInVane.length + t.onlyInProxy.length + t.different.length === 0),
    proxyFormat: proxy.format,
    ...(proxy.nodeId === undefined ? {} : { proxyNode: proxy.nodeId }),
    types,
    notes,
  };
}

function scope(
  all: Map<string, unknown>,
  sub: { wildcard: boolean; names: string[] } | undefined,
): Map<string, unknown> {
  if (sub === undefined || sub.wildcard) return all;
  const wanted = new Set(sub.names);
  return new Map([...all].filter(([name]) => wanted.has(name)));
}
