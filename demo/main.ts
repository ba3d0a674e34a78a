// `npm run demo`: a whole proxyless gRPC mesh on this machine. Starts `vane serve` on the
// embedded store in a temporary directory, real gRPC backends in two zones, the mesh that
// splits wallet.example.com between wallet-v1 and wallet-v2 (through the REST API), and
// grpc-js-xds clients calling it; then prints where their calls go every two seconds until
// Ctrl-C, SIGTERM, `q` or --duration, and cleans everything up.
//
//   node dist/demo/main.js [--no-interactive] [--duration SEC] [--json] [--http-port N] [--xds-port N]
//
// --json prints one JSON object per line on stdout: {event: 'starting' | 'spawned' | 'ready' |
// 'traffic' | 'action' | 'error' | 'stopped', ...}.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { type Child, Children } from './children.js';
import { Fleet, type FleetMember } from './fleet.js';
import { createMesh, HOST, PROJECT, setSplit, urlMap, VaneApi, waitHealthy, ZONES } from './mesh.js';
import { type CallResult, formatWindow, TrafficSummary } from './summary.js';
import { portOr0, type RunningVane, startVane } from './vane.js';

const CLIENT = resolve(import.meta.dirname, 'client.js');
const RPS = 20;
const SUMMARY_EVERY_MS = 2000;
/** Test hook: fail on purpose after the named step (vane, backends, mesh, clients) to prove the cleanup. */
const FAIL_AFTER = process.env.VANE_DEMO_FAIL_AFTER;

