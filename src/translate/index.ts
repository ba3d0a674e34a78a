// Translation: a project's resources and one proxy's view → Envoy v3 resources.
//
//   1. resources → IR (ir/build.ts): which forwarding rules the node sees (ir/visibility.ts),
//      their listeners (ir/listeners.ts), URL maps as route configs (ir/routes.ts), backend
//      services as clusters (ir/clusters.ts) and their endpoints (ir/endpoints.ts); gRFC A36
//      server listeners are asked for by name (ir/server.ts);
//   2. IR → Envoy messages, one module per xDS type (envoy/listener.ts, envoy/route.ts,
//      envoy/cluster.ts, envoy/endpoint.ts).
//
// Pure and synchronous; user problems come back as issues, never as exceptions.

import type { Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import type { NetworkEndpoint } from '../store/types.js';
import { cluster } from './envoy/cluster.js';
import { clusterLoadAssignment } from './envoy/endpoint.js';
import { listener } from './envoy/listener.js';
import { routeConfiguration } from './envoy/route.js';
import { buildConfigIr, buildEndpointsIr } from './ir/build.js';
import { SERVER_LISTENER_PREFIX, serverListenerIr } from './ir/server.js';
import type { ConfigOutput, EndpointsOutput, NodeView, TranslateInput } from './types.js';

export { packedFrom, TYPE_REGISTRY } from './envoy/common.js';
export { buildConfigIr, buildEndpointsIr } from './ir/build.js';
export { SERVER_LISTENER_PREFIX } from './ir/server.js';
export type * from './ir/types.js';
export type * from './types.js';

/** Listeners, route configurations and clusters for a node view, each sorted by name. */
export function translateConfig(input: TranslateInput, view: NodeView): ConfigOutput {
  const ir = buildConfigIr(input, view);
  return {
    listeners: ir.listeners.map(listener),
    routes: ir.routeConfigs.map(routeConfiguration),
    clusters: ir.clusters.map(cluster),
    issues: ir.issues,
  };
}

/**
 * ClusterLoadAssignments for a node view's EDS clusters (all of them, or only those named in
 * `clusters`: the endpoint fast path), sorted by cluster name. Every cluster gets one, empty
 * or not, so that clusters warm.
 */
export function translateEndpoints(
  input: TranslateInput,
  view: NodeView,
  clusters?: ReadonlySet<string>,
): EndpointsOutput {
  const ir = buildEndpointsIr(input, view, clusters);
  return { endpoints: ir.endpoints.map(clusterLoadAssignment), issues: ir.issues };
}

/**
 * The gRFC A36 listener a proxyless gRPC server asks for by name
 * (`grpc/server?xds.resource.listening_address=IP:PORT`), or undefined when the name is not
 * one (or the node is not a gRPC node). Not part of translateConfig: the names depend on
 * where servers listen, so the transport asks for each requested name.
 */
export function translateServerListener(view: NodeView, name: string): Listener | undefined {
  const ir = serverListenerIr(view, name);
  return ir === undefined ? undefined : listener(ir);
}

/**
 * Names of the server listeners a gRPC view is offered: one per endpoint address of the
 * NEGs in the view's network, plus the wildcard addresses a server may bind on each of
 * their ports. Sorted. (Servers ask by name; listing the endpoints Vane knows keeps the
 * answer inside the snapshot model.)
 */
export function serverListenerNames(input: TranslateInput, view: NodeView): string[] {
  if (view.kind !== 'grpc') return [];
  const network = `projects/${input.project.id}/global/networks/${view.network}`;
  const names = new Set<string>();
  for (const neg of input.resources.networkEndpointGroups ?? []) {
    if (neg.body.network !== network) continue;
    const path = `projects/${neg.project}/${neg.scope}/networkEndpointGroups/${neg.name}`;
    for (const name of listenerNamesOf(input.endpoints.get(path) ?? [])) names.add(name);
  }
  return [...names].sort();
}

/**
 * One NEG's server listener names, kept per endpoint list: an input shares the lists of the
 * NEGs that did not change with the input before it, so an endpoint change builds the names
 * of one NEG, not of every endpoint of the project.
 */
const listenerNamesByEndpoints = new WeakMap<readonly NetworkEndpoint[], readonly string[]>();

function listenerNamesOf(endpoints: readonly NetworkEndpoint[]): readonly string[] {
  let names = listenerNamesByEndpoints.get(endpoints);
  if (names === undefined) {
    const found = new Set<string>();
    for (const ep of endpoints) {
      const host = ep.ipAddress.includes(':') ? `[${ep.ipAddress}]` : ep.ipAddress;
      found.add(`${SERVER_LISTENER_PREFIX}${host}:${ep.port}`);
      found.add(`${SERVER_LISTENER_PREFIX}0.0.0.0:${ep.port}`);
      found.add(`${SERVER_LISTENER_PREFIX}[::]:${ep.port}`);
    }
    names = [...found];
    listenerNamesByEndpoints.set(endpoints, names);
  }
  return names;
}
