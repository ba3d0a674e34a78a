// `vane explain`: the routing decision for one request, as a node would make it with the
// configuration Vane sends it. Pure: the caller supplies the translation input, the node
// view and what translation produced for it (the same the node is sent).
import type { Route } from '../../gen/envoy/config/route/v3/route_components_pb.js';
import { buildConfigIr, buildEndpointsIr } from '../../translate/index.js';
import { collectionOf, Resources } from '../../translate/ir/resources.js';
import type { IrConfig, IrEndpoints, IrRoute } from '../../translate/ir/types.js';
import type { ConfigOutput, EndpointsOutput, NodeView, TranslateInput } from '../../translate/types.js';
import { explainCluster } from './cluster.js';
import { allChainsRejected, apiListenerFor, interceptionChainFor, type ListenerHit } from './listener.js';
import type { ExplainRequest } from './request.js';
import { selectRoute, selectVirtualHost } from './route.js';
import type { ActionStep, ClusterStep, Explanation, ListenerStep } from './types.js';
import { noListenerReason, rejectedRules, ruleReasons } from './why-not-rule.js';

export interface ExplainInput {
  input: TranslateInput;
  view: NodeView;
  config: ConfigOutput;
  endpoints: EndpointsOutput;
  request: ExplainRequest;
  nodeId?: string;
  healthDetail?: (key: string) => string | undefined;
}

