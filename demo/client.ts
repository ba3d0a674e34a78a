// A proxyless gRPC client in its own process (grpc-js-xds reads its bootstrap once per
// process): calls `xds:///TARGET` RPS times a second through Vane until its stdin closes or
// it gets SIGTERM/SIGINT, printing one JSON line per call: {"backend", "zone", "version"} or
// {"error": CODE}. grpc-js-xds reports the load to Vane over LRS by itself, because Vane's
// clusters name an lrs_server.
// Env: VANE_XDS_ADDRESS, NODE_ID, ZONE, TARGET, RPS.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { WALLET_SERVICE } from './backend.js';

const env = process.env;
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [
    { server_uri: env.VANE_XDS_ADDRESS, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: { id: env.NODE_ID, cluster: 'vane-demo', locality: { zone: env.ZONE ?? '' } },
});
xds.register();

const Client = grpc.makeGenericClientConstructor(WALLET_SERVICE, 'Wallet');
const client = new Client(`xds:///${env.TARGET}`, grpc.credentials.createInsecure());
const rps = Math.max(1, Number(env.RPS ?? '20'));
const MAX_IN_FLIGHT = rps * 2;
let inFlight = 0;

function call(): void {
  if (inFlight >= MAX_IN_FLIGHT) return;
  inFlight += 1;
  client.who(
    {},
    new grpc.Metadata(),
    { deadline: Date.now() + 2000 },
    (err: grpc.ServiceError | null, value?: { backend: string; zone?: string; version?: string }) => {
      inFlight -= 1;
      const line =
        err || !value
          ? { error: grpc.status[err?.code ?? grpc.status.UNKNOWN] }
          : { backend: value.backend, zone: value.zone, version: value.version };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    },
  );
}

const timer = setInterval(call, 1000 / rps);

function stop(): void {
  clearInterval(timer);
  client.close();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdout.on('error', stop); // the demo has gone
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
