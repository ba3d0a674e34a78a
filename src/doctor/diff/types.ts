// The result of comparing what Vane would send a proxy with what the proxy reports it holds.

export const XDS_TYPES = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
export type XdsType = (typeof XDS_TYPES)[number];

/** Resources by type and name, as canonical proto3 JSON (camelCase). */
export interface ResourceSet {
  /** What the input was: an Envoy config_dump, a CSDS ClientStatusResponse, Vane's proxy config. */
  format: 'config_dump' | 'csds' | 'vane';
  nodeId?: string;
  resources: Record<XdsType, Map<string, unknown>>;
  /** Types the input covers: a /config_dump without ?include_eds has no endpoints. */
  present: Set<XdsType>;
  /** What was left out or read loosely (static resources, warming state, unknown types). */
  notes: string[];
}

/** What a proxy subscribes to, per type URL (as `GET …/proxies/{id}/config` reports it). */
export type Subscriptions = Record<string, { wildcard: boolean; names: string[] }>;

export interface FieldDiff {
  /** JSON path inside the resource: `virtualHosts[0].routes[1].match.prefix`. */
  path: string;
  vane?: unknown;
  proxy?: unknown;
}

export interface TypeDiff {
  type: XdsType;
  /** False when the proxy's input does not cover the type. */
  compared: boolean;
  onlyInVane: string[];
  onlyInProxy: string[];
  different: { name: string; fields: FieldDiff[]; more: number }[];
  same: string[];
}

export interface ConfigDiff {
  kind: 'vane#configDiff';
  equal: boolean;
  proxyFormat: ResourceSet['format'];
  proxyNode?: string;
  types: TypeDiff[];
  notes: string[];
}
