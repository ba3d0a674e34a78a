// The request to explain: `host:port/path?query` plus headers, as the proxy would see it.

export interface ExplainRequest {
  host: string;
  /** Absent when the target named none (proxyless: port 80). */
  port?: number;
  /** Path without the query string: what Envoy's path matchers see. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Lower-cased header names; several values of one header are joined with `,` (Envoy does too). */
  headers: Record<string, string>;
}

/** Parses `host[:port][/path][?query]`; throws with a message fit for a user. */
export function parseTarget(to: string, headers: Readonly<Record<string, string>> = {}): ExplainRequest {
  const m = /^(\[[^\]]+\]|[^/:?]+)(?::(\d+))?(\/[^?]*)?(?:\?(.*))?$/.exec(to.trim());
  if (m === null) throw new Error(`'${to}' is not HOST[:PORT][/PATH][?QUERY]`);
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`port ${port} is out of range`);
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    lower[name] = lower[name] === undefined ? v : `${lower[name]},${v}`;
  }
  return {
    host: m[1]!.toLowerCase(),
    ...(port === undefined ? {} : { port }),
    path: m[3] ?? '/',
    query: m[4] ?? '',
    headers: lower,
  };
}

/** `name:value` (as curl -H) → [name, value]. */
export function parseHeader(h: string): [string, string] {
  const i = h.indexOf(':', h.startsWith(':') ? 1 : 0);
  if (i <= 0) throw new Error(`header '${h}' is not NAME:VALUE`);
  return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
}

/** Query parameters in order; a name without `=` has the value ''. */
export function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const name = decode(i < 0 ? part : part.slice(0, i));
    // Envoy keeps the first value of a repeated parameter.
    if (!out.has(name)) out.set(name, i < 0 ? '' : decode(part.slice(i + 1)));
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}
