// URL map → route configuration: host rules become virtual hosts, path matchers become
// ordered route lists (route rules by priority, or path rules longest first), and the path
// matcher's default is always the last route. Route sources name the URL map field.
import type { BackendService } from '../../model/kinds/backend-service.js';
import type { RouteAction, UrlMap, UrlRedirect } from '../../model/kinds/url-map.js';
import type { NodeView, TranslateIssue } from '../types.js';
import { effectiveLbPolicy } from './clusters.js';
import { duration } from './duration.js';
import { compilePathTemplate, templateSubstitution } from './path-template.js';
import { type Loaded, nameOf, type Resources } from './resources.js';
import type {
  IrDuration,
  IrHashPolicy,
  IrHeaderAction,
  IrHeaderMatch,
  IrMatch,
  IrQueryMatch,
  IrRedirect,
  IrRoute,
  IrRouteConfig,
  IrVirtualHost,
} from './types.js';
import { metadataFiltersMatch } from './visibility.js';

type PathMatcher = NonNullable<UrlMap['pathMatchers']>[number];
type RouteRule = NonNullable<PathMatcher['routeRules']>[number];
type MatchRule = NonNullable<RouteRule['matchRules']>[number];
type HeaderAction = NonNullable<UrlMap['headerAction']>;

export interface RouteContext {
  res: Resources;
  view: NodeView;
  issues: TranslateIssue[];
}

/** `URL_MAP/<projectNumber>_<urlMapName>`: the name Traffic Director gives a URL map's routes. */
export function routeConfigName(projectNumber: string, urlMapName: string): string {
  return `URL_MAP/${projectNumber}_${urlMapName}`;
}

/** Sidecars get Traffic Director's defaults when a route sets none. */
const SIDECAR_DEFAULT_RETRY = { retryOn: 'gateway-error', numRetries: 1 };

/**
 * One route configuration for a URL map. `ports` are the ports of the visible forwarding
 * rules that use the map: hosts without a port are also matched as `host:port`.
 */
export function buildRouteConfig(
  ctx: RouteContext,
  urlMap: Loaded<'urlMaps'>,
  projectNumber: string,
  ports: readonly number[],
): IrRouteConfig {
  const m = urlMap.body;
  const b = new RouteBuilder(ctx, urlMap.path);
  const explicit = new Set((m.hostRules ?? []).flatMap((hr) => hr.hosts.map((h) => h.toLowerCase())));
  const taken = new Set<string>();
  const virtualHosts: IrVirtualHost[] = [];

  m.hostRules?.forEach((hr, i) => {
    const at = `hostRules[${i}]`;
    const pmIndex = (m.pathMatchers ?? []).findIndex((pm) => pm.name === hr.pathMatcher);
    const pm = m.pathMatchers?.[pmIndex];
    if (pm === undefined) {
      ctx.issues.push({
        resource: urlMap.path,
        location: `${at}.pathMatcher`,
        message: `'${hr.pathMatcher}' is not the name of a path matcher: the host rule is skipped`,
      });
      return;
    }
    const domains: string[] = [];
    for (const host of hr.hosts) {
      for (const d of expandHost(host, ports)) {
        const key = d.toLowerCase();
        if (taken.has(key) || (d !== host && explicit.has(key))) continue;
        taken.add(key);
        domains.push(d);
      }
    }
    if (domains.length === 0) return;
    const vh: IrVirtualHost = {
      name: `${at}/${hr.pathMatcher}`,
      source: `${urlMap.path}/${at}`,
      domains,
      routes: b.pathMatcherRoutes(pm, `pathMatchers[${pmIndex}]`),
    };
    const headers = headerAction(pm.headerAction);
    if (headers !== undefined) vh.headers = headers;
    virtualHosts.push(vh);
  });

  if (!taken.has('*')) {
    const route = b.route(anyPath(), '', {
      service: m.defaultService,
      routeAction: m.defaultRouteAction,
      urlRedirect: m.defaultUrlRedirect,
      fields: DEFAULT_FIELDS,
    });
    if (route !== undefined) {
      virtualHosts.push({ name: 'default', source: urlMap.path, domains: ['*'], routes: [route] });
    }
  }

  const rc: IrRouteConfig = {
    name: routeConfigName(projectNumber, urlMap.name),
    source: urlMap.path,
    // Host rule order: domains decide the match, the order only keeps diffs readable.
    virtualHosts,
  };
  const headers = headerAction(m.headerAction);
  if (headers !== undefined) rc.headers = headers;
  return rc;
}

