// A node to diagnose: a real `vane serve` reached from inside a network namespace this test
// creates (API on 127.0.0.1:8080, xDS on 127.0.0.1:15010 there, through loopback bridges),
// and `vane doctor` run inside that namespace.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../../src/doctor/finding.js';
import { type Bridge, bridgeIntoNetns } from '../../helpers/loopback-bridge.js';
import { createNetns, type ExecResult, type Netns } from '../../helpers/netns.js';
import { startVane, type TestServer, VANE_BIN } from '../../helpers/server.js';
import { createSidecarService } from '../../helpers/sidecar-service.js';

export const PROJECT = 'doctor-e2e';
export const ZONE = 'us-central1-a';
export const PROXY_UID = 1337;
export const API = 'http://127.0.0.1:8080';
export const XDS = '127.0.0.1:15010';

export interface DoctorReport {
  findings: Finding[];
  unavailable: { input: string; why: string }[];
  collectedAt: string;
}

export interface DoctorRun {
  code: number;
  report: DoctorReport;
  stdout: string;
  stderr: string;
}

export interface Site {
  vane: TestServer;
  ns: Netns;
  /** World-readable scratch directory (the proxy user reads its bootstrap here). */
  dir: string;
  projectNumber: string;
  /** `vane <args>` inside the namespace. */
  vaneCli(args: string[]): Promise<ExecResult>;
  /** `vane doctor --json <args>` inside the namespace. */
  doctor(args: string[]): Promise<DoctorRun>;
  close(): Promise<void>;
}

export function parseRun(res: ExecResult): DoctorRun {
  let report: DoctorReport;
  try {
    report = JSON.parse(res.stdout) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  return { ...res, report };
}

export const errorsOf = (r: DoctorReport): Finding[] => r.findings.filter((f) => f.severity === 'error');

/** Asserts the first finding is an error with `code`, carrying its fix; returns it. */
export function assertFirstError(run: DoctorRun, code: string): Finding {
  const first = run.report.findings[0];
  assert.equal(first?.code, code, JSON.stringify(run.report, null, 2));
  assert.equal(first.severity, 'error');
  assert.ok(first.fix.length > 10, `a fix for ${code}`);
  assert.equal(run.code, 1, 'exit status 1 with an error finding');
  return first;
}

/** A forwarding rule for `vip:port` in `network`, routing to an empty backend service. */
export function addService(vane: TestServer, name: string, vip: string, port: number, network = 'default') {
  return createSidecarService(vane, PROJECT, name, vip, {
    portRange: String(port),
    network: `global/networks/${network}`,
  });
}

export async function startSite(prefix: string): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(dir, 0o755);
  const vane = await startVane();
  const project = await vane.api('POST', '/v1/projects', { projectId: PROJECT });
  assert.equal(project.status, 200, JSON.stringify(project.body));
  const projectNumber = String(project.body.projectNumber);
  const ns = await createNetns(prefix, { destroyAfter: false });
  const bridges: Bridge[] = [
    await bridgeIntoNetns(ns, Number(new URL(vane.url).port), 8080),
    await bridgeIntoNetns(ns, Number(vane.xdsAddress.split(':')[1]), 15010),
  ];
  const vaneCli = (args: string[]) =>
    ns.exec(process.execPath, [VANE_BIN, ...args], { cwd: dir, timeoutMs: 30_000 });
  return {
    vane,
    ns,
    dir,
    projectNumber,
    vaneCli,
    doctor: async (args) => parseRun(await vaneCli(['doctor', '--json', ...args])),
    async close() {
      for (const b of bridges) await b.close();
      await ns.destroy();
      await vane.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a file the proxy user may read. */
export function writeShared(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o644);
  return path;
}
