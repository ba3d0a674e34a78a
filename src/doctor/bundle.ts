// Support bundles: every collected input as a raw file in a tar.gz, plus manifest.json with
// the rest, so that `--from-bundle` rebuilds exactly the evidence the node produced and
// analysis elsewhere gives the same findings.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { create, extract } from 'tar';
import type { FileText, NodeEvidence } from './evidence.js';

const FORMAT = 'vane-doctor-bundle/1';

interface Manifest {
  format: string;
  collectedAt: string;
  host: string;
  mode: NodeEvidence['mode'];
  /** Bundle file → where its content came from on the node. */
  sources: Record<string, string>;
  /** Logs in their original order, as bundle files. */
  logs: string[];
  proxyUser?: NodeEvidence['proxyUser'];
  accessLog?: NodeEvidence['accessLog'];
  adminError?: string;
  ip6tablesError?: string;
  guestAttributesSource?: string;
  unavailable?: NodeEvidence['unavailable'];
}

const JSON_FILES = {
  processes: 'processes.json',
  controlPlane: 'control-plane.json',
  xdsProbe: 'xds-probe.json',
} as const;

const TEXT_FILES = {
  serverInfo: 'server_info.json',
  configDump: 'config_dump.json',
  iptablesSave: 'iptables-save.txt',
  csds: 'csds.json',
} as const;

const bootstrapName = (b: FileText) =>
  b.text.trimStart().startsWith('{') ? 'bootstrap.json' : 'bootstrap.yaml';

/** Bundle file name → content. */
export function bundleFiles(e: NodeEvidence, host = hostname()): Map<string, string> {
  const files = new Map<string, string>();
  const m: Manifest = {
    format: FORMAT,
    collectedAt: e.collectedAt,
    host,
    mode: e.mode,
    sources: {},
    logs: [],
  };
  const text = (name: string, f: FileText) => {
    files.set(name, f.text);
    m.sources[name] = f.source;
  };
  if (e.bootstrap) text(bootstrapName(e.bootstrap), e.bootstrap);
  for (const [key, name] of Object.entries(TEXT_FILES)) {
    const f = e[key as keyof typeof TEXT_FILES];
    if (f) text(name, f);
  }
  if (e.ip6tablesSave && 'text' in e.ip6tablesSave) text('ip6tables-save.txt', e.ip6tablesSave);
  else if (e.ip6tablesSave) {
    files.set('ip6tables-save.txt', e.ip6tablesSave.error);
    m.sources['ip6tables-save.txt'] = e.ip6tablesSave.source;
    m.ip6tablesError = e.ip6tablesSave.error;
  }
  (e.logs ?? []).forEach((log, i) => {
    const name = `logs/${i + 1}-${basename(log.source).replace(/[^\w.-]/g, '_')}`;
    text(name, log);
    m.logs.push(name);
  });
  if (e.guestAttributes) {
    files.set('guest-attributes.json', `${JSON.stringify(e.guestAttributes.values, null, 2)}\n`);
    m.guestAttributesSource = e.guestAttributes.source;
  }
  for (const [key, name] of Object.entries(JSON_FILES)) {
    const v = e[key as keyof typeof JSON_FILES];
    if (v !== undefined) files.set(name, `${JSON.stringify(v, null, 2)}\n`);
  }
  if (e.proxyUser) m.proxyUser = e.proxyUser;
  if (e.accessLog) m.accessLog = e.accessLog;
  if (e.adminError !== undefined) m.adminError = e.adminError;
  if (e.unavailable) m.unavailable = e.unavailable;
  files.set('manifest.json', `${JSON.stringify(m, null, 2)}\n`);
  return files;
}

/** The evidence a bundle holds; throws when it is not a doctor bundle. */
export function evidenceFromFiles(read: (name: string) => string | undefined): NodeEvidence {
  const manifestText = read('manifest.json');
  if (manifestText === undefined) throw new Error('not a vane doctor bundle: no manifest.json');
  const m = JSON.parse(manifestText) as Manifest;
  if (m.format !== FORMAT) throw new Error(`unsupported bundle format '${m.format}' (expected ${FORMAT})`);
  const file = (name: string): FileText | undefined => {
    const t = read(name);
    return t === undefined ? undefined : { source: m.sources[name] ?? name, text: t };
  };
  const e: NodeEvidence = { collectedAt: m.collectedAt, mode: m.mode };
  const bootstrap = file('bootstrap.yaml') ?? file('bootstrap.json');
  if (bootstrap) e.bootstrap = bootstrap;
  for (const [key, name] of Object.entries(TEXT_FILES)) {
    const f = file(name);
    if (f) e[key as keyof typeof TEXT_FILES] = f;
  }
  if (m.ip6tablesError !== undefined)
    e.ip6tablesSave = {
      source: m.sources['ip6tables-save.txt'] ?? 'ip6tables-save',
      error: m.ip6tablesError,
    };
  else {
    const f = file('ip6tables-save.txt');
    if (f) e.ip6tablesSave = f;
  }
  const logs = m.logs.map(file).filter((f): f is FileText => f !== undefined);
  if (logs.length > 0) e.logs = logs;
  const ga = read('guest-attributes.json');
  if (ga !== undefined)
    e.guestAttributes = {
      source: m.guestAttributesSource ?? 'guest-attributes.json',
      values: JSON.parse(ga),
    };
  const json = <T>(name: string): T | undefined => {
    const t = read(name);
    return t === undefined ? undefined : (JSON.parse(t) as T);
  };
  const processes = json<NodeEvidence['processes']>(JSON_FILES.processes);
  if (processes) e.processes = processes;
  const cp = json<NodeEvidence['controlPlane']>(JSON_FILES.controlPlane);
  if (cp) e.controlPlane = cp;
  const probe = json<NodeEvidence['xdsProbe']>(JSON_FILES.xdsProbe);
  if (probe) e.xdsProbe = probe;
  if (m.proxyUser) e.proxyUser = m.proxyUser;
  if (m.accessLog) e.accessLog = m.accessLog;
  if (m.adminError !== undefined) e.adminError = m.adminError;
  if (m.unavailable) e.unavailable = m.unavailable;
  return e;
}

export async function writeBundle(path: string, e: NodeEvidence): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vane-bundle-'));
  try {
    const files = bundleFiles(e);
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    await create({ gzip: true, file: path, cwd: dir, portable: true }, [...files.keys()].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function readBundle(path: string): Promise<NodeEvidence> {
  const dir = mkdtempSync(join(tmpdir(), 'vane-bundle-'));
  try {
    // tar strips absolute paths and `..`, so a hostile bundle stays inside dir.
    await extract({ file: path, cwd: dir });
    return evidenceFromFiles((name) => {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return undefined;
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
