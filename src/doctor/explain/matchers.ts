// Envoy's route matchers evaluated against one request: path (prefix, path, safe_regex,
// path_separated_prefix), case sensitivity, headers (legacy oneofs and string_match, with
// invert_match), query parameters. Each answers whether it matched and, if not, why.
import type {
  HeaderMatcher,
  QueryParameterMatcher,
  RouteMatch,
} from '../../gen/envoy/config/route/v3/route_components_pb.js';
import type { StringMatcher } from '../../gen/envoy/type/matcher/v3/string_pb.js';
import { compileRe2 } from './regex.js';
import { type ExplainRequest, queryParams } from './request.js';

export interface MatchResult {
  ok: boolean;
  /** Why it did not match (or could not be evaluated); for a match, what matched. */
  why: string;
  /** Caveats of evaluating here rather than in the proxy (RE2 vs JS). */
  notes?: string[];
}

const yes = (why: string, notes: string[] = []): MatchResult => ({ ok: true, why, ...noted(notes) });
const no = (why: string, notes: string[] = []): MatchResult => ({ ok: false, why, ...noted(notes) });
const noted = (notes: string[]) => (notes.length > 0 ? { notes } : {});

/** Whether `match` selects `req`: every condition must hold (Envoy's AND). */
export function evaluateRouteMatch(match: RouteMatch | undefined, req: ExplainRequest): MatchResult {
  if (match === undefined) return yes('no match conditions');
  const notes: string[] = [];
  const path = pathMatch(match, req.path, notes);
  if (!path.ok) return no(path.why, notes);
  const parts = [path.why];
  for (const h of match.headers) {
    const r = evaluateHeader(h, req.headers);
    notes.push(...(r.notes ?? []));
    if (!r.ok) return no(r.why, notes);
    parts.push(r.why);
  }
  const query = queryParams(req.query);
  for (const q of match.queryParameters) {
    const r = evaluateQuery(q, query);
    notes.push(...(r.notes ?? []));
    if (!r.ok) return no(r.why, notes);
    parts.push(r.why);
  }
  return yes(parts.join('; '), notes);
}

function pathMatch(match: RouteMatch, path: string, notes: string[]): MatchResult {
  const sensitive = match.caseSensitive ?? true;
  const fold = (s: string) => (sensitive ? s : s.toLowerCase());
  const how = sensitive ? '' : ' (ignoring case)';
  const spec = match.pathSpecifier;
  switch (spec.case) {
    case 'prefix':
      if (spec.value === '') return yes('any path (prefix "")');
      return fold(path).startsWith(fold(spec.value))
        ? yes(`path starts with "${spec.value}"${how}`)
        : no(`path "${path}" does not start with "${spec.value}"${how}`);
    case 'path':
      return fold(path) === fold(spec.value)
        ? yes(`path is "${spec.value}"${how}`)
        : no(`path "${path}" is not "${spec.value}"${how}`);
    case 'pathSeparatedPrefix': {
      const p = fold(path);
      const v = fold(spec.value);
      return p === v || p.startsWith(`${v}/`)
        ? yes(`path is under "${spec.value}"${how}`)
        : no(`path "${path}" is not "${spec.value}" or under it${how}`);
    }
    case 'safeRegex': {
      // case_sensitive does not apply to regexes in Envoy.
      const c = compileRe2(spec.value.regex);
      if (!c.ok) return no(c.why);
      if (c.note !== undefined) notes.push(c.note);
      return c.re.test(path)
        ? yes(`path matches regex "${spec.value.regex}"`)
        : no(`path "${path}" does not match regex "${spec.value.regex}"`);
    }
    default:
      return no(`path matcher ${spec.case ?? '(none)'} is not evaluated by vane explain`);
  }
}

/** One header matcher; `headers` has lower-case names. */
export function evaluateHeader(h: HeaderMatcher, headers: Readonly<Record<string, string>>): MatchResult {
  const name = h.name.toLowerCase();
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  const spec = h.headerMatchSpecifier;
  const inv = h.invertMatch;
  const label = `header ${h.name}`;
  if (spec.case === 'presentMatch') {
    const want = spec.value !== inv;
    const present = value !== undefined;
    return present === want
      ? yes(`${label} is ${present ? 'present' : 'absent'}`)
      : no(`${label} is ${present ? 'present' : 'missing'} but must be ${want ? 'present' : 'absent'}`);
  }
  if (value === undefined && !h.treatMissingHeaderAsEmpty) {
    // Envoy: a missing header fails every value matcher, inverted or not.
    return no(`${label} is missing (needs ${describeHeader(h)})`);
  }
  const v = value ?? '';
  const notes: string[] = [];
  const raw = headerValueMatch(h, v, notes);
  if (raw === undefined)
    return no(`${label}: matcher ${spec.case ?? '(none)'} is not evaluated by vane explain`);
  if (typeof raw === 'string') return no(raw, notes);
  const ok = raw !== inv;
  return ok
    ? yes(`${label} "${v}" ${describeHeader(h)}`, notes)
    : no(`${label} is "${v}", needs ${describeHeader(h)}`, notes);
}

