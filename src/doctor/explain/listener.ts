// Which listener (and, for a sidecar, which filter chain) of the configuration Vane sends
// takes the request, read from the Envoy Listener messages the way the proxy reads them.

import { isIPv4 } from 'node:net';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FilterChain } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import type { Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import type { HttpConnectionManager } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TcpProxy } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { TYPE_REGISTRY } from '../../translate/index.js';
import { INTERCEPTION_LISTENER } from '../../translate/ir/listeners.js';
import type { Rejected } from './types.js';

export type Destination = { kind: 'rds'; routeConfig: string } | { kind: 'tcp'; cluster: string };

export interface ListenerHit {
  listener: Listener;
  chain?: { name: string; match: string };
  destination: Destination | undefined;
  rejected: Rejected[];
}

/** Proxyless: the API listener named exactly by the authority the client dials. */
export function apiListenerFor(listeners: readonly Listener[], authority: string): ListenerHit | undefined {
  const l = listeners.find((x) => x.name === authority);
  if (l === undefined) return undefined;
  const hcm = unpackHcm(l.apiListener?.apiListener);
  return { listener: l, destination: hcmDestination(hcm), rejected: [] };
}

/**
 * Sidecar: the outbound interception listener's filter chain for ip:port, chosen as Envoy
 * does: chains naming the destination port beat chains without one, then the longest
 * matching prefix beats no prefix.
 */
export function interceptionChainFor(
  listeners: readonly Listener[],
  ip: string,
  port: number,
): { listener: Listener | undefined; hit: ListenerHit | undefined } {
  const l = listeners.find((x) => x.name === INTERCEPTION_LISTENER);
  if (l === undefined) return { listener: undefined, hit: undefined };
  const chains = l.filterChains.map((c) => ({
    c,
    port: c.filterChainMatch?.destinationPort,
    prefix: bestPrefix(c, ip),
  }));
  const byPort = chains.filter((x) => x.port === port);
  const stage1 = byPort.length > 0 ? byPort : chains.filter((x) => x.port === undefined);
  const withPrefix = stage1.filter((x) => x.prefix !== undefined && x.prefix >= 0);
  const best = withPrefix.length > 0 ? Math.max(...withPrefix.map((x) => x.prefix!)) : undefined;
  const stage2 =
    best !== undefined
      ? withPrefix.filter((x) => x.prefix === best)
      : stage1.filter((x) => x.prefix === undefined);
  const chosen = stage2[0];
  const rejected: Rejected[] = [];
  for (const x of chains) {
    if (x === chosen) continue;
    const why =
      x.port !== undefined && x.port !== port
        ? `destination port ${x.port}, not ${port}`
        : x.prefix === -1
          ? `VIP ${prefixes(x.c)}, not ${ip}`
          : `less specific than ${chosen?.c.name ?? 'another chain'}`;
    rejected.push({ name: x.c.name, why });
  }
  if (chosen === undefined) return { listener: l, hit: undefined };
  return {
    listener: l,
    hit: {
      listener: l,
      chain: {
        name: chosen.c.name,
        match: `${prefixes(chosen.c) || '0.0.0.0/0'} port ${chosen.port ?? 'any'}`,
      },
      destination: chainDestination(chosen.c),
      rejected,
    },
  };
}

/** Rejected chains when no chain took the request. */
export function allChainsRejected(l: Listener, ip: string, port: number): Rejected[] {
  return l.filterChains.map((c) => {
    const p = c.filterChainMatch?.destinationPort;
    return {
      name: c.name,
      why:
        p !== undefined && p !== port
          ? `destination port ${p}, not ${port}`
          : `VIP ${prefixes(c)}, not ${ip}`,
    };
  });
}

/** Longest prefix length containing ip; undefined without prefix ranges; -1 when none contains it. */
function bestPrefix(c: FilterChain, ip: string): number | undefined {
  const ranges = c.filterChainMatch?.prefixRanges ?? [];
  if (ranges.length === 0) return undefined;
  let best = -1;
  for (const r of ranges) {
    const len = r.prefixLen ?? (isIPv4(r.addressPrefix) ? 32 : 128);
    if (contains(r.addressPrefix, len, ip)) best = Math.max(best, len);
  }
  return best;
}

function contains(prefix: string, len: number, ip: string): boolean {
  if (!isIPv4(prefix) || !isIPv4(ip)) return prefix === ip;
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - len);
  return Math.floor(n(prefix) / size) === Math.floor(n(ip) / size);
}

function prefixes(c: FilterChain): string {
  return (c.filterChainMatch?.prefixRanges ?? [])
    .map((r) => `${r.addressPrefix}/${r.prefixLen ?? 32}`)
    .join(',');
}

function chainDestination(c: FilterChain): Destination | undefined {
  for (const f of c.filters) {
    if (f.configType.case !== 'typedConfig') continue;
    const msg = anyUnpack(f.configType.value, TYPE_REGISTRY);
    if (
      msg?.$typeName === 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'
    )
      return hcmDestination(msg as HttpConnectionManager);
    if (msg?.$typeName === 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy') {
      const spec = (msg as TcpProxy).clusterSpecifier;
      if (spec.case === 'cluster') return { kind: 'tcp', cluster: spec.value };
    }
  }
  return undefined;
}

function unpackHcm(any: Parameters<typeof anyUnpack>[0] | undefined): HttpConnectionManager | undefined {
  if (any === undefined) return undefined;
  const msg = anyUnpack(any, TYPE_REGISTRY);
  return msg?.$typeName ===
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'
    ? (msg as HttpConnectionManager)
    : undefined;
}

function hcmDestination(hcm: HttpConnectionManager | undefined): Destination | undefined {
  if (hcm?.routeSpecifier.case === 'rds')
    return { kind: 'rds', routeConfig: hcm.routeSpecifier.value.routeConfigName };
  return undefined;
}
