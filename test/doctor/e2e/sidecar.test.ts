// `vane doctor` on an Envoy node, broken for real one way at a time: a namespace of its own
// with real iptables, a stand-in Envoy running as the proxy user (admin API, an ADS stream to
// the live `vane serve`, the config_dump Vane would send it), guest attributes in Vane, and
// doctor run inside the namespace. Each case breaks one thing and puts it back.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { VANE_BIN } from '../../helpers/server.js';
import {
  API,
  addService,
  assertFirstError,
  type DoctorRun,
  errorsOf,
  PROJECT,
  PROXY_UID,
  parseRun,
  type Site,
  startSite,
  writeShared,
  XDS,
  ZONE,
} from './site.js';

const FAKE_ENVOY = fileURLToPath(new URL('../fake-envoy-admin.js', import.meta.url));
const INSTANCE = 'vm-doc';
const VIP = '10.0.0.1';
const SERVING_PORT = 8000;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('vane doctor on an Envoy node', () => {
  let site: Site;
  let envoy: ChildProcess | undefined;
  let healthyNat: string;
  let args: string[];
  const file = (name: string) => join(site.dir, name);
  const accessLogDir = () => file('envoy-logs');

  const iptables = async (cmd: string, argv: string[], input?: string) => {
    const res = await site.ns.exec(cmd, argv, input === undefined ? {} : { input });
    assert.equal(res.code, 0, `${cmd} ${argv.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  /** Replaces the namespace's nat table. */
  const setNat = (text: string) => iptables('iptables-restore', ['-T', 'nat'], text);
  const attrs = async (values: Record<string, string>) => {
    const items = Object.entries(values).map(([key, value]) => ({
      namespace: 'gce-service-proxy',
      key,
      value,
    }));
    const res = await site.vane.api(
      'POST',
      `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${INSTANCE}/setGuestAttributes`,
      { items },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const healthyAttrs = () =>
    attrs({ 'bootstrap-status': 'FINISHED', 'agent-heartbeat': new Date().toISOString() });
  const doctor = (extra: string[] = []): Promise<DoctorRun> => site.doctor([...args, ...extra]);

  before(async () => {
    site = await startSite('vane-doc-envoy');
    await addService(site.vane, 'cart', VIP, 80);
    const reg = await site.vane.api(
      'POST',
      `/v1/projects/${PROJECT}/zones/${ZONE}/instances/${INSTANCE}/register`,
      {
        networkIP: '10.0.0.100',
        network: 'global/networks/default',
      },
    );
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    await healthyAttrs();

    // What `vane agent` sets up: the proxy user's log directory, the bootstrap, interception.
    mkdirSync(accessLogDir());
    chownSync(accessLogDir(), PROXY_UID, PROXY_UID);
    const bootstrap = file('envoy-bootstrap.yaml');
    const made = await site.vaneCli([
      'bootstrap',
      'envoy',
      '--xds-server-uri',
      XDS,
      '--gcp-project-number',
      site.projectNumber,
      '--zone',
      ZONE,
      '--node-uuid',
      'doc-node',
      '--serving-ports',
      String(SERVING_PORT),
      '--access-log',
      join(accessLogDir(), 'access.log'),
      '--output',
      bootstrap,
    ]);
    assert.equal(made.code, 0, made.stderr);
    chmodSync(bootstrap, 0o644);
    const settings = writeShared(
      file('agent.yaml'),
      stringify({
        'api-url': API,
        'xds-server-uri': XDS,
        project: PROJECT,
        zone: ZONE,
        instance: INSTANCE,
        'instance-ip': '10.0.0.100',
        token: site.vane.adminToken,
        'serving-ports': [SERVING_PORT],
        'proxy-user': String(PROXY_UID),
        'log-dir': file('log'),
        'state-dir': file('state'),
      }),
    );
    args = ['--agent-config', settings, '--bootstrap', bootstrap];
    const applied = await site.vaneCli([
      'intercept',
      'apply',
      '--proxy-port',
      '15001',
      '--proxy-uid',
      String(PROXY_UID),
      '--service-cidr',
      VIP,
      '--inbound-port',
      '15006',
      '--serving-ports',
      String(SERVING_PORT),
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    healthyNat = await iptables('iptables-save', ['-t', 'nat']);

    // The stand-in, named `envoy` in the process table, as the proxy user.
    const launcher = writeShared(
      file('envoy'),
      `#!/bin/bash\nexec -a envoy ${process.execPath} ${FAKE_ENVOY} "$@"\n`,
    );
    chmodSync(launcher, 0o755);
    const dump = file('config_dump.json');
    envoy = site.ns.spawn('setpriv', [
      `--reuid=${PROXY_UID}`,
      `--regid=${PROXY_UID}`,
      '--clear-groups',
      launcher,
      '-c',
      bootstrap,
      '--config-dump',
      dump,
    ]);
    // Its config_dump: what Vane would send it, once Vane sees it connected.
    const nodeId = `projects/${site.projectNumber}/networks/default/nodes/doc-node`;
    const config = await until('the stand-in connected to Vane', async () => {
      const res = await site.vane.api(
        'GET',
        `/v1/projects/${PROJECT}/proxies/${encodeURIComponent(nodeId)}/config`,
      );
      return res.status === 200 ? res.body : undefined;
    });
    writeShared(dump, JSON.stringify(config.configDump));
  });

  after(async () => {
    await site?.close();
  });

  test('a healthy node: no error findings, exit status 0', async () => {
    const run = await doctor();
    assert.deepEqual(errorsOf(run.report), [], JSON.stringify(run.report, null, 2));
    assert.equal(run.code, 0);
    assert.deepEqual(run.report.unavailable, [], 'every input was collected');
  });

  test("interception without the proxy's UID exclusion: INTERCEPTION_LOOP_PROXY_UID", async () => {
    await setNat(
      healthyNat
        .split('\n')
        .filter((l) => !l.includes('--uid-owner'))
        .join('\n'),
    );
    try {
      const run = await doctor();
      assertFirstError(run, 'INTERCEPTION_LOOP_PROXY_UID');
      assert.match(run.report.findings[0]!.fix, /uid-owner/);
    } finally {
      await setNat(healthyNat);
    }
  });

  test('a service VIP missing from SERVICE_PROXY_SERVICE_CIDRS: SERVICE_CIDR_MISSING', async () => {
    const without = healthyNat
      .split('\n')
      .filter((l) => !(l.startsWith('-A SERVICE_PROXY_SERVICE_CIDRS') && l.includes(VIP)))
      .join('\n');
    assert.notEqual(without, healthyNat);
    await setNat(without);
    try {
      const first = assertFirstError(await doctor(), 'SERVICE_CIDR_MISSING');
      assert.match(JSON.stringify(first), /10\.0\.0\.1/);
    } finally {
      await setNat(healthyNat);
    }
  });

  test('manual-style interception that does not cover the VIP: VIP_NOT_INTERCEPTED', async () => {
    const clean = await site.vaneCli(['intercept', 'clean']);
    assert.equal(clean.code, 0, clean.stderr);
    const manual = await site.vaneCli([
      'intercept',
      'apply',
      '--style',
      'manual',
      '-i',
      '10.9.9.0/24',
      '-p',
      '15001',
      '-u',
      String(PROXY_UID),
    ]);
    assert.equal(manual.code, 0, manual.stderr);
    try {
      const first = assertFirstError(await doctor(), 'VIP_NOT_INTERCEPTED');
      assert.match(JSON.stringify(first), /10\.0\.0\.1/);
    } finally {
      await site.vaneCli(['intercept', 'clean']);
      await setNat(healthyNat);
    }
  });

  test('a serving port without SERVICE_PROXY_IN_REDIRECT: INBOUND_PORT_NOT_INTERCEPTED', async () => {
    const without = healthyNat
      .split('\n')
      .filter((l) => !(l.startsWith('-A SERVICE_PROXY_INBOUND') && l.includes(`--dport ${SERVING_PORT}`)))
      .join('\n');
    assert.notEqual(without, healthyNat);
    await setNat(without);
    try {
      const first = assertFirstError(await doctor(), 'INBOUND_PORT_NOT_INTERCEPTED');
      assert.match(JSON.stringify(first), /8000/);
    } finally {
      await setNat(healthyNat);
    }
  });

  test('a filter-table DROP of what reaches a serving port: INBOUND_PORT_DROPPED', async () => {
    // Interception redirects serving port 8000 to 15006 before the filter table sees it.
    const rule = ['INPUT', '-p', 'tcp', '--dport', '15006', '-j', 'DROP'];
    await iptables('iptables', ['-t', 'filter', '-A', ...rule]);
    try {
      const first = assertFirstError(await doctor(), 'INBOUND_PORT_DROPPED');
      assert.match(first.evidence.join('\n'), /DROP/);
      assert.match(JSON.stringify(first), /8000/);
    } finally {
      await iptables('iptables', ['-t', 'filter', '-D', ...rule]);
    }
  });

  test('intercept-all: a warning about destinations Vane does not know', async () => {
    const all = await site.vaneCli([
      'intercept',
      'apply',
      '--proxy-port',
      '15001',
      '--proxy-uid',
      String(PROXY_UID),
      '--intercept-all',
      '--inbound-port',
      '15006',
      '--serving-ports',
      String(SERVING_PORT),
    ]);
    assert.equal(all.code, 0, all.stderr);
    try {
      const run = await doctor();
      const warning = run.report.findings.find((f) => f.code === 'INTERCEPT_ALL_UNCONFIGURED_DESTINATIONS');
      assert.equal(warning?.severity, 'warning', JSON.stringify(run.report, null, 2));
      assert.ok(warning.fix.length > 10);
    } finally {
      await site.vaneCli(['intercept', 'clean']);
      await setNat(healthyNat);
    }
  });

  test('an access log the proxy user cannot write: ACCESS_LOG_NOT_WRITABLE', async () => {
    const log = join(accessLogDir(), 'access.log');
    writeFileSync(log, '');
    chownSync(log, 0, 0);
    chmodSync(log, 0o644);
    try {
      const first = assertFirstError(await doctor(), 'ACCESS_LOG_NOT_WRITABLE');
      assert.match(JSON.stringify(first), /access\.log/);
    } finally {
      rmSync(log);
    }
  });

  test('an agent that stopped reporting: AGENT_STUCK', async () => {
    await attrs({ 'agent-heartbeat': new Date(Date.now() - 10 * 60_000).toISOString() });
    try {
      const first = assertFirstError(await doctor(), 'AGENT_STUCK');
      assert.match(JSON.stringify(first), /agent-heartbeat/);
    } finally {
      await healthyAttrs();
    }
  });

  test('a failed bootstrap: BOOTSTRAP_FAILED with the reason', async () => {
    const reason = 'Envoy 1.8.0 is too old: 1.9.1 or later is needed';
    await attrs({ 'bootstrap-status': 'FAILED', 'bootstrap-last-failure': reason });
    try {
      const first = assertFirstError(await doctor(), 'BOOTSTRAP_FAILED');
      assert.ok(JSON.stringify(first).includes(reason), JSON.stringify(first));
    } finally {
      await attrs({ 'bootstrap-last-failure': '' });
      await healthyAttrs();
    }
  });

  test('a bundle collected on the node gives the same findings elsewhere', async () => {
    // Something to find: the loop, so that the comparison is not of two empty lists.
    await setNat(
      healthyNat
        .split('\n')
        .filter((l) => !l.includes('--uid-owner'))
        .join('\n'),
    );
    const bundle = file('node.tar.gz');
    let onNode: DoctorRun;
    try {
      onNode = await doctor(['--bundle', bundle]);
    } finally {
      await setNat(healthyNat);
    }
    assert.equal(onNode.report.findings[0]?.code, 'INTERCEPTION_LOOP_PROXY_UID');
    // Outside the namespace, without any of the node's inputs.
    const res = await promisify(execFile)(process.execPath, [
      VANE_BIN,
      'doctor',
      '--from-bundle',
      bundle,
      '--json',
    ]).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );
    const elsewhere = parseRun(res);
    assert.deepEqual(elsewhere.report, onNode.report);
    assert.equal(elsewhere.code, onNode.code);
  });

  test('no Envoy process: PROXY_NOT_RUNNING', async () => {
    const exited = new Promise((r) => envoy!.once('exit', r));
    envoy!.kill('SIGKILL');
    await exited;
    const first = assertFirstError(await doctor(), 'PROXY_NOT_RUNNING');
    assert.match(first.fix, /start/);
  });
});
