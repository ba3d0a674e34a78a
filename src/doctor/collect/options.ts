// What `vane doctor` is told on its command line. A file given for an input replaces the live
// source of that input; everything else is looked for in the standard places.
export interface CollectOptions {
  /** Envoy's admin address, `host:port` (default 127.0.0.1:15000, or the agent's admin-port). */
  admin?: string;
  bootstrap?: string;
  agentConfig?: string;
  sidecarEnv?: string;
  /** Extra log files (`--log`, repeatable). */
  logs: string[];
  configDump?: string;
  serverInfo?: string;
  iptablesSave?: string;
  ip6tablesSave?: string;
  guestAttributes?: string;
  /** `HOST:PORT` of a proxyless client's admin (CSDS) server. */
  csds?: string;
  csdsFile?: string;
  /** Vane's REST API, token and project (global options; else from the agent settings). */
  server?: string;
  token?: string;
  project?: string;
  instance?: string;
  zone?: string;
  /** Forces the kind of node; otherwise the bootstrap (or --csds) tells. */
  mode?: 'envoy' | 'grpc';
  /** Skips the ADS probe (it opens a stream to Vane as this node). */
  noProbe?: boolean;
}

/** One input that could not be collected, and why. */
export interface Unavailable {
  input: string;
  why: string;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
