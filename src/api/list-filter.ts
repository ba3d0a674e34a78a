import { ApiError } from './errors.js';

/**
 * The Compute API's list `filter`: comparisons `FIELD OP VALUE` joined by spaces or AND,
 * optionally parenthesised. OP is `=`, `!=`, `:` (`*` wildcard), or `eq` / `ne` (RE2-style
 * full-match regular expressions, as older gcloud versions send). FIELD is a top-level field.
 */
export type Predicate = (resource: Record<string, unknown>) => boolean;

const TERM =
  /^\s*\(?\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|=|:|\beq\b|\bne\b)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()]+)\s*\)?\s*(?:\bAND\b\s*)?/;

export function parseFilter(filter: string | undefined): Predicate {
  if (filter === undefined || filter.trim() === '') return () => true;
  const terms: Predicate[] = [];
  let rest = filter;
  while (rest.trim() !== '') {
    const m = TERM.exec(rest);
    if (!m) throw badFilter(filter, `cannot parse '${rest.trim()}'`);
    const [whole, field, op, rawValue] = m as unknown as [string, string, string, string];
    terms.push(term(filter, field, op, unquote(rawValue)));
    rest = rest.slice(whole.length);
  }
  return (resource) => terms.every((t) => t(resource));
}

function term(filter: string, field: string, op: string, value: string): Predicate {
  const get = (r: Record<string, unknown>) => {
    let cur: unknown = r;
    for (const part of field.split('.'))
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    return cur === undefined || cur === null
      ? ''
      : typeof cur === 'object'
        ? JSON.stringify(cur)
        : String(cur);
  };
  switch (op) {
    case '=':
      return (r) => get(r) === value;
    case '!=':
      return (r) => get(r) !== value;
    case ':': {
      const re = new RegExp(`^${value.split('*').map(escapeRegExp).join('.*')}$`);
      return (r) => re.test(get(r));
    }
    default: {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${value})$`);
      } catch {
        throw badFilter(filter, `'${value}' is not a valid regular expression`);
      }
      return op === 'eq' ? (r) => re.test(get(r)) : (r) => !re.test(get(r));
    }
  }
}

function unquote(v: string): string {
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
    return v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return v;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function badFilter(filter: string, why: string): ApiError {
  return new ApiError(400, `Invalid list filter expression '${filter}': ${why}`, [
    { reason: 'invalid', message: `Invalid list filter expression: ${why}`, location: 'filter' },
  ]);
}
