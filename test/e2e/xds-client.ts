// A proxyless gRPC client in its own process (grpc-js-xds reads its bootstrap once per
// process) that calls `xds:///TARGET` through Vane every INTERVAL_MS until its stdin
// closes, printing one JSON line per RPC: {"backend": NAME} or {"error": CODE, "details"}.
// Env: VANE_XDS_ADDRESS, NODE_ID, ZONE, NODE_METADATA (JSON), TARGET, CALL_METADATA
// (JSON), INTERVAL_MS, DEADLINE_MS, CONCURRENCY. The first line is {"adminPort": N}: the client's CSDS.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { ECHO_SERVICE } from '../helpers/backends.js';

const env = process.env;
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [
    { server_uri: env.VANE_XDS_ADDRESS, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: {
    id: env.NODE_ID,
    cluster: 'e2e',
    locality: { zone: env.ZONE ?? '' },
    metadata: JSON.parse(env.NODE_METADATA ?? '{}') as Record<string, unknown>,
  },
});
xds.register();

const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
const client = new Client(`xds:///${env.TARGET}`, grpc.credentials.createInsecure());
let intervalMs = Number(env.INTERVAL_MS ?? '10');
const deadlineMs = Number(env.DEADLINE_MS ?? '5000');
let callMetadata = JSON.parse(env.CALL_METADATA ?? '{}') as Record<string, string>;

// The client's own admin services (CSDS among them), so tests can compare its view with Vane's.
const admin = new grpc.Server();
grpc.addAdminServicesToServer(admin);
const adminPort = await new Promise<number>((resolve, reject) =>
  admin.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
    err ? reject(err) : resolve(port),
  ),
);
process.stdout.write(`${JSON.stringify({ adminPort })}\n`);

let running = true;
process.stdin.on('end', () => {
  running = false;
});
// A line on stdin replaces the call metadata ({"metadata": {"route": "v2"}}) or the pace ({"intervalMs": 500}).
process.stdin.on('data', (chunk) => {
  for (const line of String(chunk).split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { intervalMs?: number; metadata?: Record<string, string> };
    if (parsed.intervalMs !== undefined) intervalMs = parsed.intervalMs;
    else callMetadata = parsed.metadata ?? {};
  }
});

/** One call loop; CONCURRENCY of them run at once. */
async function loop(): Promise<void> {
  while (running) {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(callMetadata)) md.set(k, v);
    const started = Date.now();
    const line = await new Promise<string>((resolve) =>
      client.who(
        {},
        md,
        { deadline: started + deadlineMs },
        (err: grpc.ServiceError | null, value?: { backend: string }) =>
          resolve(
            JSON.stringify(
              err || !value
                ? {
                    error: grpc.status[err?.code ?? grpc.status.UNKNOWN],
                    details: err?.details,
                    ms: Date.now() - started,
                  }
                : { backend: value.backend, ms: Date.now() - started },
            ),
          ),
      ),
    );
    process.stdout.write(`${line}\n`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
await Promise.all(Array.from({ length: Number(env.CONCURRENCY ?? '1') }, loop));
client.close();
admin.forceShutdown();
process.exit(0);
