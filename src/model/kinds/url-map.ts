import { z } from 'zod';
import { joinPath } from '../field-path.js';
import type { Issue, KindSpec, RefSlot } from '../kind.js';
import { description, duration, int, int64, metadataFilters, name } from './common.js';

// The URL map as the Compute API has it (the parts Traffic Director uses). No defaults are
// applied: the API returns these objects as written. Effective defaults worth knowing:
// retryPolicy.numRetries 1, urlRedirect.redirectResponseCode MOVED_PERMANENTLY_DEFAULT,
// urlRedirect.stripQuery false, corsPolicy.disabled/allowCredentials false.
// Left out (rejected as unknown fields): defaultCustomErrorResponsePolicy and
// customErrorResponsePolicy, routeAction.cachePolicy, urlRewrite.regexRewrite — features of
// Google's edge load balancers, not of a mesh.

/** Serialized size limit of a URL map (524 KB, as Traffic Director documents it). */
export const URL_MAP_MAX_BYTES = 524_288;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z
  .string()
  .max(256)
  .regex(HEADER_NAME, "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
/** Header matches may also name the pseudo-headers (`:authority`, `:method`, `:path`, `:scheme`). */
const matchHeaderName = z
  .string()
  .max(256)
  .regex(/^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name or a pseudo-header like :authority');

/** A pattern in RE2 syntax (checked with an approximation: see re2Problem). */
const re2 = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((value, ctx) => {
    const problem = re2Problem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const absolutePath = z.string().min(1).max(1024).startsWith('/', "must start with '/'");

const pathTemplate = z
  .string()
  .min(1)
  .max(255)
  .superRefine((value, ctx) => {
    const problem = pathTemplateProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/** `example.com`, `*.example.com`, `*-suffix.example.com`, `*`, each with an optional `:port`. */
const HOST = /^(\*|\*[.-][a-z0-9.-]*[a-z0-9]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:(\d{1,5}))?$/i;
const host = z
  .string()
  .min(1)
  .max(255)
  .superRefine((value, ctx) => {
    const m = HOST.exec(value);
    if (!m) {
      ctx.addIssue({
        code: 'custom',
        message: `'${value}' is not a host pattern: use a host name with an optional :port; '*' may only be the first character, followed by '.' or '-' (e.g. *.example.com), or stand alone`,
      });
    } else if (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > 65535)) {
      ctx.addIssue({ code: 'custom', message: `'${value}': the port must be between 1 and 65535` });
    }
  });

/** pathRules paths: `/`-rooted, no query or fragment, `*` only as a final `/*`. */
const PATH_RULE = /^(\/[^*?#]*|(\/[^*?#]*)?\/\*)$/;
const pathRulePath = z
  .string()
  .min(1)
  .max(1024)
  .regex(
    PATH_RULE,
    "must start with '/', contain no '?' or '#', and use '*' only at the end after a '/' (e.g. /videos/*)",
  );

const headerToAdd = z.strictObject({
  headerName,
  headerValue: z.string().max(8192).optional(),
  replace: z.boolean().optional(),
});
const headerAction = z.strictObject({
  requestHeadersToAdd: z.array(headerToAdd).optional(),
  requestHeadersToRemove: z.array(headerName).optional(),
  responseHeadersToAdd: z.array(headerToAdd).optional(),
  responseHeadersToRemove: z.array(headerName).optional(),
});

const RETRY_CONDITIONS = [
  // HTTP
  '5xx',
  'gateway-error',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  // gRPC
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

const percentage = z.number().min(0).max(100);

const weightedBackendService = z.strictObject({
  backendService: z.string().min(1),
  weight: int(0, 1000),
  headerAction: headerAction.optional(),
});

const routeAction = z.strictObject({
  weightedBackendServices: z
    .array(weightedBackendService)
    .max(10, 'at most 10 weighted backend services per route action')
    .optional(),
  timeout: duration.optional(),
  maxStreamDuration: duration.optional(),
  retryPolicy: z
    .strictObject({
      retryConditions: z
        .array(z.enum(RETRY_CONDITIONS, `must be one of ${RETRY_CONDITIONS.join(', ')}`))
        .optional(),
      numRetries: int(1, 2_147_483_647).optional(),
      perTryTimeout: duration.optional(),
    })
    .optional(),
  faultInjectionPolicy: z
    .strictObject({
      delay: z.strictObject({ fixedDelay: duration, percentage: percentage.optional() }).optional(),
      abort: z.strictObject({ httpStatus: int(200, 599), percentage: percentage.optional() }).optional(),
    })
    .optional(),
  requestMirrorPolicy: z.strictObject({ backendService: z.string().min(1) }).optional(),
  urlRewrite: z
    .strictObject({
      pathPrefixRewrite: z.string().min(1).max(1024).optional(),
      hostRewrite: z.string().min(1).max(255).optional(),
      pathTemplateRewrite: z.string().min(1).max(255).startsWith('/', "must start with '/'").optional(),
    })
    .optional(),
  corsPolicy: z
    .strictObject({
      allowOrigins: z.array(z.string().min(1)).optional(),
      allowOriginRegexes: z.array(re2).optional(),
      allowMethods: z.array(z.string().min(1)).optional(),
      allowHeaders: z.array(z.string().min(1)).optional(),
      exposeHeaders: z.array(z.string().min(1)).optional(),
      maxAge: int(0, 2_147_483_647).optional(),
      allowCredentials: z.boolean().optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
});

export type RouteAction = z.output<typeof routeAction>;

const urlRedirect = z.strictObject({
  hostRedirect: z.string().min(1).max(255).optional(),
  pathRedirect: absolutePath.optional(),
  prefixRedirect: absolutePath.optional(),
  redirectResponseCode: z
    .enum(['MOVED_PERMANENTLY_DEFAULT', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'])
    .optional(),
  httpsRedirect: z.boolean().optional(),
  stripQuery: z.boolean().optional(),
});

export type UrlRedirect = z.output<typeof urlRedirect>;

const safeInt = int64(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

const headerMatch = z.strictObject({
  headerName: matchHeaderName,
  exactMatch: z.string().max(1024).optional(),
  prefixMatch: z.string().max(1024).optional(),
  suffixMatch: z.string().max(1024).optional(),
  regexMatch: re2.optional(),
  presentMatch: z.boolean().optional(),
  rangeMatch: z.strictObject({ rangeStart: safeInt, rangeEnd: safeInt }).optional(),
  invertMatch: z.boolean().optional(),
});

const queryParameterMatch = z.strictObject({
  name: z.string().min(1).max(256),
  exactMatch: z.string().max(1024).optional(),
  regexMatch: re2.optional(),
  presentMatch: z.boolean().optional(),
});

const matchRule = z.strictObject({
  prefixMatch: absolutePath.optional(),
  fullPathMatch: absolutePath.optional(),
  regexMatch: re2.optional(),
  pathTemplateMatch: pathTemplate.optional(),
  ignoreCase: z.boolean().optional(),
  headerMatches: z.array(headerMatch).optional(),
  queryParameterMatches: z.array(queryParameterMatch).optional(),
  metadataFilters: metadataFilters.optional(),
});

const routeRule = z.strictObject({
  priority: int(0, 2_147_483_647),
  description: z.string().max(1024).optional(),
  matchRules: z.array(matchRule).optional(),
  service: z.string().min(1).optional(),
  routeAction: routeAction.optional(),
  urlRedirect: urlRedirect.optional(),
  headerAction: headerAction.optional(),
});

const pathRule = z.strictObject({
  paths: z.array(pathRulePath).min(1),
  service: z.string().min(1).optional(),
  routeAction: routeAction.optional(),
  urlRedirect: urlRedirect.optional(),
});

const pathMatcher = z.strictObject({
  name,
  description: description.optional(),
  defaultService: z.string().min(1).optional(),
  defaultRouteAction: routeAction.optional(),
  defaultUrlRedirect: urlRedirect.optional(),
  headerAction: headerAction.optional(),
  pathRules: z.array(pathRule).optional(),
  routeRules: z.array(routeRule).optional(),
});

const hostRule = z.strictObject({
  description: description.optional(),
  hosts: z.array(host).min(1),
  pathMatcher: name,
});

const urlMapTest = z.strictObject({
  description: z.string().max(1024).optional(),
  host: z.string().min(1).max(255).optional(),
  path: absolutePath,
  headers: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
  service: z.string().min(1).optional(),
  expectedOutputUrl: z.string().min(1).optional(),
  expectedRedirectResponseCode: int(300, 399).optional(),
});

const schema = z.strictObject({
  name,
  description: description.optional(),
  defaultService: z.string().min(1).optional(),
  defaultRouteAction: routeAction.optional(),
  defaultUrlRedirect: urlRedirect.optional(),
  headerAction: headerAction.optional(),
  hostRules: z.array(hostRule).optional(),
  pathMatchers: z.array(pathMatcher).optional(),
  tests: z.array(urlMapTest).max(100, 'at most 100 tests per URL map').optional(),
});

export type UrlMap = z.output<typeof schema>;

/**
 * A place that decides where a request goes: the map's default, a path matcher's default,
 * a path rule or a route rule. `fields` names its three destination fields.
 */
interface Destination {
  location: string;
  /** The object holding the three fields (the map, a path matcher or a rule). */
  holder: Record<string, unknown>;
  fields: { service: string; routeAction: string; urlRedirect: string };
  service: string | undefined;
  routeAction: RouteAction | undefined;
  urlRedirect: UrlRedirect | undefined;
  /** The rule's match rules, for route rules. */
  matchRules?: z.output<typeof matchRule>[];
}

const DEFAULT_FIELDS = {
  service: 'defaultService',
  routeAction: 'defaultRouteAction',
  urlRedirect: 'defaultUrlRedirect',
};
const RULE_FIELDS = { service: 'service', routeAction: 'routeAction', urlRedirect: 'urlRedirect' };

function destinations(m: UrlMap): Destination[] {
  const out: Destination[] = [
    {
      location: '',
      holder: m,
      fields: DEFAULT_FIELDS,
      service: m.defaultService,
      routeAction: m.defaultRouteAction,
      urlRedirect: m.defaultUrlRedirect,
    },
  ];
  m.pathMatchers?.forEach((pm, i) => {
    const at = `pathMatchers[${i}]`;
    out.push({
      location: at,
      holder: pm,
      fields: DEFAULT_FIELDS,
      service: pm.defaultService,
      routeAction: pm.defaultRouteAction,
      urlRedirect: pm.defaultUrlRedirect,
    });
    pm.pathRules?.forEach((r, j) => {
      out.push({ location: `${at}.pathRules[${j}]`, holder: r, fields: RULE_FIELDS, ...pick(r) });
    });
    pm.routeRules?.forEach((r, j) => {
      out.push({
        location: `${at}.routeRules[${j}]`,
        holder: r,
        fields: RULE_FIELDS,
        ...pick(r),
        matchRules: r.matchRules ?? [],
      });
    });
  });
  return out;
}

function pick(r: { service?: string; routeAction?: RouteAction; urlRedirect?: UrlRedirect }) {
  return { service: r.service, routeAction: r.routeAction, urlRedirect: r.urlRedirect };
}

/** Every service-reference field of the map that carries traffic, with a setter for normalising it. */
function serviceSlots(m: UrlMap): RefSlot[] {
  const out: RefSlot[] = [];
  const add = (obj: Record<string, unknown>, key: string, location: string) => {
    const value = obj[key];
    if (typeof value !== 'string') {
      return;
    }
    out.push({
      location,
      accepted: ['backendServices'],
      value,
      set: (v) => {
        obj[key] = v;
      },
    });
  };
  for (const d of destinations(m)) {
    const at = (field: string) => joinPath(d.location, field);
    add(d.holder, d.fields.service, at(d.fields.service));
    const ra = d.routeAction;
    if (ra !== undefined) {
      const raAt = at(d.fields.routeAction);
      ra.weightedBackendServices?.forEach((w, k) => {
        add(w, 'backendService', `${raAt}.weightedBackendServices[${k}].backendService`);
      });
      if (ra.requestMirrorPolicy) {
        add(ra.requestMirrorPolicy, 'backendService', `${raAt}.requestMirrorPolicy.backendService`);
      }
    }
  }
  return out;
}

/**
 * Every backend service the map can send traffic to (mirrored traffic included; the
 * services named by `tests` are not traffic), in document order.
 */
export function urlMapServices(urlMap: UrlMap): { location: string; service: string }[] {
  return serviceSlots(urlMap).map((s) => ({ location: s.location, service: String(s.value) }));
}

type IssueFn = (location: string, message: string) => void;

function checkDestination(d: Destination, issue: IssueFn): void {
  const at = (field: string) => joinPath(d.location, field);
  const { service: serviceField, routeAction: actionField, urlRedirect: redirectField } = d.fields;
  const weighted = d.routeAction?.weightedBackendServices ?? [];
  const wbsField = `${actionField}.weightedBackendServices`;
  const choices = `${serviceField}, ${wbsField} or ${redirectField}`;
  if (d.urlRedirect !== undefined) {
    if (d.service !== undefined) {
      issue(at(redirectField), `must not be set together with ${serviceField}: set one of ${choices}`);
    }
    if (d.routeAction !== undefined) {
      issue(
        at(redirectField),
        `must not be set together with ${actionField}: a redirect takes no route action`,
      );
    }
  } else if (d.service !== undefined && weighted.length > 0) {
    issue(at(wbsField), `must not be set together with ${serviceField}: set one of ${choices}`);
  } else if (d.service === undefined && weighted.length === 0) {
    if (d.location === '') {
      issue(serviceField, `is required: a URL map needs a default, so set one of ${choices}`);
    } else if (d.fields === DEFAULT_FIELDS) {
      issue(d.location, `needs a default: set one of ${choices}`);
    } else {
      issue(d.location, `needs a destination: set one of ${choices}`);
    }
  }
  if (d.routeAction !== undefined) {
    checkRouteAction(d.routeAction, at(actionField), d, issue);
  }
  if (d.urlRedirect?.pathRedirect !== undefined && d.urlRedirect.prefixRedirect !== undefined) {
    issue(at(`${redirectField}.prefixRedirect`), 'must not be set together with pathRedirect');
  }
}

function checkRouteAction(ra: RouteAction, at: string, d: Destination, issue: IssueFn): void {
  const weighted = ra.weightedBackendServices ?? [];
  if (weighted.length > 0 && weighted.every((w) => w.weight === 0)) {
    issue(
      `${at}.weightedBackendServices`,
      'weights must not all be 0: at least one backend service needs traffic',
    );
  }
  const rewrite = ra.urlRewrite;
  if (rewrite?.pathTemplateRewrite !== undefined) {
    const rewriteAt = `${at}.urlRewrite.pathTemplateRewrite`;
    if (rewrite.pathPrefixRewrite !== undefined) {
      issue(rewriteAt, 'must not be set together with pathPrefixRewrite');
    }
    const wanted = templateVariables(rewrite.pathTemplateRewrite);
    const matches = d.matchRules ?? [];
    if (matches.length === 0 || matches.some((mr) => mr.pathTemplateMatch === undefined)) {
      issue(rewriteAt, 'is only allowed in a route rule whose every matchRule uses pathTemplateMatch');
    } else {
      matches.forEach((mr) => {
        const have = new Set(templateVariables(mr.pathTemplateMatch!));
        for (const v of wanted) {
          if (!have.has(v)) {
            issue(
              rewriteAt,
              `uses {${v}}, which pathTemplateMatch '${mr.pathTemplateMatch}' does not capture`,
            );
          }
        }
      });
    }
  }
}

function checkMatchRule(mr: z.output<typeof matchRule>, at: string, issue: IssueFn): void {
  const kinds = (['prefixMatch', 'fullPathMatch', 'regexMatch', 'pathTemplateMatch'] as const).filter(
    (k) => mr[k] !== undefined,
  );
  if (kinds.length === 0) {
    issue(at, 'set exactly one of prefixMatch, fullPathMatch, regexMatch or pathTemplateMatch');
  }
  for (const extra of kinds.slice(1)) {
    issue(`${at}.${extra}`, `must not be set together with ${kinds[0]}: a match rule has one path match`);
  }
  mr.headerMatches?.forEach((h, k) => {
    const hAt = `${at}.headerMatches[${k}]`;
    const set = (
      ['exactMatch', 'prefixMatch', 'suffixMatch', 'regexMatch', 'presentMatch', 'rangeMatch'] as const
    ).filter((f) => h[f] !== undefined);
    if (set.length !== 1) {
      issue(
        hAt,
        `set exactly one of exactMatch, prefixMatch, suffixMatch, regexMatch, presentMatch or rangeMatch${set.length > 1 ? ` (has ${set.join(', ')})` : ''}`,
      );
    }
    if (h.rangeMatch !== undefined && h.rangeMatch.rangeStart >= h.rangeMatch.rangeEnd) {
      issue(
        `${hAt}.rangeMatch.rangeEnd`,
        `must be greater than rangeStart (${h.rangeMatch.rangeStart}): the range excludes its end`,
      );
    }
  });
  mr.queryParameterMatches?.forEach((q, k) => {
    const set = (['exactMatch', 'regexMatch', 'presentMatch'] as const).filter((f) => q[f] !== undefined);
    if (set.length !== 1) {
      issue(
        `${at}.queryParameterMatches[${k}]`,
        `set exactly one of exactMatch, regexMatch or presentMatch${set.length > 1 ? ` (has ${set.join(', ')})` : ''}`,
      );
    }
  });
}

function checkUrlMap(m: UrlMap, issue: IssueFn): void {
  for (const d of destinations(m)) {
    checkDestination(d, issue);
  }

  const matcherIndex = new Map<string, number>();
  m.pathMatchers?.forEach((pm, i) => {
    const at = `pathMatchers[${i}]`;
    const first = matcherIndex.get(pm.name);
    if (first !== undefined) {
      issue(`${at}.name`, `must be unique: '${pm.name}' is also the name of pathMatchers[${first}]`);
    } else {
      matcherIndex.set(pm.name, i);
    }

    if (
      pm.pathRules !== undefined &&
      pm.routeRules !== undefined &&
      pm.pathRules.length > 0 &&
      pm.routeRules.length > 0
    ) {
      issue(
        `${at}.routeRules`,
        'must not be set together with pathRules: a path matcher uses one or the other',
      );
    }

    const paths = new Map<string, string>();
    pm.pathRules?.forEach((r, j) => {
      r.paths.forEach((p, k) => {
        const where = `pathRules[${j}].paths[${k}]`;
        const other = paths.get(p);
        if (other !== undefined) {
          issue(`${at}.${where}`, `must appear in only one path rule: '${p}' is also ${other}`);
        } else {
          paths.set(p, where);
        }
      });
    });

    const priorities = new Map<number, number>();
    pm.routeRules?.forEach((r, j) => {
      const ruleAt = `${at}.routeRules[${j}]`;
      const other = priorities.get(r.priority);
      if (other !== undefined) {
        issue(
          `${ruleAt}.priority`,
          `must be unique within the path matcher: ${r.priority} is also used by routeRules[${other}]`,
        );
      } else {
        priorities.set(r.priority, j);
      }
      r.matchRules?.forEach((mr, k) => {
        checkMatchRule(mr, `${ruleAt}.matchRules[${k}]`, issue);
      });
    });
  });

  const hosts = new Map<string, string>();
  m.hostRules?.forEach((hr, i) => {
    const at = `hostRules[${i}]`;
    if (!matcherIndex.has(hr.pathMatcher)) {
      const known = [...matcherIndex.keys()];
      issue(
        `${at}.pathMatcher`,
        `'${hr.pathMatcher}' is not the name of a path matcher${known.length > 0 ? ` (have: ${known.join(', ')})` : ': pathMatchers is empty'}`,
      );
    }
    hr.hosts.forEach((h, k) => {
      const key = h.toLowerCase();
      const other = hosts.get(key);
      if (other !== undefined) {
        issue(`${at}.hosts[${k}]`, `must appear in only one host rule: '${h}' is also in ${other}`);
      } else {
        hosts.set(key, `${at}.hosts[${k}]`);
      }
    });
  });

  m.tests?.forEach((t, i) => {
    if (t.service !== undefined && t.expectedRedirectResponseCode !== undefined) {
      issue(
        `tests[${i}].expectedRedirectResponseCode`,
        'must not be set together with service: a test expects a service or a redirect',
      );
    }
    if (
      t.service === undefined &&
      t.expectedOutputUrl === undefined &&
      t.expectedRedirectResponseCode === undefined
    ) {
      issue(`tests[${i}]`, 'expects nothing: set service, expectedOutputUrl or expectedRedirectResponseCode');
    }
  });

  const bytes = Buffer.byteLength(JSON.stringify(m), 'utf8');
  if (bytes > URL_MAP_MAX_BYTES) {
    issue(
      '',
      `the URL map is ${bytes} bytes serialized; the limit is ${URL_MAP_MAX_BYTES} bytes (524 KB): split it or shorten it`,
    );
  }
}

export const urlMapKind: KindSpec<UrlMap> = {
  collection: 'urlMaps',
  kind: 'compute#urlMap',
  scope: 'global',
  fingerprint: true,
  schema,
  outputOnly: ['region'],
  refs(m) {
    const out = serviceSlots(m);
    m.tests?.forEach((t, i) => {
      if (t.service === undefined) {
        return;
      }
      out.push({
        location: `tests[${i}].service`,
        accepted: ['backendServices'],
        value: t.service,
        set: (v) => {
          t.service = v;
        },
      });
    });
    return out;
  },
  check(m, ctx) {
    checkUrlMap(m, ctx.issue.bind(ctx));
  },
};

const PROXYLESS = 'is not supported by proxyless gRPC clients';

/**
 * What a URL map must not use when a target gRPC proxy with validateForProxyless serves it;
 * locations are relative to the URL map body. Besides the features Traffic Director lists
 * (timeout, urlRewrite, requestMirrorPolicy, headerAction at any level, metadataFilters in
 * matchRules, tests, `*` hosts), redirects and corsPolicy are reported too: the Compute API
 * documents them as unsupported behind a target gRPC proxy.
 */
export function proxylessUrlMapIssues(urlMap: UrlMap): Issue[] {
  const issues: Issue[] = [];
  const issue = (location: string, message: string) => issues.push({ location, message });
  if (urlMap.headerAction !== undefined) {
    issue('headerAction', PROXYLESS);
  }
  for (const d of destinations(urlMap)) {
    const at = (field: string) => joinPath(d.location, field);
    if (d.urlRedirect !== undefined) {
      issue(at(d.fields.urlRedirect), `${PROXYLESS}: gRPC clients cannot follow redirects`);
    }
    const ra = d.routeAction;
    if (ra !== undefined) {
      const raAt = at(d.fields.routeAction);
      if (ra.timeout !== undefined) {
        issue(`${raAt}.timeout`, `${PROXYLESS}: use maxStreamDuration`);
      }
      if (ra.urlRewrite !== undefined) {
        issue(`${raAt}.urlRewrite`, PROXYLESS);
      }
      if (ra.requestMirrorPolicy !== undefined) {
        issue(`${raAt}.requestMirrorPolicy`, PROXYLESS);
      }
      if (ra.corsPolicy !== undefined) {
        issue(`${raAt}.corsPolicy`, PROXYLESS);
      }
      ra.weightedBackendServices?.forEach((w, k) => {
        if (w.headerAction !== undefined) {
          issue(`${raAt}.weightedBackendServices[${k}].headerAction`, PROXYLESS);
        }
      });
    }
    d.matchRules?.forEach((mr, k) => {
      if (mr.metadataFilters !== undefined) {
        issue(at(`matchRules[${k}].metadataFilters`), PROXYLESS);
      }
    });
  }
  urlMap.pathMatchers?.forEach((pm, i) => {
    if (pm.headerAction !== undefined) {
      issue(`pathMatchers[${i}].headerAction`, PROXYLESS);
    }
    pm.routeRules?.forEach((r, j) => {
      if (r.headerAction !== undefined) {
        issue(`pathMatchers[${i}].routeRules[${j}].headerAction`, PROXYLESS);
      }
    });
  });
  urlMap.hostRules?.forEach((hr, i) => {
    hr.hosts.forEach((h, k) => {
      if (h === '*' || h.startsWith('*:')) {
        issue(
          `hostRules[${i}].hosts[${k}]`,
          `${PROXYLESS}: name the host gRPC clients use in their target URI`,
        );
      }
    });
  });
  if (urlMap.tests !== undefined) {
    issue('tests', PROXYLESS);
  }
  return issues;
}

/**
 * Why a pattern is not valid RE2, or undefined. An approximation: the pattern is rewritten
 * from RE2 syntax to a JavaScript `u` RegExp (`(?P<n>`, `\A`, `\z`, `\pL`, `\Q…\E`, inline
 * flags, escaped punctuation, literal braces, POSIX classes) and compiled; lookaround and
 * backreferences, which RE2 lacks, are rejected, as are repeat counts over 1000.
 */
export function re2Problem(pattern: string): string | undefined {
  let js = '';
  let inClass = false;
  const SYNTAX = '^$\\.*+?()[]{}|/';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) {
        return 'must not end with a lone backslash';
      }
      i++;
      // As in RE2: \1..\9 alone are backreferences (unsupported); \0, or a digit followed by
      // octal digits, is an octal character code.
      if (/[1-9]/.test(n) && !/[0-7]/.test(pattern[i + 1] ?? '')) {
        return `uses a backreference (\\${n}), which RE2 does not support`;
      }
      if (n === 'k') {
        return 'uses a named backreference (\\k), which RE2 does not support';
      }
      if (n === 'A' && !inClass) {
        js += '^';
      } else if (n === 'z' && !inClass) {
        js += '$';
      } else if (n === 'a') {
        js += '\\x07';
      } else if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 1);
        const literal = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
        js += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
      } else if (n === 'x' && pattern[i + 1] === '{') {
        const hex = /^\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 1));
        if (!hex) {
          return 'has an invalid \\x{…} escape: use 1 to 6 hex digits';
        }
        js += `\\u${hex[0]}`;
        i += hex[0].length;
      } else if (n === 'p' || n === 'P') {
        const braced = /^\{\^?([A-Za-z_]+)\}/.exec(pattern.slice(i + 1));
        const single = /^[A-Za-z]/.exec(pattern.slice(i + 1));
        const prop = braced?.[1] ?? single?.[0];
        if (prop === undefined) {
          return `has an invalid Unicode class escape (\\${n})`;
        }
        const negate = braced?.[0].startsWith('{^') === true ? (n === 'p' ? 'P' : 'p') : n;
        js += unicodeClass(negate, prop);
        i += braced ? braced[0].length : 1;
      } else if (/[0-7]/.test(n) && (n === '0' || /[0-7]/.test(pattern[i + 1] ?? ''))) {
        const octal = /^[0-7]{1,3}/.exec(pattern.slice(i))![0];
        js += `\\u{${Number.parseInt(octal, 8).toString(16)}}`;
        i += octal.length - 1;
      } else if (/[A-Za-z0-9]/.test(n) || SYNTAX.includes(n) || (inClass && n === '-')) {
        js += `\\${n}`;
      } else {
        js += n;
      }
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      if (posix) {
        js += 'a-z';
        i += posix[0].length - 1;
      } else {
        if (c === ']') {
          inClass = false;
        }
        js += c === '[' ? '\\[' : c;
      }
      continue;
    }
    if (c === '[') {
      inClass = true;
      js += '[';
      if (pattern[i + 1] === '^') {
        js += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        js += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) {
        return 'uses lookaround ((?=, (?!, (?<=, (?<!), which RE2 does not support';
      }
      if (rest.startsWith('P<')) {
        js += '(?<';
        i += 3;
        continue;
      }
      const flags = /^[imsU-]*([:)])/.exec(rest);
      if (flags && flags[0].length > 1) {
        if (flags[1] === ':') {
          js += '(?:';
        }
        i += 1 + flags[0].length;
        continue;
      }
    }
    if (c === '{') {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rep) {
        if (Number(rep[1]) > 1000 || (rep[3] !== undefined && rep[3] !== '' && Number(rep[3]) > 1000)) {
          return `repeats more than RE2's limit of 1000 (${rep[0]})`;
        }
        js += rep[0];
        i += rep[0].length - 1;
      } else {
        js += '\\{';
      }
      continue;
    }
    js += c === '}' || c === ']' ? `\\${c}` : c;
  }
  try {
    new RegExp(js, 'u');
    return undefined;
  } catch (err) {
    const detail =
      err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/u?: /, '') : String(err);
    return `is not a valid regular expression: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`;
  }
}

function unicodeClass(p: string, prop: string): string {
  const plain = `\\${p}{${prop}}`;
  try {
    new RegExp(plain, 'u');
    return plain;
  } catch {
    return `\\${p}{Script=${prop}}`;
  }
}

const VARIABLE = /\{([^{}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The variable names a path template or a template rewrite uses, in order. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((m) => (m[1] ?? '').split('=')[0]!);
}

/**
 * Why a pathTemplateMatch is invalid, or undefined. Templates are `/`-separated segments,
 * each a literal, `*` (one segment), `**` (the rest; last only), or a variable `{name}`,
 * `{name=*}`, `{name=**}` or `{name=literal/*}`: at most 5 variables and 5 operators.
 */
export function pathTemplateProblem(template: string): string | undefined {
  if (!template.startsWith('/')) {
    return "must start with '/'";
  }
  const names = new Set<string>();
  let flattened = '';
  let last = 0;
  for (const m of template.matchAll(VARIABLE)) {
    const index = m.index ?? 0;
    flattened += template.slice(last, index);
    last = index + m[0].length;
    const [varName, ...rest] = (m[1] ?? '').split('=');
    if (!VARIABLE_NAME.test(varName ?? '')) {
      return `'{${m[1]}}': variable names start with a letter: letters, digits and _`;
    }
    if (names.has(varName!)) {
      return `uses the variable {${varName}} twice`;
    }
    names.add(varName!);
    if (template[index - 1] !== '/' || (last < template.length && template[last] !== '/')) {
      return `'{${m[1]}}': a variable must span whole path segments`;
    }
    const inner = rest.length > 0 ? rest.join('=') : '*';
    if (inner === '') {
      return `'{${m[1]}}': the variable's pattern is empty`;
    }
    flattened += inner;
  }
  flattened += template.slice(last);
  if (/[{}]/.test(flattened)) {
    return "has an unbalanced '{' or '}'";
  }
  if (names.size > 5) {
    return `captures ${names.size} variables: at most 5`;
  }
  const segments = flattened.slice(1).split('/');
  let operators = 0;
  for (const [k, seg] of segments.entries()) {
    if (seg === '*' || seg === '**') {
      operators++;
      if (seg === '**' && k !== segments.length - 1) {
        return "may use '**' only in its last segment";
      }
    } else if (seg.includes('*')) {
      return `segment '${seg}': '*' and '**' must stand alone in a segment`;
    } else if (seg === '' && !(segments.length === 1 || k === segments.length - 1)) {
      return 'has an empty path segment (//)';
    }
  }
  if (operators > 5) {
    return `uses ${operators} wildcard operators: at most 5`;
  }
  return undefined;
}