/** The raw (pre-invert) result, a string when it cannot be evaluated, undefined when unknown. */
function headerValueMatch(h: HeaderMatcher, v: string, notes: string[]): boolean | string | undefined {
  const spec = h.headerMatchSpecifier;
  switch (spec.case) {
    case 'exactMatch':
      return v === spec.value;
    case 'prefixMatch':
      return v.startsWith(spec.value);
    case 'suffixMatch':
      return v.endsWith(spec.value);
    case 'containsMatch':
      return v.includes(spec.value);
    case 'safeRegexMatch': {
      const c = compileRe2(spec.value.regex);
      if (!c.ok) return c.why;
      if (c.note !== undefined) notes.push(c.note);
      return c.re.test(v);
    }
    case 'rangeMatch': {
      // Envoy parses the value as a base-10 int64; anything else does not match.
      if (!/^[-+]?\d+$/.test(v)) return false;
      const n = BigInt(v);
      return n >= spec.value.start && n < spec.value.end;
    }
    case 'stringMatch': {
      const r = stringMatch(spec.value, v, notes);
      return r;
    }
    default:
      return undefined;
  }
}

/** `= "v2"`, `starts with "x"`, … with `not` for invert_match. */
export function describeHeader(h: HeaderMatcher): string {
  const spec = h.headerMatchSpecifier;
  const not = h.invertMatch ? 'not ' : '';
  switch (spec.case) {
    case 'exactMatch':
      return `${not}= "${spec.value}"`;
    case 'prefixMatch':
      return `${not}starting with "${spec.value}"`;
    case 'suffixMatch':
      return `${not}ending with "${spec.value}"`;
    case 'containsMatch':
      return `${not}containing "${spec.value}"`;
    case 'safeRegexMatch':
      return `${not}matching regex "${spec.value.regex}"`;
    case 'rangeMatch':
      return `${not}in [${spec.value.start}, ${spec.value.end})`;
    case 'presentMatch':
      return spec.value !== h.invertMatch ? 'present' : 'absent';
    case 'stringMatch':
      return `${not}${describeString(spec.value)}`;
    default:
      return '(unknown matcher)';
  }
}

function describeString(m: StringMatcher): string {
  const p = m.matchPattern;
  const ic = m.ignoreCase ? ' (ignoring case)' : '';
  switch (p.case) {
    case 'exact':
      return `= "${p.value}"${ic}`;
    case 'prefix':
      return `starting with "${p.value}"${ic}`;
    case 'suffix':
      return `ending with "${p.value}"${ic}`;
    case 'contains':
      return `containing "${p.value}"${ic}`;
    case 'safeRegex':
      return `matching regex "${p.value.regex}"`;
    default:
      return '(unknown string matcher)';
  }
}

/** envoy.type.matcher.v3.StringMatcher; a string when it cannot be evaluated. */
export function stringMatch(m: StringMatcher, v: string, notes: string[]): boolean | string {
  const p = m.matchPattern;
  const fold = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  switch (p.case) {
    case 'exact':
      return fold(v) === fold(p.value);
    case 'prefix':
      return fold(v).startsWith(fold(p.value));
    case 'suffix':
      return fold(v).endsWith(fold(p.value));
    case 'contains':
      return fold(v).includes(fold(p.value));
    case 'safeRegex': {
      const c = compileRe2(p.value.regex);
      if (!c.ok) return c.why;
      if (c.note !== undefined) notes.push(c.note);
      return c.re.test(v);
    }
    default:
      return `string matcher ${p.case ?? '(none)'} is not evaluated by vane explain`;
  }
}

export function evaluateQuery(q: QueryParameterMatcher, params: ReadonlyMap<string, string>): MatchResult {
  const value = params.get(q.name);
  const label = `query parameter ${q.name}`;
  const spec = q.queryParameterMatchSpecifier;
  if (spec.case === 'presentMatch') {
    return value !== undefined ? yes(`${label} is present`) : no(`${label} is missing`);
  }
  if (value === undefined) return no(`${label} is missing`);
  if (spec.case !== 'stringMatch') return no(`${label}: no matcher`);
  const notes: string[] = [];
  const r = stringMatch(spec.value, value, notes);
  if (typeof r === 'string') return no(r, notes);
  return r
    ? yes(`${label} "${value}" ${describeString(spec.value)}`, notes)
    : no(`${label} is "${value}", needs ${describeString(spec.value)}`, notes);
}

/** A one-line summary of a route's conditions, for traces. */
export function describeMatch(match: RouteMatch | undefined): string {
  if (match === undefined) return 'any request';
  const parts: string[] = [];
  const s = match.pathSpecifier;
  const ic = match.caseSensitive === false ? ' (ignoring case)' : '';
  if (s.case === 'prefix') parts.push(s.value === '' ? 'any path' : `prefix "${s.value}"${ic}`);
  else if (s.case === 'path') parts.push(`path "${s.value}"${ic}`);
  else if (s.case === 'safeRegex') parts.push(`regex "${s.value.regex}"`);
  else if (s.case === 'pathSeparatedPrefix') parts.push(`under "${s.value}"${ic}`);
  for (const h of match.headers) parts.push(`header ${h.name} ${describeHeader(h)}`);
  for (const q of match.queryParameters) {
    const spec = q.queryParameterMatchSpecifier;
    parts.push(
      `query ${q.name} ${spec.case === 'stringMatch' ? describeString(spec.value) : spec.case === 'presentMatch' ? 'present' : ''}`,
    );
  }
  return parts.join(', ');
}
