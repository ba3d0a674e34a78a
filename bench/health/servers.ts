// Health-check target servers for the bench, run as a forked child process: one listener per
// endpoint, each on its own loopback address 127.77.A.B (Linux routes all of 127.0.0.0/8 to
// the loopback interface, so no configuration is needed) and a port the kernel picks. Every
// listener of a process hands its connections to one protocol server:
//   TCP  — accepts and waits for the prober to close (a TCP check without request/response);
//   HTTP — node:http, 200 "ok" (keep-alive timeout from argv);
//   GRPC — @grpc/grpc-js answering grpc.health.v1.Health/Check with SERVING (connections
//          injected with createConnectionInjector).
// argv: protocol, first endpoint index, endpoint count, HTTP keep-alive timeout (ms).
// IPC: sends {type:'ready', endpoints}; answers {type:'window', on} (start/stop counting) and
// {type:'stats'} with a WorkerStats.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  HEALTH_SERVICE_DEFINITION,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../../src/health/index.js';

export type Protocol = 'TCP' | 'HTTP' | 'GRPC';

/** The loopback address of endpoint i (127.77.0.1 … 127.77.39.250 for 10,000). */
function endpointIp(i: number): string {
  return `127.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export interface WorkerStats {
  /** Connections accepted and probes answered (requests; TCP: connections) in the window. */
  connections: number;
  probes: number;
  /** Per-endpoint time between consecutive probes seen in the window, ms (sorted sample). */
  gaps: number[];
  /** Open connections now. */
  open: number;
  /** CPU time of this process, ms (user + system). */
  cpuMs: number;
}

async function main(): Promise<void> {
  const protocol = process.argv[2] as Protocol;
  const first = Number(process.argv[3]);
  const count = Number(process.argv[4]);
  const keepAliveMs = Number(process.argv[5] ?? 5000);
  if (!['TCP', 'HTTP', 'GRPC'].includes(protocol) || !(count > 0)) throw new Error('bad arguments');

  let counting = false;
  let connections = 0;
  let probes = 0;
  let open = 0;
  const last = new Map<string, number>();
  const gaps: number[] = [];
  /** A probe of the endpoint `key` arrived. */
  const seen = (key: string) => {
    const now = performance.now();
    const prev = last.get(key);
    last.set(key, now);
    if (!counting) return;
    probes++;
    if (prev !== undefined) gaps.push(now - prev);
  };
  /** gRPC calls only know their peer: the prober's address and port → the endpoint. */
  const byPeer = new Map<string, string>();

  let onConnection: (socket: Socket, key: string) => void;
  if (protocol === 'TCP') {
    onConnection = (socket, key) => {
      seen(key);
      socket.resume();
      socket.on('end', () => socket.end());
    };
  } else if (protocol === 'HTTP') {
    const http = createHttpServer((req, res) => {
      const s = req.socket;
      seen(`${s.localAddress}:${s.localPort}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    http.keepAliveTimeout = keepAliveMs;
    onConnection = (socket) => http.emit('connection', socket);
  } else {
    const server = new grpc.Server();
    server.addService(HEALTH_SERVICE_DEFINITION, {
      check: (
        call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
        callback: grpc.sendUnaryData<HealthCheckResponse>,
      ) => {
        const peer = call.getPeer();
        seen(byPeer.get(peer) ?? peer);
        callback(null, { status: 'SERVING' });
      },
    });
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    onConnection = (socket, key) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      byPeer.set(peer, key);
      socket.once('close', () => byPeer.delete(peer));
      injector.injectConnection(socket);
    };
  }

  const servers: Server[] = [];
  const endpoints: { ip: string; port: number }[] = [];
  for (let i = first; i < first + count; i++) {
    const ip = endpointIp(i);
    const srv = createNetServer((socket) => {
      if (counting) connections++;
      open++;
      socket.on('error', () => {});
      socket.once('close', () => open--);
      onConnection(socket, `${ip}:${socket.localPort}`);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: ip, port: 0, backlog: 511 }, () => resolve());
    });
    const addr = srv.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    endpoints.push({ ip, port: addr.port });
    servers.push(srv);
  }

  process.on('message', (msg: { type: string; on?: boolean }) => {
    if (msg.type === 'window') {
      counting = msg.on === true;
      if (counting) {
        connections = 0;
        probes = 0;
        gaps.length = 0;
      }
    } else if (msg.type === 'stats') {
      const u = process.cpuUsage();
      const stats: WorkerStats = {
        connections,
        probes,
        gaps: gaps.sort((a, b) => a - b),
        open,
        cpuMs: (u.user + u.system) / 1000,
      };
      process.send!({ type: 'stats', stats });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', endpoints });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
