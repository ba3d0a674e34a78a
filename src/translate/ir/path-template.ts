// Path templates (pathTemplateMatch / pathTemplateRewrite) as RE2: a template becomes a
// safe_regex match with one capture group per variable, and a template rewrite becomes a
// regex_rewrite substitution over those groups. Works for sidecars and proxyless clients
// alike (both match safe_regex against the whole path).
//
// `*` is one segment (`[^/]+`); `**` is the rest of the path (`.*`, so `/a/**` matches `/a/`
// and below, not `/a` itself); `{v}` = `{v=*}`; `{v=**}` and `{v=lit/*}` capture their pattern.

export interface CompiledTemplate {
  regex: string;
  /** Variable names in capture-group order. */
  variables: string[];
}

const VARIABLE = /\{([^{}]*)\}/g;

function escapeRe2(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** `/`-separated segments with `*` and `**` operators → RE2. */
function segments(text: string): string {
  return text
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg === '*' ? '[^/]+' : escapeRe2(seg)))
    .join('/');
}

export function compilePathTemplate(template: string): CompiledTemplate {
  const variables: string[] = [];
  let regex = '';
  let last = 0;
  for (const m of template.matchAll(VARIABLE)) {
    const index = m.index ?? 0;
    regex += segments(template.slice(last, index));
    last = index + m[0].length;
    const [name = '', ...rest] = (m[1] ?? '').split('=');
    variables.push(name);
    regex += `(${segments(rest.length > 0 ? rest.join('=') : '*')})`;
  }
  regex += segments(template.slice(last));
  return { regex, variables };
}

/**
 * The regex_rewrite substitution for a template rewrite, or the variable it names that the
 * match does not capture.
 */
export function templateSubstitution(
  rewrite: string,
  variables: readonly string[],
): { substitution: string } | { missing: string } {
  let substitution = '';
  let last = 0;
  for (const m of rewrite.matchAll(VARIABLE)) {
    const index = m.index ?? 0;
    substitution += rewrite.slice(last, index).replaceAll('\\', '\\\\');
    last = index + m[0].length;
    const group = variables.indexOf(m[1] ?? '');
    if (group < 0) return { missing: m[1] ?? '' };
    substitution += `\\${group + 1}`;
  }
  substitution += rewrite.slice(last).replaceAll('\\', '\\\\');
  return { substitution };
}