interface Args {
  interactive: boolean;
  json: boolean;
  durationSec: number | undefined;
  httpPort: number | undefined;
  xdsPort: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    interactive: true,
    json: false,
    durationSec: undefined,
    httpPort: undefined,
    xdsPort: undefined,
  };
  const number = (flag: string, value: string | undefined) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < 0) usage(`${flag} needs a whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-interactive') args.interactive = false;
    else if (arg === '--json') args.json = true;
    else if (arg === '--duration') args.durationSec = number(arg, argv[++i]);
    else if (arg === '--http-port') args.httpPort = number(arg, argv[++i]);
    else if (arg === '--xds-port') args.xdsPort = number(arg, argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'usage: npm run demo -- [--no-interactive] [--duration SEC] [--json] [--http-port N] [--xds-port N]\n' +
          '  --no-interactive  no keyboard controls (also when stdin is not a terminal)\n' +
          '  --duration SEC    stop SEC seconds after the demo is ready\n' +
          '  --json            one JSON object per line on stdout, for programs\n' +
          '  --http-port N     REST API and console (default 8080, or a free port when 8080 is taken)\n' +
          '  --xds-port N      xDS (default 15010, or a free port when 15010 is taken)\n',
      );
      process.exit(0);
    } else usage(`unknown argument '${arg}'`);
  }
  return args;
}

function usage(message: string): never {
  process.stderr.write(`demo: ${message} (see --help)\n`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const interactive = args.interactive && process.stdin.isTTY === true;

/** A JSON line (--json) or nothing. */
function emit(event: Record<string, unknown>): void {
  if (args.json) process.stdout.write(`${JSON.stringify(event)}\n`);
}
/** Text for people (not with --json). */
function say(text: string): void {
  if (!args.json) process.stdout.write(`${text}\n`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'vane-demo-'));
const children = new Children((c: Child) => emit({ event: 'spawned', name: c.name, pid: c.pid }));
const fleet = new Fleet();
const summary = new TrafficSummary(ZONES);
const timers: NodeJS.Timeout[] = [];
let stopping: Promise<void> | undefined;

/** Stops everything this demo started (clients, vane serve, backends), removes the data directory, exits. */
function shutdown(code: number, error?: unknown): Promise<void> {
  stopping ??= (async () => {
    for (const t of timers) clearInterval(t);
    if (interactive) {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      emit({ event: 'error', message });
      process.stderr.write(`vane demo: ${message}\n`);
    }
    say('\nStopping: clients, vane serve, backends …');
    try {
      await children.stopAll();
      await fleet.stopAll();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    emit({ event: 'stopped', code });
    say('Stopped; the temporary data directory is removed.');
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
process.on('uncaughtException', (err) => void shutdown(1, err));
process.on('unhandledRejection', (err) => void shutdown(1, err));

function step(name: string): void {
  if (children.stopping) throw new Error('stopped during startup');
  if (FAIL_AFTER === name) throw new Error(`failing after step '${name}' as VANE_DEMO_FAIL_AFTER asks`);
}

/** A grpc-js-xds client process in `zone`; its calls feed the summary. */
function startClient(vane: RunningVane, projectNumber: string, zone: string, firstCall: () => void): Child {
  const child = children.spawn(`client ${zone}`, CLIENT, [], {
    env: {
      ...process.env,
      VANE_XDS_ADDRESS: vane.xdsAddress,
      NODE_ID: `projects/${projectNumber}/networks/default/nodes/${randomUUID()}`,
      ZONE: zone,
      TARGET: `${HOST}:80`,
      RPS: String(RPS),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Closing stdin is how a client is asked to stop.
    stop: (p) => p.stdin?.end(),
  });
  let stderr = '';
  child.process.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-2000);
  });
  let answered = false;
  createInterface({ input: child.process.stdout! }).on('line', (line) => {
    let r: CallResult;
    try {
      r = JSON.parse(line) as CallResult;
    } catch {
      return;
    }
    summary.record(zone, r);
    if (!answered && r.backend !== undefined) {
      answered = true;
      firstCall();
    }
  });
  void child.exited.then(() => {
    if (!children.stopping)
      void shutdown(1, new Error(`the client in ${zone} exited (${child.process.exitCode}): ${stderr}`));
  });
  return child;
}

async function main(): Promise<void> {
  emit({ event: 'starting', pid: process.pid, dataDir });
  say(`Starting the Vane demo (data in ${dataDir}) …`);

  const vane = await startVane(children, {
    dataDir,
    httpPort: args.httpPort ?? (await portOr0(8080)),
    xdsPort: args.xdsPort ?? (await portOr0(15010)),
  });
  void vane.child.exited.then(() => {
    if (!children.stopping)
      void shutdown(
        1,
        new Error(`vane serve exited (${vane.child.process.exitCode ?? vane.child.process.signalCode})`),
      );
  });
  say(`  vane serve is up: ${vane.url} (xDS ${vane.xdsAddress}), pid ${vane.child.pid}`);
  step('vane');

  await fleet.start();
  say(`  ${fleet.members.length} gRPC backends are up on 127.0.0.1`);
  step('backends');

  const api = new VaneApi(vane.url, vane.token);
  const projectNumber = await createMesh(api, fleet.members);
  const splitFiles = {
    '90-10': join(dataDir, 'split-90-10.yaml'),
    '50-50': join(dataDir, 'split-50-50.yaml'),
  };
  writeFileSync(splitFiles['90-10'], stringify(urlMap(90)));
  writeFileSync(splitFiles['50-50'], stringify(urlMap(50)));
  await waitHealthy(api, fleet.members, 20_000);
  say(`  project ${PROJECT} (number ${projectNumber}) and its mesh are created; every backend is HEALTHY`);
  step('mesh');

  let waiting = ZONES.length;
  let allAnswered: () => void = () => {};
  const answered = new Promise<void>((r) => {
    allAnswered = r;
  });
  const clients = ZONES.map((zone) =>
    startClient(vane, projectNumber, zone, () => {
      waiting -= 1;
      if (waiting === 0) allAnswered();
    }),
  );
  step('clients');
  await Promise.race([
    answered,
    new Promise((_, fail) =>
      setTimeout(() => fail(new Error('the clients got no answer within 30 s')), 30_000).unref(),
    ),
  ]);
  if (children.stopping) return;

  summary.flush(); // the warm-up does not count
  emit({
    event: 'ready',
    consoleUrl: `${vane.url}/`,
    apiUrl: vane.url,
    token: vane.token,
    project: PROJECT,
    projectNumber,
    xdsAddress: vane.xdsAddress,
    dataDir,
    pid: process.pid,
    pids: { vane: vane.child.pid, clients: clients.map((c) => c.pid) },
    childPids: children.pids,
    backends: fleet.members.map(({ name, zone, version, port }) => ({ name, zone, version, port })),
    splitFiles,
  });
  banner(vane, projectNumber, splitFiles);

  timers.push(
    setInterval(() => {
      const w = summary.flush();
      emit({ event: 'traffic', ...w });
      say(formatWindow(w));
    }, SUMMARY_EVERY_MS),
  );
  if (args.durationSec !== undefined)
    timers.push(setTimeout(() => void shutdown(0), args.durationSec * 1000));
  process.on('SIGUSR1', () => void stopBackend());
  process.on('SIGUSR2', () => void restartBackends());
  if (interactive) keys(api);
}

function banner(vane: RunningVane, projectNumber: string, splitFiles: Record<string, string>): void {
  const flags = `--project ${PROJECT} --server ${vane.url} --token ${vane.token}`;
  say(`
Vane demo is ready.

  Console    ${vane.url}/
  Token      ${vane.token}   (sign in to the console with it; the CLI takes it as --token)
  xDS        ${vane.xdsAddress}   project ${PROJECT} (number ${projectNumber})

  ${HOST}:80 → URL map wallet-map → 50 % wallet-v1 / 50 % wallet-v2 (header "route: v2" → wallet-v2)
  ${fleet.members.length / 4} backends per version in each of ${ZONES.join(' and ')}, health-checked (gRPC) every second
  ${ZONES.length} grpc-js-xds clients, one per zone, ${RPS} calls/s each, reporting load over LRS

Try (in another terminal, from this checkout):
  npx vane proxies ${flags}
  npx vane health wallet-v1 ${flags}
  npx vane apply -f ${splitFiles['90-10']} ${flags}    # 90 % v1 / 10 % v2
  npx vane apply -f ${splitFiles['50-50']} ${flags}    # back to 50/50
  or in the console: URL maps → wallet-map → the weights of the weighted route
  kill -USR1 ${process.pid}    # stop a backend in ${ZONES[0]} (again: the next one; two v1 down = failover to ${ZONES[1]})
  kill -USR2 ${process.pid}    # restart the stopped backends
  Tip: export VANE_SERVER=${vane.url} VANE_TOKEN=${vane.token} VANE_PROJECT=${PROJECT}
${interactive ? `\nKeys: s stop a backend in ${ZONES[0]} · r restart stopped backends · 9 split 90/10 · 5 split 50/50 · q quit\n` : ''}
Where the calls went, every ${SUMMARY_EVERY_MS / 1000} s (by the zone of the backend that answered):`);
}

async function stopBackend(): Promise<void> {
  const m = await fleet.stopOne();
  if (m === undefined) {
    say(`  (every backend in ${ZONES[0]} is already stopped)`);
    return;
  }
  emit({ event: 'action', action: 'stop-backend', ...describe(m) });
  say(`  ✗ stopped ${m.name} (127.0.0.1:${m.port}); watch: npx vane health wallet-${m.version} …`);
}

async function restartBackends(): Promise<void> {
  for (const m of await fleet.restartStopped()) {
    emit({ event: 'action', action: 'restart-backend', ...describe(m) });
    say(`  ✓ restarted ${m.name} (127.0.0.1:${m.port})`);
  }
}

const describe = (m: FleetMember) => ({ backend: m.name, zone: m.zone, version: m.version, port: m.port });

async function split(api: VaneApi, v1: number): Promise<void> {
  await setSplit(api, v1);
  emit({ event: 'action', action: 'split', v1, v2: 100 - v1 });
  say(`  ↻ split set to ${v1}/${100 - v1} (POST /v1/projects/${PROJECT}/apply, the URL map wallet-map)`);
}

function keys(api: VaneApi): void {
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.on('data', (data) => {
    for (const key of String(data)) {
      const done = (p: Promise<void>) =>
        void p.catch((err: Error) => process.stderr.write(`vane demo: ${err.message}\n`));
      if (key === 'q' || key === '\u0003' || key === '\u0004') void shutdown(0);
      else if (key === 's') done(stopBackend());
      else if (key === 'r') done(restartBackends());
      else if (key === '9') done(split(api, 90));
      else if (key === '5') done(split(api, 50));
    }
  });
}

main().catch((err) => void shutdown(1, err));
