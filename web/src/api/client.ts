/** One problem the API reported, with the field path it concerns (`pathMatchers[0].priority`). */
export interface FieldError {
  reason?: string;
  message: string;
  location?: string;
}

/** An error response in the Compute API's shape, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'vane.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Listeners told when the API says the token is no longer valid (401). */
const unauthorized = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

/** Calls the API with the signed-in token; resolves to the JSON body or throws ApiError. */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  token = storedToken(),
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, `Cannot reach the Vane server: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `The server answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const e = (json as { error?: { message?: string; errors?: FieldError[] } }).error;
    if (res.status === 401 && token === storedToken()) for (const fn of unauthorized) fn();
    throw new ApiError(res.status, e?.message ?? `HTTP ${res.status}`, e?.errors ?? []);
  }
  return json as T;
}

export const enc = encodeURIComponent;

/** `/compute/v1/projects/P/global/C[/NAME]` or the zonal form. */
export function computePath(project: string, collection: string, name?: string, zone?: string): string {
  const scope = zone === undefined ? 'global' : `zones/${enc(zone)}`;
  return `/compute/v1/projects/${enc(project)}/${scope}/${collection}${name === undefined ? '' : `/${enc(name)}`}`;
}
