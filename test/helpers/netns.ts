/**
 * Network namespaces for tests that need real iptables: each test gets namespaces of its own,
 * so rules and addresses never touch the host. Needs root and iproute2.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { after } from 'node:test';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace and waits for it. */
  exec(cmd: string, args?: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a command inside the namespace; destroy() kills it. */
  spawn(cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  /** Adds an address (e.g. `10.0.0.1/32`, `fd00::1/128`) to a device, `lo` by default. */
  addAddress(cidr: string, dev?: string): Promise<void>;
  /** Connects this namespace to `other` with a veth pair; addresses are CIDRs like `10.250.0.1/24`. */
  addVeth(other: Netns, localCidr: string, peerCidr: string): Promise<void>;
  /** TCP servers answering every connection with `label\n`; resolves once all listen. */
  serve(listeners: { host: string; port: number; label: string }[]): Promise<ChildProcess>;
  destroy(): Promise<void>;
}

let counter = 0;
const alive = new Set<string>();

// Last resort when the process ends without the test hooks having run (a crash).
process.on('exit', () => {
  for (const name of alive) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.env === undefined ? {} : { env: opts.env }),
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

async function must(cmd: string, args: string[]): Promise<ExecResult> {
  const res = await run(cmd, args);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res;
}

const SERVER = `
const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
let pending = specs.length;
for (const s of specs) {
  const server = net.createServer((sock) => { sock.on('error', () => {}); sock.end(s.label + '\\n'); });
  server.listen({ host: s.host, port: s.port, ipv6Only: false }, () => { if (--pending === 0) console.log('ready'); });
  server.on('error', (e) => { console.error(s.host + ':' + s.port + ': ' + e.message); process.exit(1); });
}
`;

/**
 * A fresh namespace with `lo` up, named `<prefix>-<pid>-<n>`; removed after the current test,
 * or, with `{ destroyAfter: false }` (from a `before` hook, whose `after` would run at once), by
 * the caller's own `destroy()`.
 */
export async function createNetns(prefix: string, opts: { destroyAfter?: boolean } = {}): Promise<Netns> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  await must('ip', ['netns', 'add', name]);
  alive.add(name);
  const children = new Set<ChildProcess>();
  let veths = 0;
  let destroyed = false;

  const ns: Netns = {
    name,
    exec: (cmd, args = [], opts = {}) => run('ip', ['netns', 'exec', name, cmd, ...args], opts),
    spawn(cmd, args = [], opts = {}) {
      // `ip netns exec` execs the command, so the child's PID is the command's own.
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: 'pipe', ...opts });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async addAddress(cidr, dev = 'lo') {
      const v6 = cidr.includes(':');
      await must('ip', ['-n', name, 'addr', 'add', cidr, 'dev', dev, ...(v6 ? ['nodad'] : [])]);
    },
    async addVeth(other, localCidr, peerCidr) {
      // Created inside this namespace with the peer moved straight into the other: never in the host's.
      const local = `vane${++veths}`;
      const peer = `peer${veths}`;
      await must('ip', [
        '-n',
        name,
        'link',
        'add',
        local,
        'type',
        'veth',
        'peer',
        'name',
        peer,
        'netns',
        other.name,
      ]);
      await must('ip', ['-n', name, 'addr', 'add', localCidr, 'dev', local]);
      await must('ip', ['-n', other.name, 'addr', 'add', peerCidr, 'dev', peer]);
      await must('ip', ['-n', name, 'link', 'set', local, 'up']);
      await must('ip', ['-n', other.name, 'link', 'set', peer, 'up']);
    },
    serve(listeners) {
      const child = ns.spawn(process.execPath, ['-e', SERVER, JSON.stringify(listeners)]);
      return new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        child.stderr!.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('ready')) resolve(child);
        });
        child.on('exit', (code) => reject(new Error(`test servers exited (${code}): ${err}`)));
      });
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      // Anything still inside was started by this test (e.g. a CLI run that timed out).
      const pids = await run('ip', ['netns', 'pids', name]);
      for (const pid of pids.stdout.split(/\s+/).filter((p) => /^[0-9]+$/.test(p))) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      await must('ip', ['netns', 'del', name]);
      alive.delete(name);
    },
  };
  await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  if (opts.destroyAfter !== false) after(() => ns.destroy());
  return ns;
}

const PROBE = `
const net = require('node:net');
const [host, port, ms] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const sock = net.connect({ host, port });
let buf = '';
const done = (s) => { process.stdout.write(s); process.exit(0); };
sock.setTimeout(ms, () => done('ERR:TIMEOUT'));
sock.on('data', (d) => { buf += d; const i = buf.indexOf('\\n'); if (i >= 0) done(buf.slice(0, i)); });
sock.on('end', () => done(buf === '' ? 'ERR:EOF' : buf));
sock.on('error', (e) => done('ERR:' + (e.code || e.message)));
`;

/**
 * Connects to host:port from inside `ns` as `uid` (via setpriv) and returns the first line
 * the server sent (a test server's label), or `ERR:<code>` (`ERR:ECONNREFUSED`, `ERR:TIMEOUT`).
 */
export async function connectAs(
  ns: Netns,
  uid: number,
  host: string,
  port: number,
  timeoutMs = 3000,
): Promise<string> {
  const res = await ns.exec(
    'setpriv',
    [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      '--clear-groups',
      process.execPath,
      '-e',
      PROBE,
      host,
      String(port),
      String(timeoutMs),
    ],
    { cwd: '/', timeoutMs: timeoutMs + 5000 },
  );
  if (res.code !== 0) throw new Error(`probe failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}

/** `iptables-save`-style output compared by content: no comments, counters zeroed. */
export function normalizeSave(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n');
}