/** `host` → `host` plus `host:P` for each port; `host:port` and `*` stay as they are. */
export function expandHost(host: string, ports: readonly number[]): string[] {
  if (host === '*' || /:\d+$/.test(host)) return [host];
  return [host, ...[...new Set(ports)].sort((a, b) => a - b).map((p) => `${host}:${p}`)];
}

interface Destination {
  service?: string | undefined;
  routeAction?: RouteAction | undefined;
  urlRedirect?: UrlRedirect | undefined;
  headerAction?: HeaderAction | undefined;
  fields: { service: string; routeAction: string; urlRedirect: string };
}
const DEFAULT_FIELDS = {
  service: 'defaultService',
  routeAction: 'defaultRouteAction',
  urlRedirect: 'defaultUrlRedirect',
};
const RULE_FIELDS = { service: 'service', routeAction: 'routeAction', urlRedirect: 'urlRedirect' };

/** Matches every request: `prefix: ""`. A fresh object each time: IR values never share parts. */
function anyPath(): IrMatch {
  return { path: { kind: 'prefix', value: '' }, caseSensitive: true, headers: [], queryParameters: [] };
}

class RouteBuilder {
  constructor(
    private readonly ctx: RouteContext,
    private readonly urlMapPath: string,
  ) {}

  private issue(location: string, message: string): void {
    this.ctx.issues.push({ resource: this.urlMapPath, location, message });
  }

  private source(location: string): string {
    return location === '' ? this.urlMapPath : `${this.urlMapPath}/${location.replaceAll('.', '/')}`;
  }