export function explain(x: ExplainInput): Explanation {
  const { view, request: req } = x;
  const res = Resources.of(x.input);
  const ir = buildConfigIr(x.input, view);
  const eir = buildEndpointsIr(x.input, view);
  const port = req.port ?? 80;
  const sidecar = view.kind === 'envoy';
  // Proxyless: the dialed authority; sidecar: the Host header (curl's default without one).
  const authority = sidecar
    ? (req.headers[':authority'] ??
      req.headers.host ??
      (req.port === undefined || req.port === 80 ? req.host : `${req.host}:${port}`))
    : req.port === undefined
      ? req.host
      : `${req.host}:${port}`;
  const notes: string[] = [];
  const out: Explanation = {
    kind: 'vane#explanation',
    request: { ...req, authority },
    node: {
      ...(x.nodeId === undefined ? {} : { id: x.nodeId }),
      kind: view.kind,
      network: view.network,
      ...(view.zone === undefined ? {} : { zone: view.zone }),
      labels: { ...view.metadata },
    },
    outcome: 'NO_LISTENER',
    clusters: [],
    notes,
  };

  // 1. Listener (and filter chain).
  const want = { host: req.host, port };
  let hit: ListenerHit | undefined;
  let chainsRejected: ListenerStep['rejected'] = [];
  if (sidecar) {
    const found = interceptionChainFor(x.config.listeners, req.host, port);
    hit = found.hit;
    if (found.listener !== undefined && hit === undefined)
      chainsRejected = allChainsRejected(found.listener, req.host, port);
  } else {
    hit = apiListenerFor(x.config.listeners, authority);
  }
  const reasons = ruleReasons(res, view, want, ir.issues);
  if (hit === undefined) {
    out.reason = noListenerReason(view, want, reasons);
    out.listener = {
      name: sidecar ? 'TRAFFICDIRECTOR_INTERCEPTION_LISTENER' : authority,
      rejected: [...chainsRejected, ...rejectedRules(reasons)],
    };
    return out;
  }
  const rulePath = ruleOf(ir, hit);
  const rule = rulePath === undefined ? undefined : res.get('forwardingRules', rulePath);
  const proxyPath = rule?.body.target;
  const proxyKind = proxyPath === undefined ? undefined : collectionOf(proxyPath);
  const urlMapPath =
    proxyKind === 'targetGrpcProxies' || proxyKind === 'targetHttpProxies'
      ? res.get(proxyKind, proxyPath!)?.body.urlMap
      : undefined;
  out.listener = {
    name: hit.listener.name,
    ...(hit.chain === undefined ? {} : { filterChain: hit.chain }),
    ...(rulePath === undefined ? {} : { forwardingRule: rulePath }),
    ...(proxyPath === undefined ? {} : { targetProxy: proxyPath }),
    ...(urlMapPath === undefined ? {} : { urlMap: urlMapPath }),
    ...(hit.destination?.kind === 'rds' ? { routeConfig: hit.destination.routeConfig } : {}),
    ...(hit.destination?.kind === 'tcp' ? { tcpCluster: hit.destination.cluster } : {}),
    rejected: [...hit.rejected, ...rejectedRules(reasons).filter((r) => r.source !== rulePath)],
  };
  for (const i of ir.issues)
    if ([rulePath, proxyPath, urlMapPath].includes(i.resource))
      notes.push(`${i.resource} ${i.location}: ${i.message}`);

  // TCP proxy chains go straight to a cluster.
  if (hit.destination?.kind === 'tcp') {
    out.action = { kind: 'cluster', cluster: hit.destination.cluster, notes: ['TCP proxy: no HTTP routing'] };
    out.clusters = [clusterStep(hit.destination.cluster, x, ir, eir, res)];
    out.outcome = 'ROUTED';
    return out;
  }
  const rc = x.config.routes.find(
    (r) => r.name === (hit.destination?.kind === 'rds' ? hit.destination.routeConfig : ''),
  );
  if (rc === undefined) {
    out.outcome = 'NO_ROUTE';
    out.reason = `the listener's route configuration ${hit.destination?.kind === 'rds' ? hit.destination.routeConfig : ''} is not in the configuration`;
    return out;
  }

  // 2. Virtual host.
  const vhHit = selectVirtualHost(rc, authority);
  if (vhHit === undefined) {
    out.outcome = 'NO_VIRTUAL_HOST';
    out.reason = `no virtual host of ${rc.name} has a domain matching '${authority}' (domains: ${rc.virtualHosts.flatMap((v) => v.domains).join(', ')})`;
    return out;
  }
  const irRc = ir.routeConfigs.find((r) => r.name === rc.name);
  out.virtualHost = {
    name: vhHit.vh.name,
    ...withSource(irRc?.virtualHosts.find((v) => v.name === vhHit.vh.name)?.source),
    authority,
    matchedDomain: vhHit.domain,
    domains: vhHit.vh.domains,
    rejected: rc.virtualHosts
      .filter((v) => v !== vhHit.vh)
      .map((v) => ({
        name: v.name,
        why: `domains ${v.domains.join(', ')} do not match '${authority}' first`,
      })),
  };

  // 3. Route: first match wins.
  const picked = selectRoute(vhHit.vh, req, { res, view }, notes);
  if (picked.route === undefined) {
    out.outcome = 'NO_ROUTE';
    out.reason = `no route of virtual host ${vhHit.vh.name} matches (the proxy answers 404 / UNIMPLEMENTED)`;
    out.route = { index: -1, source: '', match: '', why: out.reason, skipped: picked.skipped };
    return out;
  }
  out.route = picked.step;
  const irRoute = irRc?.virtualHosts.flatMap((v) => v.routes).find((r) => r.source === picked.route.name);

  // 4. Action.
  const action = actionStep(picked.route, irRoute, res);
  out.action = action;
  if (action.kind === 'redirect') {
    out.outcome = 'REDIRECTED';
    return out;
  }
  const names =
    action.kind === 'cluster'
      ? [action.cluster]
      : action.clusters.filter((c) => c.weight > 0).map((c) => c.cluster);
  out.clusters = names.map((n) => clusterStep(n, x, ir, eir, res));
  out.outcome = out.clusters.every((c) => c.localities.length === 0) ? 'NO_CLUSTER' : 'ROUTED';
  if (out.outcome === 'NO_CLUSTER') out.reason = 'the chosen clusters have no endpoints for this node';
  return out;
}

function withSource(source: string | undefined): { source?: string } {
  return source === undefined ? {} : { source };
}

