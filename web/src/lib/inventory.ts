import { api, enc } from '../api/client';
import type { ListResponse, Resource } from '../api/types';
import { useAsync } from './use-api';

export const GLOBAL_KINDS = [
  'networks',
  'forwardingRules',
  'targetHttpProxies',
  'targetGrpcProxies',
  'targetTcpProxies',
  'urlMaps',
  'backendServices',
  'healthChecks',
] as const;
export const ZONAL_KINDS = ['networkEndpointGroups', 'instances'] as const;
export type Kind = (typeof GLOBAL_KINDS)[number] | (typeof ZONAL_KINDS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  networks: 'Networks',
  forwardingRules: 'Forwarding rules',
  targetHttpProxies: 'Target HTTP proxies',
  targetGrpcProxies: 'Target gRPC proxies',
  targetTcpProxies: 'Target TCP proxies',
  urlMaps: 'URL maps',
  backendServices: 'Backend services',
  healthChecks: 'Health checks',
  networkEndpointGroups: 'Network endpoint groups',
  instances: 'Instances',
};

export type Inventory = Record<Kind, Resource[]>;

/** Every page of a list. */
async function listAll(path: string): Promise<Resource[]> {
  const out: Resource[] = [];
  let token: string | undefined;
  do {
    const page = await api<ListResponse>('GET', `${path}${token ? `?pageToken=${enc(token)}` : ''}`);
    out.push(...(page.items ?? []));
    token = page.nextPageToken;
  } while (token);
  return out;
}

/** A zonal collection across zones; each item keeps its `zone` URL. */
async function listAggregated(project: string, collection: string): Promise<Resource[]> {
  const out: Resource[] = [];
  let token: string | undefined;
  do {
    const page = await api<{ items?: Record<string, Record<string, Resource[]>>; nextPageToken?: string }>(
      'GET',
      `/compute/v1/projects/${enc(project)}/aggregated/${collection}${token ? `?pageToken=${enc(token)}` : ''}`,
    );
    for (const group of Object.values(page.items ?? {})) out.push(...(group[collection] ?? []));
    token = page.nextPageToken;
  } while (token);
  return out;
}

export async function loadInventory(project: string): Promise<Inventory> {
  const global = GLOBAL_KINDS.map((k) => listAll(`/compute/v1/projects/${enc(project)}/global/${k}`));
  const zonal = ZONAL_KINDS.map((k) => listAggregated(project, k));
  const lists = await Promise.all([...global, ...zonal]);
  const kinds = [...GLOBAL_KINDS, ...ZONAL_KINDS];
  return Object.fromEntries(kinds.map((k, i) => [k, lists[i]!])) as Inventory;
}

/** Every resource of the project, reloaded when any of them changes. */
export function useInventory(project: string) {
  return useAsync(`inventory:${project}`, () => loadInventory(project), [...GLOBAL_KINDS, ...ZONAL_KINDS]);
}

export function zoneOf(r: Resource): string | undefined {
  return typeof r.zone === 'string' ? r.zone.slice(r.zone.lastIndexOf('/') + 1) : undefined;
}
