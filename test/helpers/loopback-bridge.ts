// Lets processes inside a test's network namespace reach a server on the test's own
// loopback without any link between the namespaces: inside, a forwarder listens on
// HOST:PORT (an address of the namespace) and pipes each connection over a Unix socket (file system, not network)
// to the test process, which pipes it to the server's loopback port.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';

const CHILD = fileURLToPath(new URL('./loopback-bridge-child.js', import.meta.url));

export interface Bridge {
  /** The address to use inside the namespace. */
  address: string;
  close(): Promise<void>;
}

export async function bridgeIntoNetns(
  ns: Netns,
  targetPort: number,
  insidePort: number,
  insideHost = '127.0.0.1',
): Promise<Bridge> {
  const dir = mkdtempSync(join(tmpdir(), 'vane-bridge-'));
  const socketPath = join(dir, 'bridge.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const out = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, out]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    inbound.pipe(out).pipe(inbound);
    const end = () => {
      inbound.destroy();
      out.destroy();
    };
    inbound.on('error', end);
    out.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const child: ChildProcess = ns.spawn(
    process.execPath,
    [CHILD, insideHost, String(insidePort), socketPath],
    {
      // Not inherited: a forwarder that outlived the test must not hold the runner's output open.
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bridge forwarder exited with ${code}: ${stderr}`)));
    child.stdout?.once('data', () => resolve());
  });
  return {
    address: `${insideHost}:${insidePort}`,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      // Half-closed connections (a client gone mid long poll) would keep close() waiting.
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
