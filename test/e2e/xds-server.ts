// A proxyless gRPC server (gRFC A36, grpc-js-xds XdsServer) in its own process: binds
// 127.0.0.1:PORT, takes its listener from Vane, and serves the echo service as NAME.
// Prints {"serving": true|false, "details"} on every serving-state change.
// Env: VANE_XDS_ADDRESS, NODE_ID, NAME, PORT.
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { ECHO_SERVICE } from '../helpers/backends.js';

const env = process.env;
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
  xds_servers: [
    { server_uri: env.VANE_XDS_ADDRESS, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
  ],
  node: { id: env.NODE_ID, cluster: 'e2e', locality: { zone: 'us-central1-a' }, metadata: {} },
  server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
});

// Registers the xds resolver and, with it, the HTTP filters (router, fault) servers need.
xds.register();

const address = `127.0.0.1:${env.PORT}`;
const server = new xds.XdsServer();
server.addService(ECHO_SERVICE, {
  who: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) =>
    callback(null, { backend: env.NAME }),
});
// The callback fires once the listener from Vane makes the port serve; later changes
// reach the serving-state listener (which only exists once the port is bound).
server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => {
  process.stdout.write(`${JSON.stringify(err ? { error: err.message } : { serving: true })}\n`);
});
server.addServingStateListener(address, (status) => {
  process.stdout.write(
    `${JSON.stringify({ serving: status.code === grpc.status.OK, details: status.details })}\n`,
  );
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.forceShutdown();
  process.exit(0);
});
