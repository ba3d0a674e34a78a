/** Formats a path like ['pathMatchers', 0, 'routeRules', 2] as `pathMatchers[0].routeRules[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function joinPath(base: string, child: string): string {
  if (base === '') return child;
  if (child === '') return base;
  return child.startsWith('[') ? base + child : `${base}.${child}`;
}
