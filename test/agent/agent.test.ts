// `vane agent` for real: a fresh `vane serve`, the agent inside a network namespace this test
// creates (its iptables are the namespace's own; VIPs exist only on its loopback), a
// stand-in Envoy binary (none can be installed here), and guest attributes read back from Vane.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runCli } from '../cli/run.js';
import { G } from '../helpers/api-suite.js';
import { type Bridge, bridgeIntoNetns } from '../helpers/loopback-bridge.js';
import { createNetns, type Netns, normalizeSave, connectAs as probe } from '../helpers/netns.js';
import { startVane, type TestServer, VANE_BIN } from '../helpers/server.js';
import { createSidecarService } from '../helpers/sidecar-service.js';

const FAKE_ENVOY = fileURLToPath(new URL('./fake-envoy.js', import.meta.url));
const PROJECT = 'agent-e2e';
const ZONE = 'us-central1-a';
const PROXY_UID = 1337;
const APP_UID = 1000;

/** Exists and is not a zombie (an orphan's reaper may be slow or absent). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('vane agent in a network namespace', () => {
  let ns: Netns;
  let vane: TestServer;
  let dir: string;
  let token: string;
  let apiBridge: Bridge;
  let xdsBridge: Bridge;
  /** Vane's API at an address of the namespace that is not loopback. */
  let outsideApiBridge: Bridge;
  let pristine: string;

  const connectAs = (uid: number, host: string, port: number) => probe(ns, uid, host, port);
  /** The nat table without counters: what the agent must leave as it found it. */
  const natTable = async () => normalizeSave((await ns.exec('iptables-save', ['-t', 'nat'])).stdout);

  const attrs = async (instance: string): Promise<Record<string, string>> => {
    const res = await vane.api(
      'GET',
      `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${instance}/getGuestAttributes?queryPath=gce-service-proxy/`,
    );
    if (res.status === 404) return {};
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = (res.body.queryValue as { items: { key: string; value: string }[] }).items;
    return Object.fromEntries(items.map((i) => [i.key, i.value]));
  };

  const service = (name: string, vip: string) => createSidecarService(vane, PROJECT, name, vip);

  /** Writes the stand-in `envoy` on a PATH of its own, reporting `version`. */
  const installEnvoy = (version: string) => {
    const bin = join(dir, 'bin', 'envoy');
    writeFileSync(
      bin,
      `#!/bin/sh\nFAKE_ENVOY_VERSION=${version} exec ${process.execPath} ${FAKE_ENVOY} "$@"\n`,
    );
    chmodSync(bin, 0o755);
    return bin;
  };

  interface RunningAgent {
    child: ChildProcess;
    output: string[];
    exited: Promise<number | null>;
    consoleLog: string;
    stateDir: string;
  }

  const startAgent = (instance: string, settings: Record<string, unknown> = {}): RunningAgent => {
    const stateDir = join(dir, instance);
    const config = join(dir, `${instance}.yaml`);
    writeFileSync(
      config,
      stringify({
        'api-url': `http://${apiBridge.address}`,
        'xds-server-uri': xdsBridge.address,
        project: PROJECT,
        zone: ZONE,
        instance,
        'instance-ip': '10.0.0.100',
        token,
        'serving-ports': [8000],
        'proxy-user': String(PROXY_UID),
        'envoy-binary': join(dir, 'bin', 'envoy'),
        'log-dir': join(stateDir, 'log'),
        'state-dir': stateDir,
        'heartbeat-interval-sec': 1,
        'bootstrap-retry-sec': 1,
        ...settings,
      }),
    );
    const child = ns.spawn(process.execPath, [VANE_BIN, 'agent', '--config', config]);
    const output: string[] = [];
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output, exited, consoleLog: join(stateDir, 'console.log'), stateDir };
  };

  const stopAgent = async (agent: RunningAgent, signal: NodeJS.Signals = 'SIGTERM') => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill(signal);
    return agent.exited;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vane-agent-'));
    // The proxy user reads the bootstrap the agent writes under here.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'bin'));
    installEnvoy('1.27.0');
    // Its own data directory, so that a restarted server finds the same store.
    const dataDir = join(dir, 'vane');
    mkdirSync(dataDir);
    vane = await startVane({ dataDir });
    assert.equal((await vane.api('POST', '/v1/projects', { projectId: PROJECT })).status, 200);
    await service('cart', '10.0.0.1');
    const t = await vane.api('POST', '/v1/tokens', { grants: [{ project: PROJECT, role: 'proxy' }] });
    token = String(t.body.token);

    ns = await createNetns('vane-agent', { destroyAfter: false });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.50']) await ns.addAddress(`${ip}/32`);
    // What answers when nothing intercepts.
    await ns.serve([
      ...['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((host) => ({ host, port: 80, label: 'direct' })),
      { host: '10.0.0.3', port: 9000, label: 'direct' },
    ]);
    apiBridge = await bridgeIntoNetns(ns, Number(new URL(vane.url).port), 8080);
    xdsBridge = await bridgeIntoNetns(ns, Number(vane.xdsAddress.split(':')[1]), 15010);
    outsideApiBridge = await bridgeIntoNetns(ns, Number(new URL(vane.url).port), 8080, '10.0.0.50');
    pristine = await natTable();
  });

  after(async () => {
    await apiBridge?.close();
    await xdsBridge?.close();
    await outsideApiBridge?.close();
    await ns?.destroy();
    await vane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('bootstraps, follows the network services, restarts Envoy, and goes stale when stopped', async () => {
    assert.deepEqual(await attrs('vm-1'), {}, 'no bootstrap-status before the agent runs');
    const agent = startAgent('vm-1', { labels: { team: 'shop' } });
    try {
      const finished = await until('bootstrap-status FINISHED', async () => {
        const a = await attrs('vm-1');
        return a['bootstrap-status'] === 'FINISHED' ? a : undefined;
      });
      assert.equal(finished['proxy-version'], '1.27.0');
      assert.ok(Date.parse(finished['agent-heartbeat']!) > Date.now() - 60_000);
      const consoleLog = readFileSync(agent.consoleLog, 'utf8');
      const inProgress = consoleLog.indexOf('bootstrap-status: IN PROGRESS');
      assert.ok(inProgress >= 0 && inProgress < consoleLog.indexOf('bootstrap-status: FINISHED'), consoleLog);
      assert.match(agent.output.join(''), /bootstrap-status: FINISHED/, 'console lines also go to stdout');
      const cli = await runCli([
        'guest-attributes',
        'vm-1',
        '--zone',
        ZONE,
        '--project',
        PROJECT,
        '--server',
        vane.url,
        '--token',
        vane.adminToken,
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /gce-service-proxy\s+bootstrap-status\s+FINISHED/);
      assert.match(cli.stdout, /gce-service-proxy\s+proxy-version\s+1\.27\.0/);

      // Registered, with Traffic Director's gce-service-proxy metadata.
      const instance = await vane.api('GET', `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/vm-1`);
      assert.equal(instance.body.networkIP, '10.0.0.100');
      const spec = JSON.parse(
        (instance.body.metadata as { items: { key: string; value: string }[] }).items[0]!.value,
      ) as { service: { 'serving-ports': number[] }; labels: Record<string, string> };
      assert.deepEqual(spec.service['serving-ports'], [8000]);
      assert.deepEqual(spec.labels, { team: 'shop' });

      // Envoy runs as the proxy user with the bootstrap the agent wrote; its log is envoy.err.log.
      const bootstrap = readFileSync(join(agent.stateDir, 'envoy-bootstrap.yaml'), 'utf8');
      assert.match(bootstrap, /projects\/\d+\/networks\/default\/nodes\//);
      assert.match(bootstrap, /TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS: "?8000"?/);
      const errLog = join(agent.stateDir, 'log', 'envoy.err.log');
      assert.match(readFileSync(errLog, 'utf8'), new RegExp(`starting as uid ${PROXY_UID}`));

      // The application's connection to the VIP lands on the proxy; the proxy's own does not loop.
      assert.equal(await connectAs(APP_UID, '10.0.0.1', 80), `proxy-outbound uid=${PROXY_UID}`);
      assert.equal(await connectAs(PROXY_UID, '10.0.0.1', 80), 'direct');
      assert.equal(await connectAs(APP_UID, '10.0.0.2', 80), 'direct', 'not a service yet');
      assert.match(
        await natTable(),
        /-A SERVICE_PROXY_INBOUND -p tcp -m tcp --dport 8000 -j SERVICE_PROXY_IN_REDIRECT/,
      );

      // A new service in the network is intercepted within seconds; a removed one is released.
      const created = Date.now();
      await service('search', '10.0.0.2');
      await until('10.0.0.2 intercepted', async () =>
        (await connectAs(APP_UID, '10.0.0.2', 80)).startsWith('proxy-outbound'),
      );
      const pickedUpMs = Date.now() - created;
      assert.match(
        readFileSync(agent.consoleLog, 'utf8'),
        /services changed in network default: new 10\.0\.0\.2:80 \(search\)/,
      );
      assert.ok(pickedUpMs < 15_000, `picked up after ${pickedUpMs} ms`);
      assert.equal((await vane.api('DELETE', G(PROJECT, 'forwardingRules', 'search'))).status, 200);
      await until('10.0.0.2 released', async () => (await connectAs(APP_UID, '10.0.0.2', 80)) === 'direct');
      assert.equal(await connectAs(APP_UID, '10.0.0.1', 80), `proxy-outbound uid=${PROXY_UID}`);

      // Envoy crashes: the agent says so (naming the log) and starts it again.
      const firstPid = readFileSync(join(agent.stateDir, 'envoy.pid'), 'utf8').trim();
      await ns.exec(process.execPath, [
        '-e',
        "fetch('http://127.0.0.1:15000/crash',{method:'POST'}).catch(()=>{})",
      ]);
      const failure = await until(
        'agent-last-failure',
        async () => (await attrs('vm-1'))['agent-last-failure'],
      );
      assert.match(
        failure,
        /Envoy exited with code 1; see .*envoy\.err\.log \(last line: .*crashing on request\)/,
      );
      await until('Envoy restarted', async () => {
        const pid = readFileSync(join(agent.stateDir, 'envoy.pid'), 'utf8').trim();
        return pid !== firstPid && (await connectAs(APP_UID, '10.0.0.1', 80)).startsWith('proxy-outbound');
      });

      // A stopped (hung) agent stops its heartbeat; it resumes when the agent does.
      const beat = async () => Date.parse((await attrs('vm-1'))['agent-heartbeat']!);
      await until('heartbeat advances', async () => (await beat()) > Date.now() - 3000);
      process.kill(agent.child.pid!, 'SIGSTOP');
      const frozen = await beat();
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await beat(), frozen, 'no heartbeat while stopped');
      assert.ok(Date.now() - frozen >= 4000, 'the heartbeat is stale');
      process.kill(agent.child.pid!, 'SIGCONT');
      await until('heartbeat resumes', async () => (await beat()) > frozen);
    } finally {
      assert.equal(await stopAgent(agent), 0, agent.output.join(''));
    }
    // Stopped cleanly: Envoy is gone and the namespace is as the agent found it.
    assert.equal(existsSync(join(agent.stateDir, 'envoy.pid')), false);
    assert.equal(await natTable(), pristine);
    assert.equal(await connectAs(APP_UID, '10.0.0.1', 80), 'direct');
  });

  test('FAILED with its reason while Envoy is too old; recovers once a good Envoy is installed', async () => {
    installEnvoy('1.8.0');
    const agent = startAgent('vm-2');
    try {
      const failed = await until('bootstrap-status FAILED', async () => {
        const a = await attrs('vm-2');
        return a['bootstrap-status'] === 'FAILED' ? a : undefined;
      });
      assert.match(
        failed['bootstrap-last-failure']!,
        /check Envoy version: Envoy 1\.8\.0 .* older than 1\.9\.1/,
      );
      assert.equal(failed['proxy-version'], '1.8.0');
      assert.equal(await natTable(), pristine, 'nothing is intercepted before the proxy can run');
      installEnvoy('1.27.0');
      await until(
        'bootstrap-status FINISHED',
        async () => (await attrs('vm-2'))['bootstrap-status'] === 'FINISHED',
      );
      assert.equal(await connectAs(APP_UID, '10.0.0.1', 80), `proxy-outbound uid=${PROXY_UID}`);
    } finally {
      assert.equal(await stopAgent(agent), 0, agent.output.join(''));
    }
    assert.equal(await natTable(), pristine);
  });

  test('a killed agent leaves Envoy and interception running; the next agent takes over', async () => {
    const first = startAgent('vm-3');
    await until('FINISHED', async () => (await attrs('vm-3'))['bootstrap-status'] === 'FINISHED');
    const orphan = Number(readFileSync(join(first.stateDir, 'envoy.pid'), 'utf8'));
    await stopAgent(first, 'SIGKILL');
    assert.equal(
      await connectAs(APP_UID, '10.0.0.1', 80),
      `proxy-outbound uid=${PROXY_UID}`,
      'traffic still flows',
    );

    const second = startAgent('vm-3');
    try {
      await until('restarted Envoy', async () => {
        const pid = Number(readFileSync(join(second.stateDir, 'envoy.pid'), 'utf8'));
        return pid !== orphan && (await connectAs(APP_UID, '10.0.0.1', 80)).startsWith('proxy-outbound');
      });
      assert.equal(running(orphan), false, 'the orphaned Envoy was stopped');
      assert.match(
        readFileSync(second.consoleLog, 'utf8'),
        /stopping Envoy left running by a previous agent/,
      );
    } finally {
      assert.equal(await stopAgent(second), 0, second.output.join(''));
    }
    assert.equal(await natTable(), pristine);
  });

  test('Vane restarts: the agent keeps the proxy running, reports the outage, and follows changes again', async () => {
    const agent = startAgent('vm-5');
    try {
      await until('FINISHED', async () => (await attrs('vm-5'))['bootstrap-status'] === 'FINISHED');
      const port = new URL(vane.url).port;
      const xdsPort = vane.xdsAddress.split(':')[1]!;
      assert.equal(await vane.stop(), 0);
      await until('the outage is noticed', () =>
        /Cannot reach the Vane API server/.test(readFileSync(agent.consoleLog, 'utf8')),
      );
      assert.equal(
        await connectAs(APP_UID, '10.0.0.1', 80),
        `proxy-outbound uid=${PROXY_UID}`,
        'traffic still flows',
      );
      vane = await startVane({
        dataDir: vane.dataDir,
        adminToken: vane.adminToken,
        args: ['--http-port', port, '--xds-port', xdsPort],
      });
      const failure = await until(
        'agent-last-failure',
        async () => (await attrs('vm-5'))['agent-last-failure'],
      );
      assert.match(failure, /Cannot reach the Vane API server at http:\/\/127\.0\.0\.1:8080/);
      await service('orders', '10.0.0.2');
      await until('10.0.0.2 intercepted', async () =>
        (await connectAs(APP_UID, '10.0.0.2', 80)).startsWith('proxy-outbound'),
      );
      assert.equal((await vane.api('DELETE', G(PROJECT, 'forwardingRules', 'orders'))).status, 200);
    } finally {
      assert.equal(await stopAgent(agent), 0, agent.output.join(''));
    }
    assert.equal(await natTable(), pristine);
  });

  test('intercept-all: everything but the exclusions goes to the proxy, and the agent still reaches Vane', async () => {
    const agent = startAgent('vm-6', {
      'api-url': `http://${outsideApiBridge.address}`,
      'intercept-all-outbound-traffic': true,
      'exclude-outbound-ip-ranges': ['10.0.0.2/32'],
      'exclude-outbound-port-ranges': ['9000'],
    });
    try {
      await until('FINISHED', async () => (await attrs('vm-6'))['bootstrap-status'] === 'FINISHED');
      const proxied = `proxy-outbound uid=${PROXY_UID}`;
      assert.equal(await connectAs(APP_UID, '10.0.0.1', 80), proxied, 'a service VIP');
      assert.equal(await connectAs(APP_UID, '10.0.0.3', 80), proxied, 'not a service, intercepted anyway');
      assert.equal(await connectAs(APP_UID, '10.0.0.2', 80), 'direct', 'excluded range');
      assert.equal(await connectAs(APP_UID, '10.0.0.3', 9000), 'direct', 'excluded port');
      assert.match(await natTable(), /-A SERVICE_PROXY_SERVICE_CIDRS -d 10\.0\.0\.50\/32 -j RETURN/);
      // The agent's own calls to Vane (not on loopback) are excluded, or they would reach the proxy.
      const beat = async () => Date.parse((await attrs('vm-6'))['agent-heartbeat']!);
      const first = await beat();
      await until('heartbeat advances', async () => (await beat()) > first);
      assert.doesNotMatch(readFileSync(agent.consoleLog, 'utf8'), /failed/);
    } finally {
      assert.equal(await stopAgent(agent), 0, agent.output.join(''));
    }
    assert.equal(await natTable(), pristine);
  });

  test('proxyless mode writes only the gRPC bootstrap', async () => {
    const agent = startAgent('vm-4', { mode: 'proxyless' });
    try {
      await until('FINISHED', async () => (await attrs('vm-4'))['bootstrap-status'] === 'FINISHED');
      const project = await vane.api('GET', `/v1/projects/${PROJECT}`);
      const grpc = JSON.parse(readFileSync(join(agent.stateDir, 'grpc-bootstrap.json'), 'utf8')) as {
        xds_servers: { server_uri: string }[];
        node: { id: string };
      };
      assert.equal(grpc.xds_servers[0]!.server_uri, xdsBridge.address);
      assert.match(
        grpc.node.id,
        new RegExp(`^projects/${project.body.projectNumber}/networks/default/nodes/`),
      );
      assert.equal(existsSync(join(agent.stateDir, 'envoy-bootstrap.yaml')), false);
      assert.equal(await natTable(), pristine);
    } finally {
      assert.equal(await stopAgent(agent), 0, agent.output.join(''));
    }
  });

  test('bad settings are refused with every problem named', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      stringify({ 'proxy-port': 'x', 'serving-ports': ['http'], tracing: 'maybe', colour: 'blue' }),
    );
    let stderr = '';
    let status: number | null = 0;
    try {
      execFileSync(process.execPath, [VANE_BIN, 'agent', '--config', config], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      stderr = String((err as { stderr: string }).stderr);
      status = (err as { status: number | null }).status;
    }
    assert.equal(status, 2);
    for (const expected of [
      'proxy-port: must be a port',
      "serving-ports[0]: 'http'",
      'tracing:',
      'colour: unknown setting',
      'api-url: required',
      'token: required',
    ])
      assert.ok(stderr.includes(expected), `${expected} in ${stderr}`);
  });
});
