// IR route configurations → Envoy RouteConfiguration messages.
import type { Any } from '@bufbuild/protobuf/wkt';
import {
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
  HeaderValueOptionSchema,
} from '../../gen/envoy/config/core/v3/base_pb.js';
import {
  type HeaderMatcher,
  HeaderMatcherSchema,
  type QueryParameterMatcher,
  QueryParameterMatcherSchema,
  RedirectAction_RedirectResponseCode,
  RedirectActionSchema,
  RetryPolicySchema,
  type Route,
  type RouteAction,
  type RouteAction_HashPolicy,
  RouteAction_HashPolicySchema,
  RouteAction_MaxStreamDurationSchema,
  RouteActionSchema,
  type RouteMatch,
  RouteMatchSchema,
  RouteSchema,
  type VirtualHost,
  VirtualHostSchema,
} from '../../gen/envoy/config/route/v3/route_components_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../gen/envoy/config/route/v3/route_pb.js';
import { CorsPolicySchema } from '../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { type RegexMatcher, RegexMatcherSchema } from '../../gen/envoy/type/matcher/v3/regex_pb.js';
import type { StringMatcher } from '../../gen/envoy/type/matcher/v3/string_pb.js';
import { FractionalPercent_DenominatorType } from '../../gen/envoy/type/v3/percent_pb.js';
import { Int64RangeSchema } from '../../gen/envoy/type/v3/range_pb.js';
import type {
  IrCors,
  IrFault,
  IrHashPolicy,
  IrHeaderAction,
  IrHeaderMatch,
  IrHeaderToAdd,
  IrMatch,
  IrQueryMatch,
  IrRoute,
  IrRouteConfig,
  IrVirtualHost,
} from '../ir/types.js';
import { duration, FILTER, message, pack } from './common.js';

export function routeConfiguration(rc: IrRouteConfig): RouteConfiguration {
  return message(RouteConfigurationSchema, {
    name: rc.name,
    virtualHosts: rc.virtualHosts.map(virtualHost),
    ...headerFields(rc.headers),
  });
}

export function virtualHost(vh: IrVirtualHost): VirtualHost {
  return message(VirtualHostSchema, {
    name: vh.name,
    domains: vh.domains,
    routes: vh.routes.map(route),
    ...headerFields(vh.headers),
  });
}

export function route(r: IrRoute): Route {
  const typedPerFilterConfig: Record<string, Any> = {};
  if (r.fault !== undefined) typedPerFilterConfig[FILTER.fault] = fault(r.fault);
  if (r.cors !== undefined) typedPerFilterConfig[FILTER.cors] = cors(r.cors);
  const base = {
    name: r.source,
    match: routeMatch(r.match),
    typedPerFilterConfig,
    ...headerFields(r.headers),
  };
  if (r.action.kind === 'redirect') {
    const d = r.action.redirect;
    return message(RouteSchema, {
      ...base,
      action: {
        case: 'redirect',
        value: message(RedirectActionSchema, {
          hostRedirect: d.host ?? '',
          pathRewriteSpecifier:
            d.path !== undefined
              ? { case: 'pathRedirect', value: d.path }
              : d.prefix !== undefined
                ? { case: 'prefixRewrite', value: d.prefix }
                : { case: undefined },
          schemeRewriteSpecifier: d.https ? { case: 'httpsRedirect', value: true } : { case: undefined },
          stripQuery: d.stripQuery,
          responseCode: RedirectAction_RedirectResponseCode[d.responseCode],
        }),
      },
    });
  }
  return message(RouteSchema, { ...base, action: { case: 'route', value: routeAction(r) } });
}

function routeAction(r: IrRoute): RouteAction {
  const a = r.action;
  const action = message(RouteActionSchema, {
    clusterSpecifier:
      a.kind === 'cluster'
        ? { case: 'cluster', value: a.cluster }
        : a.kind === 'weighted'
          ? {
              case: 'weightedClusters',
              value: {
                clusters: a.clusters.map((c) => ({
                  name: c.cluster,
                  weight: c.weight,
                  ...headerFields(c.headers),
                })),
              },
            }
          : { case: undefined },
    prefixRewrite: r.prefixRewrite ?? '',
    ...(r.regexRewrite === undefined
      ? {}
      : {
          regexRewrite: { pattern: regex(r.regexRewrite.pattern), substitution: r.regexRewrite.substitution },
        }),
    hostRewriteSpecifier:
      r.hostRewrite === undefined
        ? { case: undefined }
        : { case: 'hostRewriteLiteral', value: r.hostRewrite },
    requestMirrorPolicies: (r.mirrorClusters ?? []).map((cluster) => ({ cluster })),
    hashPolicy: (r.hashPolicies ?? []).map(hashPolicy),
  });
  if (r.timeout !== undefined) action.timeout = duration(r.timeout);
  if (r.maxStreamDuration !== undefined) {
    action.maxStreamDuration = message(RouteAction_MaxStreamDurationSchema, {
      maxStreamDuration: duration(r.maxStreamDuration),
      grpcTimeoutHeaderMax: duration(r.maxStreamDuration),
    });
  }
  if (r.retry !== undefined) {
    const retry = r.retry;
    action.retryPolicy = message(RetryPolicySchema, {
      retryOn: retry.retryOn,
      numRetries: retry.numRetries,
      ...(retry.perTryTimeout === undefined ? {} : { perTryTimeout: duration(retry.perTryTimeout) }),
    });
  }
  return action;
}

