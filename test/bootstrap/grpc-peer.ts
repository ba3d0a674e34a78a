// A proxyless gRPC process configured only by the bootstrap file in GRPC_XDS_BOOTSTRAP, as an
// application deployed with `vane bootstrap grpc` is. MODE=client calls `xds:///TARGET` every
// 50 ms and prints {"backend"} or {"error"} per call; MODE=server binds an XdsServer on
// 127.0.0.1:PORT answering as NAME and prints {"serving"} on every serving-state change.
// Both run until stdin closes.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { ECHO_SERVICE } from '../helpers/backends.js';

const env = process.env;
delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
if (env.GRPC_XDS_BOOTSTRAP === undefined) throw new Error('GRPC_XDS_BOOTSTRAP is not set');
xds.register();

const print = (v: object) => process.stdout.write(`${JSON.stringify(v)}\n`);
let running = true;
process.stdin.resume();
process.stdin.on('end', () => {
  running = false;
});

if (env.MODE === 'server') {
  const address = `127.0.0.1:${env.PORT}`;
  const server = new xds.XdsServer();
  server.addService(ECHO_SERVICE, {
    who: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) =>
      callback(null, { backend: env.NAME }),
  });
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) =>
    print(err ? { error: err.message } : { serving: true }),
  );
  server.addServingStateListener(address, (status) => print({ serving: status.code === grpc.status.OK }));
  process.stdin.on('end', () => {
    server.forceShutdown();
    process.exit(0);
  });
} else {
  const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
  const client = new Client(`xds:///${env.TARGET}`, grpc.credentials.createInsecure());
  while (running) {
    const line = await new Promise<object>((resolve) =>
      client.who(
        {},
        { deadline: Date.now() + 5000 },
        (err: grpc.ServiceError | null, value?: { backend: string }) =>
          resolve(
            err || !value
              ? { error: grpc.status[err?.code ?? grpc.status.UNKNOWN], details: err?.details }
              : value,
          ),
      ),
    );
    print(line);
    await new Promise((r) => setTimeout(r, 50));
  }
  client.close();
  process.exit(0);
}
