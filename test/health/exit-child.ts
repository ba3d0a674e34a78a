// Child process for lifecycle.test.ts: runs a checker against every protocol, closes it,
// closes the servers, and must then exit on its own (no timers, sockets or channels left).
import { createServer as createNetServer, type Socket } from 'node:net';
import { makeCheck, makeTarget, NEG, newChecker, sleep, track, waitFor } from './helpers.js';
import { grpcServer, http2Server, httpServer, httpsServer, sslServer, tcpServer } from './servers.js';

const servers = {
  TCP: await tcpServer(),
  SSL: await sslServer(),
  HTTP: await httpServer(),
  HTTPS: await httpsServer(),
  HTTP2: await http2Server(),
};
const grpc = await grpcServer();
const hang = await track(createNetServer((s: Socket) => s.on('error', () => {}).resume()));
const checker = newChecker();
const targets = [
  ...Object.entries(servers).map(([type, s]) =>
    makeTarget(
      s.port,
      makeCheck(
        type as keyof typeof servers,
        type === 'TCP' || type === 'SSL' ? { request: 'PING', response: 'PONG' } : {},
      ),
      { intervalMs: 20 },
    ),
  ),
  makeTarget(grpc.port, makeCheck('GRPC'), { intervalMs: 20 }),
  makeTarget(hang.port, makeCheck('GRPC'), {
    key: `${NEG}-hang|127.0.0.1|${hang.port}`,
    intervalMs: 20,
    timeoutMs: 60_000,
  }),
  makeTarget(hang.port, makeCheck('HTTP2'), {
    key: `${NEG}-hang2|127.0.0.1|${hang.port}`,
    intervalMs: 20,
    timeoutMs: 60_000,
  }),
];
checker.setTargets(targets);
await waitFor(() => targets.slice(0, 6).every((t) => checker.status(t.key).state === 'HEALTHY'), 5000);
const c = checker.counters();
const probes = Object.values(c.probes).reduce((n, p) => n + p.succeeded, 0);
const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const t0 = Date.now();
await checker.close();
const closeMs = Date.now() - t0;
await sleep(100);
const all = [...Object.values(servers), hang];
const openAfterClose = all.reduce((n, s) => n + s.open.size, 0);
// waitFor/sleep timers are gone by now; anything left is the checker's
const timersAfterClose = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
for (const s of all) await s.close();
await grpc.close();
console.log(JSON.stringify({ probes, closeMs, openAfterClose, timersAfterClose, timersBefore }));
