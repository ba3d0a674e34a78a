import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, EXIT_FAILURE } from './errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
export const DEFAULT_DATA_DIR = './.vane';
/** Where `vane serve` saves the admin token it generates (see src/server/admin-token.ts). */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** The options every client command takes (on the program, before or after the command). */
export interface GlobalOptions {
  server?: string;
  token?: string;
  project?: string;
  dataDir?: string;
  output?: OutputFormat;
}

export type OutputFormat = 'json' | 'yaml' | 'table';

export interface ClientConfig {
  server: string;
  token?: string;
  /** Where the token came from, for messages: `--token`, `VANE_TOKEN`, or the file's path. */
  tokenSource: string;
}

type Env = Record<string, string | undefined>;

/**
 * Resolves the server URL and the token:
 * `--server` > `VANE_SERVER` > http://127.0.0.1:8080, and
 * `--token` > `VANE_TOKEN` > `<data-dir>/admin-token` (`--data-dir` > `VANE_DATA_DIR` > ./.vane).
 */
export function resolveConfig(opts: GlobalOptions, env: Env = process.env): ClientConfig {
  const server = (opts.server ?? nonEmpty(env.VANE_SERVER) ?? DEFAULT_SERVER).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(server)) {
    throw new CliError(`'${server}' is not a server URL: use http://HOST:PORT or https://HOST`, 2);
  }
  if (opts.token !== undefined) return { server, token: opts.token, tokenSource: '--token' };
  const fromEnv = nonEmpty(env.VANE_TOKEN);
  if (fromEnv !== undefined) return { server, token: fromEnv, tokenSource: 'VANE_TOKEN' };
  const file = join(
    resolve(opts.dataDir ?? nonEmpty(env.VANE_DATA_DIR) ?? DEFAULT_DATA_DIR),
    ADMIN_TOKEN_FILE,
  );
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token !== '') return { server, token, tokenSource: file };
  } catch {
    // No token file: requests go without a token and the 401 explains where we looked.
  }
  return { server, tokenSource: `none (no --token, no VANE_TOKEN, and no ${file})` };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** One problem the server reported, in the Compute API's error shape. */
export interface ServerErrorItem {
  reason?: string;
  message?: string;
  location?: string;
}

/** A non-2xx answer from the server. */
export class ApiRequestError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly serverMessage: string,
    readonly items: ServerErrorItem[],
  ) {
    super(message, EXIT_FAILURE);
  }
}

/**
 * Formats a server error: its message, then one line per item that adds something
 * (`  at <location>: <message>`). `mapText` rewrites request-relative text (apply uses it to
 * turn `resources[3]` into a file and document).
 */
export function formatServerError(
  message: string,
  items: readonly ServerErrorItem[],
  mapText: (s: string) => string = (s) => s,
): string {
  const lines = [mapText(message)];
  for (const item of items) {
    const text = mapText(item.message ?? item.reason ?? '');
    if (item.location) lines.push(`  at ${mapText(item.location)}: ${text}`);
    else if (text !== '' && text !== lines[0]) lines.push(`  ${text}`);
  }
  return lines.join('\n');
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Rewrites locations and messages of a failed request (see formatServerError). */
  mapText?: (s: string) => string;
}

/** A small client for Vane's REST API: JSON in, JSON out, errors as CliErrors. */
export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.token !== undefined) headers.authorization = `Bearer ${this.config.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      throw new CliError(this.unreachable(err));
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      if (res.ok)
        throw new CliError(
          `the server at ${this.config.server} answered ${method} ${path} with something that is not JSON`,
        );
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    throw this.failure(res.status, parsed, text, opts.mapText);
  }

  private unreachable(err: unknown): string {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code;
    const where = `the Vane server at ${this.config.server}`;
    if (code === 'ECONNREFUSED') {
      return `cannot connect to ${where} (connection refused). Is it running? Start one with 'vane serve', or point --server / VANE_SERVER at a running server.`;
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return `cannot resolve the host of ${where} (${code}); check --server / VANE_SERVER.`;
    if ((err as Error).name === 'TimeoutError') return `${where} did not answer within 120 seconds.`;
    return `cannot reach ${where}: ${cause?.message ?? (err as Error).message}`;
  }

  private failure(
    status: number,
    parsed: unknown,
    text: string,
    mapText?: (s: string) => string,
  ): ApiRequestError {
    const error = (parsed as { error?: { message?: unknown; errors?: unknown } } | undefined)?.error;
    const serverMessage =
      typeof error?.message === 'string'
        ? error.message
        : text.trim() === ''
          ? `HTTP ${status}`
          : text.trim().slice(0, 500);
    const items = Array.isArray(error?.errors) ? (error.errors as ServerErrorItem[]) : [];
    let message = formatServerError(serverMessage, items, mapText);
    const source = this.config.tokenSource;
    if (status === 401) {
      message =
        this.config.token === undefined
          ? `the server requires a token, and none was found: pass --token, set VANE_TOKEN, or use --data-dir / VANE_DATA_DIR to point at the server's data directory (its admin-token file). Token source: ${source}.\n${message}`
          : `the server rejected the token from ${source}: it is unknown or revoked (or belongs to another server).\n${message}`;
    } else if (status === 403) {
      message = `the token from ${source} is not allowed to do this.\n${message}`;
    }
    return new ApiRequestError(message, status, serverMessage, items);
  }
}