export function routeMatch(m: IrMatch): RouteMatch {
  return message(RouteMatchSchema, {
    pathSpecifier:
      m.path.kind === 'regex'
        ? { case: 'safeRegex', value: regex(m.path.value) }
        : { case: m.path.kind, value: m.path.value },
    ...(m.caseSensitive ? {} : { caseSensitive: false }),
    headers: m.headers.map(headerMatcher),
    queryParameters: m.queryParameters.map(queryMatcher),
  });
}

function regex(pattern: string): RegexMatcher {
  return message(RegexMatcherSchema, { engineType: { case: 'googleRe2', value: {} }, regex: pattern });
}

export function headerMatcher(h: IrHeaderMatch): HeaderMatcher {
  const spec = (): HeaderMatcher['headerMatchSpecifier'] => {
    switch (h.kind) {
      case 'exact':
        return { case: 'exactMatch', value: h.value };
      case 'prefix':
        return { case: 'prefixMatch', value: h.value };
      case 'suffix':
        return { case: 'suffixMatch', value: h.value };
      case 'regex':
        return { case: 'safeRegexMatch', value: regex(h.value) };
      case 'present':
        return { case: 'presentMatch', value: h.present };
      case 'range':
        return {
          case: 'rangeMatch',
          value: message(Int64RangeSchema, { start: BigInt(h.start), end: BigInt(h.end) }),
        };
    }
  };
  return message(HeaderMatcherSchema, { name: h.name, headerMatchSpecifier: spec(), invertMatch: h.invert });
}

function queryMatcher(q: IrQueryMatch): QueryParameterMatcher {
  if (q.kind === 'present') {
    return message(QueryParameterMatcherSchema, {
      name: q.name,
      queryParameterMatchSpecifier: { case: 'presentMatch', value: q.present },
    });
  }
  const matchPattern: StringMatcher['matchPattern'] =
    q.kind === 'exact' ? { case: 'exact', value: q.value } : { case: 'safeRegex', value: regex(q.value) };
  return message(QueryParameterMatcherSchema, {
    name: q.name,
    queryParameterMatchSpecifier: { case: 'stringMatch', value: { matchPattern } },
  });
}

function hashPolicy(p: IrHashPolicy): RouteAction_HashPolicy {
  switch (p.kind) {
    case 'header':
      return message(RouteAction_HashPolicySchema, {
        policySpecifier: { case: 'header', value: { headerName: p.header } },
      });
    case 'cookie':
      return message(RouteAction_HashPolicySchema, {
        policySpecifier: {
          case: 'cookie',
          value: {
            name: p.name,
            path: p.path ?? '',
            ...(p.ttl === undefined ? {} : { ttl: duration(p.ttl) }),
          },
        },
      });
    case 'sourceIp':
      return message(RouteAction_HashPolicySchema, {
        policySpecifier: { case: 'connectionProperties', value: { sourceIp: true } },
      });
  }
}

const MILLION = FractionalPercent_DenominatorType.MILLION;

export function fault(f: IrFault): Any {
  return pack(
    HTTPFaultSchema,
    message(HTTPFaultSchema, {
      ...(f.delay === undefined
        ? {}
        : {
            delay: {
              faultDelaySecifier: { case: 'fixedDelay', value: duration(f.delay.fixedDelay) },
              percentage: { numerator: f.delay.perMillion, denominator: MILLION },
            },
          }),
      ...(f.abort === undefined
        ? {}
        : {
            abort: {
              errorType: { case: 'httpStatus', value: f.abort.httpStatus },
              percentage: { numerator: f.abort.perMillion, denominator: MILLION },
            },
          }),
    }),
  );
}

function cors(c: IrCors): Any {
  return pack(
    CorsPolicySchema,
    message(CorsPolicySchema, {
      allowOriginStringMatch: [
        ...c.allowOrigins.map((value) => ({ matchPattern: { case: 'exact' as const, value } })),
        ...c.allowOriginRegexes.map((value) => ({
          matchPattern: { case: 'safeRegex' as const, value: regex(value) },
        })),
      ],
      allowMethods: c.allowMethods.join(','),
      allowHeaders: c.allowHeaders.join(','),
      exposeHeaders: c.exposeHeaders.join(','),
      maxAge: c.maxAge === undefined ? '' : String(c.maxAge),
      allowCredentials: c.allowCredentials,
      ...(c.disabled
        ? {
            filterEnabled: {
              defaultValue: { numerator: 0, denominator: FractionalPercent_DenominatorType.HUNDRED },
              runtimeKey: '',
            },
          }
        : {}),
    }),
  );
}

function headerOption(h: IrHeaderToAdd): HeaderValueOption {
  return message(HeaderValueOptionSchema, {
    header: { key: h.name, value: h.value },
    appendAction: h.replace
      ? HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
      : HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD,
  });
}

function headerFields(h: IrHeaderAction | undefined) {
  if (h === undefined) return {};
  return {
    requestHeadersToAdd: h.requestAdd.map(headerOption),
    requestHeadersToRemove: h.requestRemove,
    responseHeadersToAdd: h.responseAdd.map(headerOption),
    responseHeadersToRemove: h.responseRemove,
  };
}
