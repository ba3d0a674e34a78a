// A proxyless gRPC client and server configured by nothing but the file `vane bootstrap grpc`
// writes, against a real `vane serve`, in a non-default network.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { runCli, tempDir } from '../cli/run.js';
import { type Backend, startBackend } from '../helpers/backends.js';
import { routeTo } from '../helpers/routing-docs.js';
import { startVane, type TestServer } from '../helpers/server.js';

const ZONE = 'us-central1-a';
const NETWORK = 'mesh-net';
const PEER = resolve(import.meta.dirname, 'grpc-peer.js');

let vane: TestServer;
let backend: Backend;
const children: ChildProcess[] = [];

before(async () => {
  vane = await startVane();
  backend = await startBackend('greeter-a');
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.stdin!.end();
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  );
  await backend.stop();
  await vane.stop();
});

/** A process of grpc-peer.ts; `lines` collects what it printed. */
function peer(env: Record<string, string>): { lines: Record<string, unknown>[]; next: () => Promise<void> } {
  const child = spawn(process.execPath, [PEER], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let wake: () => void = () => {};
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    wake();
  });
  const next = () =>
    new Promise<void>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`no output in 20 s; got ${JSON.stringify(lines.slice(-3))}; stderr: ${stderr}`)),
        20_000,
      );
      wake = () => {
        clearTimeout(timer);
        res();
      };
    });
  return { lines, next };
}

async function until(
  p: ReturnType<typeof peer>,
  predicate: (l: Record<string, unknown>) => boolean,
): Promise<void> {
  while (!p.lines.some(predicate)) await p.next();
}

async function bootstrapFile(number: string, dir: string, name: string): Promise<string> {
  const file = join(dir, name);
  const r = await runCli([
    'bootstrap',
    'grpc',
    '--xds-server-uri',
    vane.xdsAddress,
    '--gcp-project-number',
    number,
    '--vpc-network-name',
    NETWORK,
    '--locality-zone',
    ZONE,
    '--output',
    file,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return file;
}

test('a grpc-js-xds client and XdsServer run on the file `vane bootstrap grpc` writes', async () => {
  const created = await vane.api('POST', '/v1/projects', { projectId: 'boot' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const number = String(created.body.projectNumber);
  const serverPort = await freePort();
  const resources = [
    { kind: 'network', name: NETWORK },
    {
      kind: 'networkEndpointGroup',
      name: 'neg',
      zone: ZONE,
      network: `global/networks/${NETWORK}`,
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: backend.port }],
    },
    {
      kind: 'backendService',
      name: 'greeter',
      protocol: 'GRPC',
      backends: [
        { group: `zones/${ZONE}/networkEndpointGroups/neg`, balancingMode: 'RATE', maxRatePerEndpoint: 1000 },
      ],
    },
    ...routeTo('greeter', 'greeter.test', 8000).map((r) =>
      r.kind === 'forwardingRule' ? { ...r, network: `global/networks/${NETWORK}` } : r,
    ),
  ];
  const applied = await vane.api('POST', '/v1/projects/boot/apply', { resources });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));

  const dir = tempDir();
  const client = peer({
    MODE: 'client',
    TARGET: 'greeter.test:8000',
    GRPC_XDS_BOOTSTRAP: await bootstrapFile(number, dir, 'client.json'),
  });
  await until(client, (l) => l.backend === 'greeter-a');

  // The server's listener name comes from server_listener_resource_name_template: it serves
  // only once Vane answers that name, i.e. once its address is an endpoint.
  const server = peer({
    MODE: 'server',
    PORT: String(serverPort),
    NAME: 'xds-server',
    GRPC_XDS_BOOTSTRAP: await bootstrapFile(number, dir, 'server.json'),
  });
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(!server.lines.some((l) => l.serving === true), JSON.stringify(server.lines));
  const attached = await vane.api(
    'POST',
    `/compute/v1/projects/boot/zones/${ZONE}/networkEndpointGroups/neg/attachNetworkEndpoints`,
    { networkEndpoints: [{ ipAddress: '127.0.0.1', port: serverPort }] },
  );
  assert.equal(attached.status, 200, JSON.stringify(attached.body));
  await until(server, (l) => l.serving === true);
  await until(client, (l) => l.backend === 'xds-server');
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}
