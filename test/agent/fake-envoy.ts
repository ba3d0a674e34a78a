// A stand-in for the Envoy binary (none can be installed on the test machines). It accepts
// the agent's command line, answers `--version` with FAKE_ENVOY_VERSION, and otherwise reads
// the bootstrap (-c) and opens what Envoy would: the outbound interception port, the inbound
// port and the admin port. Connections are answered with one line naming the listener and
// the UID the process runs as. Admin: GET /server_info; POST /quitquitquit (exit 0);
// POST /crash (a log line on stderr, exit 1).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { parse } from 'yaml';

const version = process.env.FAKE_ENVOY_VERSION ?? '1.27.0';
const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`\nenvoy  version: 0123456789abcdef/${version}/Clean/RELEASE/BoringSSL\n\n`);
  process.exit(0);
}
const configPath = args[args.indexOf('-c') + 1];
if (args.indexOf('-c') < 0 || configPath === undefined) {
  process.stderr.write('fake envoy: -c <bootstrap> is required\n');
  process.exit(1);
}
const bootstrap = parse(readFileSync(configPath, 'utf8')) as {
  node: { id: string; metadata: Record<string, string> };
  admin: { address: { socket_address: { port_value: number } } };
};
const md = bootstrap.node.metadata;
const uid = process.getuid?.();
const log = (line: string) => process.stderr.write(`[${new Date().toISOString()}][info] ${line}\n`);
log(`fake envoy ${version} starting as uid ${uid} with node ${bootstrap.node.id}`);

const answer = (name: string, port: number) =>
  createServer((socket) => socket.end(`${name} uid=${uid}\n`)).listen(port, '0.0.0.0');
if (md.TRAFFICDIRECTOR_INTERCEPTION_PORT)
  answer('proxy-outbound', Number(md.TRAFFICDIRECTOR_INTERCEPTION_PORT));
if (md.TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT)
  answer('proxy-inbound', Number(md.TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT));

createHttpServer((req, res) => {
  if (req.url === '/server_info') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version, state: 'LIVE', node: bootstrap.node }));
  } else if (req.url === '/quitquitquit' && req.method === 'POST') {
    res.end('OK\n', () => process.exit(0));
  } else if (req.url === '/crash' && req.method === 'POST') {
    log('crashing on request');
    res.end('crashing\n', () => process.exit(1));
  } else {
    res.statusCode = 404;
    res.end();
  }
}).listen(bootstrap.admin.address.socket_address.port_value, '127.0.0.1');

process.on('SIGTERM', () => {
  log('caught SIGTERM, exiting');
  process.exit(0);
});
