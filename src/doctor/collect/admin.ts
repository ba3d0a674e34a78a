// Envoy's admin API on the node: /server_info (version, state) and /config_dump with EDS.
import type { FileText } from '../evidence.js';
import { errorText } from './options.js';

const TIMEOUT_MS = 3000;

async function get(base: string, path: string): Promise<FileText> {
  const url = `${base}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new Error(`GET ${url}: ${cause ?? errorText(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.trim().slice(0, 200)}`);
  return { source: url, text };
}

export interface AdminView {
  serverInfo?: FileText;
  configDump?: FileText;
  error?: string;
}

/** Reads what was not given as a file; the first failure is the admin error. */
export async function readAdmin(
  address: string,
  want: { serverInfo: boolean; configDump: boolean },
): Promise<AdminView> {
  const base = `http://${address}`;
  const out: AdminView = {};
  try {
    if (want.serverInfo) out.serverInfo = await get(base, '/server_info');
    if (want.configDump) out.configDump = await get(base, '/config_dump?include_eds');
  } catch (err) {
    out.error = errorText(err);
  }
  return out;
}
