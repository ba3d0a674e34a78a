// Rules that span a whole chain: forwarding rule → target proxy → URL map → backend
// services. They are checked whenever any link of a chain is written, so a change to a
// backend service cannot silently break a proxy that routes to it.

import type { Collection } from '../store/types.js';
import type { CheckContext, ResolvedResource } from './kind.js';
import { type BackendService, proxylessBackendServiceIssues } from './kinds/backend-service.js';
import type { ForwardingRule } from './kinds/forwarding-rule.js';
import { proxylessUrlMapIssues, type UrlMap, urlMapServices } from './kinds/url-map.js';
import { shortPath } from './references.js';

const PROXIES: ReadonlySet<Collection> = new Set([
  'targetHttpProxies',
  'targetGrpcProxies',
  'targetTcpProxies',
]);
const ROUTING: ReadonlySet<Collection> = new Set(['urlMaps', 'backendServices']);

const PROTOCOLS: Record<string, { allowed: readonly string[]; label: string }> = {
  targetGrpcProxies: { allowed: ['GRPC'], label: 'target gRPC proxy' },
  targetHttpProxies: { allowed: ['HTTP', 'HTTPS', 'HTTP2', 'GRPC'], label: 'target HTTP proxy' },
  targetTcpProxies: { allowed: ['TCP'], label: 'target TCP proxy' },
};

/** Reports, on `self`, every chain rule that the write of `self` would break. */
export async function dependentIssues(ctx: CheckContext, self: ResolvedResource): Promise<void> {
  for (const proxyPath of await affectedProxies(ctx, self)) {
    const proxy = await ctx.get(proxyPath);
    if (proxy) await checkProxyChain(ctx, self, proxy);
  }
}

async function affectedProxies(ctx: CheckContext, self: ResolvedResource): Promise<string[]> {
  if (PROXIES.has(self.collection)) return [self.path];
  if (self.collection === 'forwardingRules') return [String(self.body.target)];
  if (!ROUTING.has(self.collection)) return [];
  const found = new Set<string>();
  const seen = new Set<string>([self.path]);
  const queue = [self.path];
  while (queue.length > 0) {
    for (const user of await ctx.referrers(queue.shift()!)) {
      const collection = user.split('/')[3] as Collection;
      if (PROXIES.has(collection)) found.add(user);
      else if (ROUTING.has(collection) && !seen.has(user)) {
        seen.add(user);
        queue.push(user);
      }
    }
  }
  return [...found].sort();
}

async function checkProxyChain(
  ctx: CheckContext,
  self: ResolvedResource,
  proxy: ResolvedResource,
): Promise<void> {
  const rule = PROTOCOLS[proxy.collection]!;
  const proxyName = `${rule.label} '${proxy.name}'`;
  // Where to report a problem found in `owner`: at its own field when `self` is the
  // owner, otherwise at the field of `self` that leads to it.
  const report = (owner: string, location: string, message: string, selfAnchor: string) => {
    if (owner === self.path) ctx.issue(location, message);
    else ctx.issue(selfAnchor, `${shortPath(owner)}: ${location ? `${location} ` : ''}${message}`);
  };
  const anchorForProxy = proxy.collection === 'targetTcpProxies' ? 'service' : 'urlMap';
  const selfAnchor = (viaUrlMapLocation?: string) => {
    if (self.collection === 'forwardingRules') return 'target';
    if (PROXIES.has(self.collection)) return anchorForProxy;
    if (self.collection === 'urlMaps' && viaUrlMapLocation !== undefined) return viaUrlMapLocation;
    return '';
  };

  const services: { path: string; via?: string }[] = [];
  let urlMap: ResolvedResource | undefined;
  if (proxy.collection === 'targetTcpProxies') {
    services.push({ path: String(proxy.body.service) });
  } else {
    urlMap = await ctx.get(String(proxy.body.urlMap));
    if (!urlMap) return;
    for (const s of urlMapServices(urlMap.body as UrlMap))
      services.push({ path: s.service, via: s.location });
  }

  const proxyless = proxy.collection === 'targetGrpcProxies' && proxy.body.validateForProxyless === true;
  const checked = new Set<string>();
  for (const s of services) {
    if (checked.has(s.path)) continue;
    checked.add(s.path);
    const bs = await ctx.get(s.path);
    if (!bs) continue;
    const protocol = String(bs.body.protocol ?? 'HTTP');
    if (!rule.allowed.includes(protocol)) {
      report(
        bs.path,
        'protocol',
        `is ${protocol}, but ${proxyName} routes to this backend service and needs ${rule.allowed.join(' or ')}`,
        selfAnchor(s.via),
      );
    }
    if (proxyless) {
      // The protocol rule above already covers GRPC for every gRPC proxy.
      for (const issue of proxylessBackendServiceIssues(bs.body as BackendService).filter(
        (i) => i.location !== 'protocol',
      )) {
        report(
          bs.path,
          issue.location,
          `${issue.message} (${proxyName} has validateForProxyless)`,
          selfAnchor(s.via),
        );
      }
    }
  }
  if (!proxyless) return;
  if (urlMap) {
    for (const issue of proxylessUrlMapIssues(urlMap.body as UrlMap)) {
      report(
        urlMap.path,
        issue.location,
        `${issue.message} (${proxyName} has validateForProxyless)`,
        selfAnchor(),
      );
    }
  }
  const rules = new Set(await ctx.referrers(proxy.path));
  if (self.collection === 'forwardingRules' && self.body.target === proxy.path) rules.add(self.path);
  for (const path of [...rules].sort()) {
    const fr = await ctx.get(path);
    if (fr?.collection !== 'forwardingRules') continue;
    const address = (fr.body as ForwardingRule).IPAddress;
    if (address !== '0.0.0.0') {
      report(
        fr.path,
        'IPAddress',
        `is ${address}, but ${proxyName} has validateForProxyless: proxyless clients match by port only, so it must be 0.0.0.0`,
        PROXIES.has(self.collection) ? 'validateForProxyless' : '',
      );
    }
  }
}
