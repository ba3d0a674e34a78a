// Reading admin and bootstrap JSON whatever its field-name style: Envoy prints proto field
// names (snake_case), protojson and istioctl print JSON names (camelCase).

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The field under its snake_case name or its camelCase name. */
export function get(o: unknown, snake: string): unknown {
  if (!isObj(o)) return undefined;
  return snake in o ? o[snake] : o[camel(snake)];
}

export function obj(o: unknown, snake: string): Obj | undefined {
  const v = get(o, snake);
  return isObj(v) ? v : undefined;
}

export function arr(o: unknown, snake: string): unknown[] {
  const v = get(o, snake);
  return Array.isArray(v) ? v : [];
}

export function str(o: unknown, snake: string): string | undefined {
  const v = get(o, snake);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Numbers may arrive as JSON strings (uint64/int64 in proto3 JSON). */
export function num(o: unknown, snake: string): number | undefined {
  const v = get(o, snake);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