/** The forwarding rule behind the listener: the API listener's source, or the chain's. */
function ruleOf(ir: IrConfig, hit: ListenerHit): string | undefined {
  for (const l of ir.listeners) {
    if (l.kind === 'api' && l.name === hit.listener.name) return l.source;
    if (l.kind === 'outbound' && hit.chain !== undefined)
      return l.chains.find((c) => c.name === hit.chain!.name)?.source;
  }
  return undefined;
}

function actionStep(route: Route, ir: IrRoute | undefined, res: Resources): ActionStep {
  const notes = routeNotes(ir);
  if (route.action.case === 'redirect') {
    const r = route.action.value;
    const target = [
      r.schemeRewriteSpecifier.case === 'httpsRedirect' && r.schemeRewriteSpecifier.value ? 'https://' : '',
      r.hostRedirect || '(same host)',
      r.pathRewriteSpecifier.case === 'pathRedirect' ? r.pathRewriteSpecifier.value : '',
      r.pathRewriteSpecifier.case === 'prefixRewrite' ? `${r.pathRewriteSpecifier.value}… (prefix)` : '',
    ].join('');
    return { kind: 'redirect', redirect: `${target} (response code ${r.responseCode})`, notes };
  }
  if (route.action.case !== 'route')
    return { kind: 'redirect', redirect: `action ${route.action.case ?? 'none'}`, notes };
  const spec = route.action.value.clusterSpecifier;
  const bsSource = (name: string) =>
    withSource(res.list('backendServices').find((b) => b.name === name)?.path);
  if (spec.case === 'weightedClusters') {
    const total = spec.value.clusters.reduce((n, c) => n + (c.weight ?? 0), 0);
    return {
      kind: 'weighted',
      clusters: spec.value.clusters.map((c) => ({
        cluster: c.name,
        ...bsSource(c.name),
        weight: c.weight ?? 0,
        percent: total === 0 ? 0 : Math.round(((c.weight ?? 0) / total) * 10000) / 100,
      })),
      notes,
    };
  }
  const cluster = spec.case === 'cluster' ? spec.value : '';
  return { kind: 'cluster', cluster, ...bsSource(cluster), notes };
}

/** Timeouts, retries, faults, rewrites and mirrors worth knowing when reading a trace. */
function routeNotes(r: IrRoute | undefined): string[] {
  if (r === undefined) return [];
  const d = (x: { seconds: number; nanos: number }) => `${x.seconds + x.nanos / 1e9}s`;
  const out: string[] = [];
  if (r.timeout !== undefined) out.push(`timeout ${d(r.timeout)}`);
  if (r.maxStreamDuration !== undefined) out.push(`max stream duration ${d(r.maxStreamDuration)}`);
  if (r.retry !== undefined)
    out.push(`retry on ${r.retry.retryOn || '(nothing)'} up to ${r.retry.numRetries}×`);
  if (r.fault?.delay !== undefined)
    out.push(
      `fault: delay ${d(r.fault.delay.fixedDelay)} for ${r.fault.delay.perMillion / 10000} % of requests`,
    );
  if (r.fault?.abort !== undefined)
    out.push(
      `fault: abort with ${r.fault.abort.httpStatus} for ${r.fault.abort.perMillion / 10000} % of requests`,
    );
  if (r.prefixRewrite !== undefined) out.push(`path prefix rewritten to ${r.prefixRewrite}`);
  if (r.hostRewrite !== undefined) out.push(`host rewritten to ${r.hostRewrite}`);
  if (r.mirrorClusters !== undefined) out.push(`mirrored to ${r.mirrorClusters.join(', ')}`);
  return out;
}

function clusterStep(
  name: string,
  x: ExplainInput,
  ir: IrConfig,
  eir: IrEndpoints,
  res: Resources,
): ClusterStep {
  return explainCluster(
    name,
    x.endpoints.endpoints.find((e) => e.clusterName === name),
    {
      cluster: ir.clusters.find((c) => c.name === name),
      endpoints: eir.endpoints.find((e) => e.clusterName === name),
    },
    { input: x.input, res, view: x.view, healthDetail: x.healthDetail },
  );
}