  pathMatcherRoutes(pm: PathMatcher, at: string): IrRoute[] {
    const routes: IrRoute[] = [];
    const push = (r: IrRoute | undefined) => {
      if (r !== undefined) routes.push(r);
    };
    const rules = (pm.routeRules ?? []).map((r, j) => ({ r, j })).sort((a, b) => a.r.priority - b.r.priority);
    for (const { r, j } of rules) {
      const ruleAt = `${at}.routeRules[${j}]`;
      const dest: Destination = { ...r, fields: RULE_FIELDS };
      const matchRules = r.matchRules ?? [];
      if (matchRules.length === 0) push(this.route(anyPath(), ruleAt, dest));
      matchRules.forEach((mr, k) => {
        const mrAt = `${ruleAt}.matchRules[${k}]`;
        if (!metadataFiltersMatch(mr.metadataFilters, this.ctx.view.metadata)) return;
        push(this.route(this.match(mr), mrAt, dest, ruleAt));
      });
    }
    const paths = (pm.pathRules ?? []).flatMap((r, j) =>
      r.paths.map((p, k) => ({
        r,
        at: `${at}.pathRules[${j}]`,
        pathAt: `${at}.pathRules[${j}].paths[${k}]`,
        p,
      })),
    );
    paths.sort((a, b) => pathRank(b.p) - pathRank(a.p) || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
    for (const { r, at: ruleAt, pathAt, p } of paths) {
      const path: IrMatch['path'] = p.endsWith('/*')
        ? { kind: 'prefix', value: p.slice(0, -1) }
        : { kind: 'path', value: p };
      push(this.route({ ...anyPath(), path }, pathAt, { ...r, fields: RULE_FIELDS }, ruleAt));
    }
    push(
      this.route(anyPath(), at, {
        service: pm.defaultService,
        routeAction: pm.defaultRouteAction,
        urlRedirect: pm.defaultUrlRedirect,
        fields: DEFAULT_FIELDS,
      }),
    );
    return routes;
  }

  private match(mr: MatchRule): IrMatch {
    let path: IrMatch['path'] = { kind: 'prefix', value: '' };
    if (mr.pathTemplateMatch !== undefined) {
      const compiled = compilePathTemplate(mr.pathTemplateMatch);
      path = {
        kind: 'regex',
        value: compiled.regex,
        template: mr.pathTemplateMatch,
        variables: compiled.variables,
      };
    } else if (mr.prefixMatch !== undefined) path = { kind: 'prefix', value: mr.prefixMatch };
    else if (mr.fullPathMatch !== undefined) path = { kind: 'path', value: mr.fullPathMatch };
    else if (mr.regexMatch !== undefined) path = { kind: 'regex', value: mr.regexMatch };
    const headers: IrHeaderMatch[] = (mr.headerMatches ?? []).map((h) => {
      const base = { name: h.headerName, invert: h.invertMatch === true };
      if (h.exactMatch !== undefined) return { ...base, kind: 'exact', value: h.exactMatch };
      if (h.prefixMatch !== undefined) return { ...base, kind: 'prefix', value: h.prefixMatch };
      if (h.suffixMatch !== undefined) return { ...base, kind: 'suffix', value: h.suffixMatch };
      if (h.regexMatch !== undefined) return { ...base, kind: 'regex', value: h.regexMatch };
      if (h.rangeMatch !== undefined)
        return { ...base, kind: 'range', start: h.rangeMatch.rangeStart, end: h.rangeMatch.rangeEnd };
      return { ...base, kind: 'present', present: h.presentMatch ?? true };
    });
    const queryParameters: IrQueryMatch[] = (mr.queryParameterMatches ?? []).map((q) => {
      if (q.exactMatch !== undefined) return { name: q.name, kind: 'exact', value: q.exactMatch };
      if (q.regexMatch !== undefined) return { name: q.name, kind: 'regex', value: q.regexMatch };
      return { name: q.name, kind: 'present', present: q.presentMatch ?? true };
    });
    return { path, caseSensitive: mr.ignoreCase !== true, headers, queryParameters };
  }

  /** A route for one match and destination; undefined (with an issue) when it cannot be built. */
  route(match: IrMatch, at: string, dest: Destination, ruleAt: string = at): IrRoute | undefined {
    const field = (f: string) => (ruleAt === '' ? f : `${ruleAt}.${f}`);
    const sidecar = this.ctx.view.kind === 'envoy';
    const ra = dest.routeAction;
    const route: IrRoute = { source: this.source(at), match, action: { kind: 'cluster', cluster: '' } };
    const services: BackendService[] = [];

    if (dest.urlRedirect !== undefined) {
      route.action = { kind: 'redirect', redirect: redirect(dest.urlRedirect) };
    } else if (dest.service !== undefined) {
      const bs = this.service(dest.service, field(dest.fields.service));
      if (bs === undefined) return undefined;
      services.push(bs.body);
      route.action = { kind: 'cluster', cluster: bs.name };
    } else if (ra?.weightedBackendServices !== undefined && ra.weightedBackendServices.length > 0) {
      const clusters = [];
      for (const [k, w] of ra.weightedBackendServices.entries()) {
        const bs = this.service(
          w.backendService,
          `${field(dest.fields.routeAction)}.weightedBackendServices[${k}].backendService`,
        );
        if (bs === undefined) return undefined;
        services.push(bs.body);
        const headers = headerAction(w.headerAction);
        clusters.push({ cluster: bs.name, weight: w.weight, ...(headers === undefined ? {} : { headers }) });
      }
      if (clusters.every((c) => c.weight === 0)) {
        this.issue(
          `${field(dest.fields.routeAction)}.weightedBackendServices`,
          'every weight is 0: the route is skipped',
        );
        return undefined;
      }
      route.action = { kind: 'weighted', clusters };
    } else {
      if (at !== '' || ruleAt !== at) {
        this.issue(
          ruleAt,
          `sends traffic nowhere: set ${dest.fields.service}, ${dest.fields.routeAction}.weightedBackendServices or ${dest.fields.urlRedirect}`,
        );
      }
      return undefined;
    }

    const forwarding = route.action.kind !== 'redirect';
    if (forwarding) {
      const timeout = ra?.timeout !== undefined ? duration(ra.timeout) : serviceTimeout(services);
      if (sidecar && timeout !== undefined) route.timeout = timeout;
      const msd =
        ra?.maxStreamDuration ?? (services.length === 1 ? services[0]!.maxStreamDuration : undefined);
      if (msd !== undefined) route.maxStreamDuration = duration(msd);
      const rp = ra?.retryPolicy;
      if (rp !== undefined) {
        route.retry = {
          retryOn: (rp.retryConditions ?? []).join(','),
          numRetries: rp.numRetries ?? 1,
          ...(rp.perTryTimeout === undefined ? {} : { perTryTimeout: duration(rp.perTryTimeout) }),
        };
      } else if (sidecar) {
        route.retry = { ...SIDECAR_DEFAULT_RETRY };
      }
      const fault = ra?.faultInjectionPolicy;
      if (fault !== undefined && (fault.delay !== undefined || fault.abort !== undefined)) {
        route.fault = {
          ...(fault.delay === undefined
            ? {}
            : {
                delay: {
                  fixedDelay: duration(fault.delay.fixedDelay),
                  perMillion: perMillion(fault.delay.percentage),
                },
              }),
          ...(fault.abort === undefined
            ? {}
            : {
                abort: { httpStatus: fault.abort.httpStatus, perMillion: perMillion(fault.abort.percentage) },
              }),
        };
      }
      if (ra?.urlRewrite?.pathPrefixRewrite !== undefined)
        route.prefixRewrite = ra.urlRewrite.pathPrefixRewrite;
      if (ra?.urlRewrite?.hostRewrite !== undefined) route.hostRewrite = ra.urlRewrite.hostRewrite;
      const templateRewrite = ra?.urlRewrite?.pathTemplateRewrite;
      if (templateRewrite !== undefined) {
        const rewriteAt = `${field(dest.fields.routeAction)}.urlRewrite.pathTemplateRewrite`;
        const p = match.path;
        const sub =
          p.kind === 'regex' && p.variables !== undefined
            ? templateSubstitution(templateRewrite, p.variables)
            : undefined;
        if (sub === undefined) {
          this.issue(rewriteAt, `${at} does not use pathTemplateMatch: the rewrite is left out of its route`);
        } else if ('missing' in sub) {
          this.issue(
            rewriteAt,
            `uses {${sub.missing}}, which ${at}.pathTemplateMatch does not capture: the rewrite is left out of its route`,
          );
        } else {
          route.regexRewrite = { pattern: p.value, substitution: sub.substitution };
        }
      }
      if (ra?.requestMirrorPolicy !== undefined) {
        const bs = this.service(
          ra.requestMirrorPolicy.backendService,
          `${field(dest.fields.routeAction)}.requestMirrorPolicy.backendService`,
        );
        if (bs !== undefined) route.mirrorClusters = [bs.name];
      }
      const hash = hashPolicies(services, this.ctx.view);
      if (hash.length > 0) route.hashPolicies = hash;
    }
    const cors = ra?.corsPolicy;
    if (cors !== undefined && sidecar) {
      route.cors = {
        allowOrigins: cors.allowOrigins ?? [],
        allowOriginRegexes: cors.allowOriginRegexes ?? [],
        allowMethods: cors.allowMethods ?? [],
        allowHeaders: cors.allowHeaders ?? [],
        exposeHeaders: cors.exposeHeaders ?? [],
        ...(cors.maxAge === undefined ? {} : { maxAge: cors.maxAge }),
        allowCredentials: cors.allowCredentials === true,
        disabled: cors.disabled === true,
      };
    }
    const headers = headerAction(dest.headerAction);
    if (headers !== undefined) route.headers = headers;
    return route;
  }

  private service(ref: string, location: string): Loaded<'backendServices'> | undefined {
    const bs = this.ctx.res.get('backendServices', ref);
    if (bs === undefined) {
      this.issue(location, `backend service '${nameOf(ref)}' (${ref}) was not found: the route is skipped`);
    }
    return bs;
  }
}

/** Path rules: longest literal first; an exact path before a prefix of the same length. */
function pathRank(p: string): number {
  return p.endsWith('/*') ? (p.length - 1) * 2 : p.length * 2 + 1;
}

function perMillion(percentage: number | undefined): number {
  return Math.round((percentage ?? 0) * 10_000);
}

/** The backend services' timeoutSec (the largest, for a weighted split). */
function serviceTimeout(services: readonly BackendService[]): IrDuration | undefined {
  if (services.length === 0) return undefined;
  return { seconds: Math.max(...services.map((s) => s.timeoutSec)), nanos: 0 };
}

const REDIRECT_CODES: Record<string, IrRedirect['responseCode']> = {
  MOVED_PERMANENTLY_DEFAULT: 'MOVED_PERMANENTLY',
  FOUND: 'FOUND',
  SEE_OTHER: 'SEE_OTHER',
  TEMPORARY_REDIRECT: 'TEMPORARY_REDIRECT',
  PERMANENT_REDIRECT: 'PERMANENT_REDIRECT',
};

function redirect(r: UrlRedirect): IrRedirect {
  return {
    ...(r.hostRedirect === undefined ? {} : { host: r.hostRedirect }),
    ...(r.pathRedirect === undefined ? {} : { path: r.pathRedirect }),
    ...(r.prefixRedirect === undefined ? {} : { prefix: r.prefixRedirect }),
    https: r.httpsRedirect === true,
    stripQuery: r.stripQuery === true,
    responseCode:
      REDIRECT_CODES[r.redirectResponseCode ?? 'MOVED_PERMANENTLY_DEFAULT'] ?? 'MOVED_PERMANENTLY',
  };
}

function headerAction(h: HeaderAction | undefined): IrHeaderAction | undefined {
  if (h === undefined) return undefined;
  const add = (list: HeaderAction['requestHeadersToAdd']) =>
    (list ?? []).map((x) => ({
      name: x.headerName,
      value: x.headerValue ?? '',
      replace: x.replace === true,
    }));
  return {
    requestAdd: add(h.requestHeadersToAdd),
    requestRemove: [...(h.requestHeadersToRemove ?? [])],
    responseAdd: add(h.responseHeadersToAdd),
    responseRemove: [...(h.responseHeadersToRemove ?? [])],
  };
}

const HASHING: ReadonlySet<string> = new Set(['RING_HASH', 'MAGLEV']);

/** The hash policy a consistent-hash backend service's session affinity asks of its routes. */
export function hashPolicyFor(bs: BackendService, view: NodeView): IrHashPolicy | undefined {
  if (!HASHING.has(effectiveLbPolicy(bs, view).policy)) return undefined;
  const ttl = (seconds: number) => (seconds > 0 ? { ttl: { seconds, nanos: 0 } } : {});
  switch (bs.sessionAffinity) {
    case 'HEADER_FIELD':
      return bs.consistentHash?.httpHeaderName === undefined
        ? undefined
        : { kind: 'header', header: bs.consistentHash.httpHeaderName };
    case 'HTTP_COOKIE': {
      const c = bs.consistentHash?.httpCookie;
      return {
        kind: 'cookie',
        name: c?.name ?? 'GCILB',
        ...(c?.ttl === undefined ? ttl(bs.affinityCookieTtlSec) : { ttl: duration(c.ttl) }),
        ...(c?.path === undefined ? {} : { path: c.path }),
      };
    }
    case 'GENERATED_COOKIE':
      return { kind: 'cookie', name: 'GCILB', ...ttl(bs.affinityCookieTtlSec) };
    case 'CLIENT_IP':
      return { kind: 'sourceIp' };
    default:
      return undefined;
  }
}

function hashPolicies(services: readonly BackendService[], view: NodeView): IrHashPolicy[] {
  const out: IrHashPolicy[] = [];
  const seen = new Set<string>();
  for (const bs of services) {
    const p = hashPolicyFor(bs, view);
    if (p === undefined) continue;
    const key = JSON.stringify(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
