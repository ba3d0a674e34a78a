// What `vane doctor` looks at on a node. Collectors fill it from the live machine (processes,
// Envoy's admin API, iptables, files, Vane's API, an xDS probe) or from files and support
// bundles; checks turn it into findings without any I/O. Every field is optional: a check
// whose input is missing reports nothing (or says what it could not see), never guesses.

export interface FileText {
  /** Where it came from: a path, a URL or a command line (shown in evidence). */
  source: string;
  text: string;
}

export interface ProcessInfo {
  pid: number;
  uid: number;
  /** argv joined with spaces. */
  cmdline: string;
}

export interface StatInfo {
  uid: number;
  gid: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  isDirectory: boolean;
}

/** A step of reaching Vane's xDS server, in order; the first that failed explains the rest. */
export interface XdsProbe {
  /** `host:port` as written in the bootstrap. */
  address: string;
  dns?: { ok: true; addresses: string[] } | { ok: false; error: string };
  tcp?: { ok: true } | { ok: false; error: string };
  /**
   * An ADS request with the bootstrap's node: the stream's outcome. `code` is the gRPC status
   * code when the stream closed with an error (5 NOT_FOUND, 7 PERMISSION_DENIED, 14 …).
   */
  ads?: { ok: true; resources: number } | { ok: false; code: number; message: string };
}

export interface ControlPlaneView {
  apiUrl: string;
  /** Set when the REST API could not be used (unreachable, 401/403…). */
  error?: string;
  project?: { id: string; number: string };
  /** INTERNAL_SELF_MANAGED forwarding rules of the project, every network. */
  forwardingRules?: {
    name: string;
    network: string;
    IPAddress: string;
    port: number | undefined;
    target: string;
  }[];
  /** `GET …/networks/{net}/interceptionTargets` for the node's network and labels. */
  interceptionTargets?: { ip: string; port: number; forwardingRule: string }[];
  /** Whether Vane has a live xDS stream from this node id, and its NACKs. */
  proxy?: {
    connected: boolean;
    nacks: { typeUrl: string; message: string; resourceNames: string[] }[];
  };
}

export interface NodeEvidence {
  /** ISO time of collection: heartbeat ages are measured from it. */
  collectedAt: string;
  /** Sidecar (Envoy) or proxyless gRPC node. */
  mode: 'envoy' | 'grpc';
  /** The bootstrap file (Envoy YAML/JSON or gRPC JSON). */
  bootstrap?: FileText;
  /** Envoy processes found; an empty list means none runs. Undefined: not looked at. */
  processes?: ProcessInfo[];
  /** The user the proxy should run as (agent settings, sidecar.env ENVOY_USER), when known. */
  proxyUser?: { name: string; uid: number; gid: number };
  /** Admin `/server_info` JSON text. */
  serverInfo?: FileText;
  /** Admin `/config_dump` JSON text (snake_case or camelCase). */
  configDump?: FileText;
  /** Why the admin API could not be read (e.g. connection refused on 127.0.0.1:15000). */
  adminError?: string;
  /** `iptables-save` output (nat and filter tables). */
  iptablesSave?: FileText;
  /** `ip6tables-save` output, or the error that ip6tables printed. */
  ip6tablesSave?: FileText | { source: string; error: string };
  /** The access log path and what the file system says about it. */
  accessLog?: { path: string; stat?: StatInfo; dirStat?: StatInfo; error?: string };
  /** Guest attributes under `gce-service-proxy/` (key → value), read from Vane or a file. */
  guestAttributes?: { source: string; values: Record<string, string> };
  /** Proxy and agent logs: Envoy's err log, the agent's console log, `--log` files. */
  logs?: FileText[];
  /** A proxyless client's CSDS ClientStatusResponse, as JSON text. */
  csds?: FileText;
  xdsProbe?: XdsProbe;
  controlPlane?: ControlPlaneView;
  /** Inputs that could not be collected, with why (shown so that silence is not mistaken for health). */
  unavailable?: { input: string; why: string }[];
}
