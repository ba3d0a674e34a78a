import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  GrpcProber,
  Http2Prober,
  HttpProber,
  probeSsl,
  probeTcp,
} from '../../src/health/index.js';
import type { ProbeTarget } from '../../src/health/types.js';
import { track } from './helpers.js';
import {
  type FlipServer,
  type GrpcFlipServer,
  grpcServer,
  http2Server,
  httpServer,
  httpsServer,
  sslServer,
  tcpServer,
} from './servers.js';

const signal = () => AbortSignal.timeout(2000);
const at = (port: number, poolKey?: string): ProbeTarget =>
  poolKey === undefined
    ? { ip: '127.0.0.1', port, timeoutMs: 2000 }
    : { ip: '127.0.0.1', port, timeoutMs: 2000, poolKey };

describe('grpc.health.v1 codec', () => {
  test('round-trips requests and responses', () => {
    assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: 'a.B' })), {
      service: 'a.B',
    });
    assert.equal(encodeHealthCheckRequest({ service: '' }).length, 0);
    for (const status of ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const) {
      assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status })), { status });
    }
    // field 1 varint 1 = SERVING, as protoc encodes it
    assert.deepEqual([...encodeHealthCheckResponse({ status: 'SERVING' })], [0x08, 0x01]);
  });
});

describe('HTTP probe', () => {
  let srv: FlipServer;
  const prober = new HttpProber(false);
  before(async () => {
    srv = await httpServer();
  });
  after(async () => {
    await prober.close();
    await srv.close();
  });

  test('200 exactly is success; 503, 204, 201, 301, 404 fail', async () => {
    srv.state.healthy = true;
    const ok = await prober.probe(at(srv.port), {}, signal());
    assert.equal(ok.ok, true, ok.detail);
    assert.equal(ok.detail, 'HTTP 200');
    assert.ok(ok.latencyMs >= 0);
    srv.state.healthy = false;
    const bad = await prober.probe(at(srv.port), {}, signal());
    assert.deepEqual([bad.ok, bad.detail], [false, 'HTTP 503']);
    srv.state.healthy = true;
    for (const status of [204, 201, 301, 404]) {
      srv.state.okStatus = status;
      const r = await prober.probe(at(srv.port), {}, signal());
      assert.deepEqual([r.ok, r.detail], [false, `HTTP ${status}`]);
    }
    srv.state.okStatus = 200;
  });

  test('default Host is ip:port and default path is /; host and requestPath are sent', async () => {
    srv.state.requests.length = 0;
    await prober.probe(at(srv.port), {}, signal());
    await prober.probe(at(srv.port), { host: 'svc.example.test', requestPath: '/healthz?deep=1' }, signal());
    assert.deepEqual(srv.state.requests, [
      { host: `127.0.0.1:${srv.port}`, url: '/' },
      { host: 'svc.example.test', url: '/healthz?deep=1' },
    ]);
  });

  test('response must appear in the first 1024 bytes of the body', async () => {
    srv.state.body = 'status: alive';
    assert.equal((await prober.probe(at(srv.port), { response: 'alive' }, signal())).ok, true);
    srv.state.body = 'status: dead';
    const wrong = await prober.probe(at(srv.port), { response: 'alive' }, signal());
    assert.equal(wrong.ok, false);
    assert.match(wrong.detail, /lacks "alive"/);
    srv.state.body = `${'x'.repeat(1020)}alive`;
    assert.equal((await prober.probe(at(srv.port), { response: 'alive' }, signal())).ok, false);
    srv.state.body = `${'x'.repeat(1019)}alive`;
    assert.equal((await prober.probe(at(srv.port), { response: 'alive' }, signal())).ok, true);
    srv.state.body = 'ok';
  });

  test('reuses one keep-alive connection per pool key', async () => {
    const before = srv.stats.total;
    for (let i = 0; i < 5; i++) assert.equal((await prober.probe(at(srv.port, 'k1'), {}, signal())).ok, true);
    assert.equal(srv.stats.total - before, 1);
    prober.release('k1');
    for (let i = 0; i < 2; i++) assert.equal((await prober.probe(at(srv.port), {}, signal())).ok, true);
    assert.equal(srv.stats.total - before, 3, 'without a pool key each probe connects anew');
  });

  test('PROXY_V1 sends the PROXY line before the request', async () => {
    const lines: string[] = [];
    const raw = await track(
      createNetServer((s: Socket) => {
        s.once('data', (d: Buffer) => {
          lines.push(...d.toString().split('\r\n').slice(0, 2));
          s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
        });
      }),
    );
    try {
      const r = await prober.probe(at(raw.port), { proxyHeader: 'PROXY_V1' }, signal());
      assert.equal(r.ok, true, r.detail);
      assert.match(lines[0]!, new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${raw.port}$`));
      assert.equal(lines[1], 'GET / HTTP/1.1');
    } finally {
      await raw.close();
    }
  });
});

describe('HTTPS and HTTP2 probes (self-signed certificate)', () => {
  let s1: FlipServer;
  let s2: FlipServer;
  const https = new HttpProber(true);
  const h2 = new Http2Prober();
  before(async () => {
    s1 = await httpsServer();
    s2 = await http2Server();
  });
  after(async () => {
    await https.close();
    await h2.close();
    await s1.close();
    await s2.close();
  });

  test('HTTPS: status, Host, path, response', async () => {
    assert.equal((await https.probe(at(s1.port), {}, signal())).ok, true);
    s1.state.body = 'nope';
    const r = await https.probe(
      at(s1.port),
      { host: 'h.test', requestPath: '/hz', response: 'yes' },
      signal(),
    );
    assert.equal(r.ok, false);
    assert.deepEqual(s1.state.requests.at(-1), { host: 'h.test', url: '/hz' });
    s1.state.healthy = false;
    assert.equal((await https.probe(at(s1.port), {}, signal())).detail, 'HTTP 503');
  });

  for (const [name, make] of [
    ['HTTPS', () => new HttpProber(true)],
    ['HTTP2', () => new Http2Prober()],
  ] as const) {
    test(`${name}: PROXY_V1 line precedes the TLS handshake`, async () => {
      const target = name === 'HTTPS' ? s1 : s2;
      const tlsServer = name === 'HTTPS' ? s1.server : s2.server;
      const lines: string[] = [];
      // reads the PROXY line, then hands the connection to the TLS server
      const front = await track(
        createNetServer((s: Socket) => {
          s.on('error', () => {});
          let buf = Buffer.alloc(0);
          const onData = (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            const end = buf.indexOf('\r\n');
            if (end < 0) return;
            s.off('data', onData);
            s.pause();
            lines.push(buf.subarray(0, end).toString());
            s.unshift(buf.subarray(end + 2));
            tlsServer.emit('connection', s);
          };
          s.on('data', onData);
        }),
      );
      const prober = make();
      try {
        target.state.healthy = true;
        target.state.body = 'ok';
        const r = await prober.probe(at(front.port, 'p'), { proxyHeader: 'PROXY_V1' }, signal());
        assert.equal(r.ok, true, r.detail);
        assert.match(
          lines[0] ?? '',
          new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${front.port}$`),
        );
      } finally {
        await prober.close();
        await front.close();
      }
    });
  }

  test('HTTP2: status, :authority, path, response; one session reused', async () => {
    const before = s2.stats.total;
    const ok = await h2.probe(
      at(s2.port, 'a'),
      { host: 'h2.test', requestPath: '/hz', response: 'ok' },
      signal(),
    );
    assert.equal(ok.ok, true, ok.detail);
    assert.deepEqual(s2.state.requests.at(-1), { host: 'h2.test', url: '/hz' });
    assert.equal((await h2.probe(at(s2.port, 'a'), {}, signal())).ok, true);
    s2.state.healthy = false;
    assert.equal((await h2.probe(at(s2.port, 'a'), {}, signal())).detail, 'HTTP/2 503');
    s2.state.healthy = true;
    s2.state.body = 'other';
    assert.equal((await h2.probe(at(s2.port, 'a'), { response: 'ok' }, signal())).ok, false);
    assert.equal(s2.stats.total - before, 1, 'one HTTP/2 connection for all probes');
  });
});

describe('TCP and SSL probes', () => {
  let tcp: FlipServer;
  let ssl: FlipServer;
  before(async () => {
    tcp = await tcpServer();
    ssl = await sslServer();
  });
  after(async () => {
    await tcp.close();
    await ssl.close();
  });

  test('connect only, and request/response matching', async () => {
    assert.deepEqual((await probeTcp(at(tcp.port), {}, signal())).detail, 'connected');
    assert.equal((await probeTcp(at(tcp.port), { request: 'PING', response: 'PONG' }, signal())).ok, true);
    tcp.state.healthy = false;
    const r = await probeTcp(at(tcp.port), { request: 'PING', response: 'PONG' }, signal());
    assert.equal(r.ok, false);
    assert.match(r.detail, /response mismatch: got "NOPE"/);
    // the request reached the server
    assert.equal(tcp.state.requests.at(-1)?.url, 'PING');
  });

  test('SSL: handshake, and request/response matching', async () => {
    assert.equal((await probeSsl(at(ssl.port), {}, signal())).detail, 'handshake completed');
    assert.equal((await probeSsl(at(ssl.port), { request: 'PING', response: 'PONG' }, signal())).ok, true);
    ssl.state.healthy = false;
    assert.equal((await probeSsl(at(ssl.port), { request: 'PING', response: 'PONG' }, signal())).ok, false);
    // TLS probe against a plain TCP server fails
    assert.equal((await probeSsl(at(tcp.port), {}, AbortSignal.timeout(500))).ok, false);
  });

  test('response longer than what the server sends before closing fails', async () => {
    const short = await track(createNetServer((s: Socket) => s.end('PO')));
    try {
      const r = await probeTcp(at(short.port), { response: 'PONG' }, signal());
      assert.equal(r.ok, false);
      assert.match(r.detail, /closed after 2 of 4/);
    } finally {
      await short.close();
    }
  });

  test('PROXY_V1 line precedes the request', async () => {
    tcp.state.healthy = true;
    await probeTcp(at(tcp.port), { proxyHeader: 'PROXY_V1', request: 'PING', response: 'PONG' }, signal());
    assert.match(tcp.state.requests.at(-1)?.url ?? '', /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\n/);
  });
});

describe('GRPC probe', () => {
  let srv: GrpcFlipServer;
  const prober = new GrpcProber();
  before(async () => {
    srv = await grpcServer();
  });
  after(async () => {
    await prober.close();
    await srv.close();
  });

  test('SERVING succeeds; NOT_SERVING and an unknown service fail', async () => {
    srv.statuses.set('wallet.Wallet', 'NOT_SERVING');
    const ok = await prober.probe(at(srv.port, 'g'), {}, signal());
    assert.deepEqual([ok.ok, ok.detail], [true, 'SERVING']);
    const notServing = await prober.probe(at(srv.port, 'g'), { grpcServiceName: 'wallet.Wallet' }, signal());
    assert.deepEqual([notServing.ok, notServing.detail], [false, 'status NOT_SERVING']);
    const unknown = await prober.probe(at(srv.port, 'g'), { grpcServiceName: 'nope.Nope' }, signal());
    assert.equal(unknown.ok, false);
    assert.match(unknown.detail, /^NOT_FOUND/);
    assert.deepEqual(srv.calls, ['', 'wallet.Wallet', 'nope.Nope']);
  });
});

describe('a pooled connection the server dropped while idle is retried once', () => {
  test('HTTP: reset on the reused keep-alive connection -> one retry on a new connection', async () => {
    const perConn = new Map<Socket, number>();
    const srv = await track(
      createNetServer((s: Socket) => {
        s.on('error', () => {});
        s.on('data', () => {
          const n = (perConn.get(s) ?? 0) + 1;
          perConn.set(s, n);
          if (n === 1) s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=60\r\n\r\nok');
          else s.resetAndDestroy();
        });
      }),
    );
    const prober = new HttpProber(false);
    try {
      assert.equal((await prober.probe(at(srv.port, 'r'), {}, signal())).ok, true);
      const second = await prober.probe(at(srv.port, 'r'), {}, signal());
      assert.equal(second.ok, true, second.detail);
      assert.equal(srv.stats.total, 2);
      // a fresh connection that fails is not retried
      const fresh = await track(createNetServer((s: Socket) => s.resetAndDestroy()));
      const r = await prober.probe(at(fresh.port, 'f'), {}, signal());
      assert.equal(r.ok, false);
      assert.equal(fresh.stats.total, 1);
      await fresh.close();
    } finally {
      await prober.close();
      await srv.close();
    }
  });

  test('HTTP2 and GRPC: stream refused on the reused session -> one retry on a new session', async () => {
    const { createServer: createH2c, createSecureServer, constants } = await import('node:http2');
    const answer = (grpc: boolean) => (stream: import('node:http2').ServerHttp2Stream) => {
      stream.on('error', () => {});
      const session = stream.session!;
      const n = (streams.get(session) ?? 0) + 1;
      streams.set(session, n);
      if (n > 1) {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      stream.on('data', () => {});
      if (!grpc) {
        stream.respond({ ':status': 200 });
        stream.end('ok');
        return;
      }
      stream.on('end', () => {
        const msg = encodeHealthCheckResponse({ status: 'SERVING' });
        const frame = Buffer.alloc(5 + msg.length);
        frame.writeUInt32BE(msg.length, 1);
        msg.copy(frame, 5);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frame);
      });
    };
    const streams = new Map<object, number>();
    const { TLS_CERT, TLS_KEY } = await import('./helpers.js');
    const h2 = createSecureServer({ key: TLS_KEY, cert: TLS_CERT });
    h2.on('stream', answer(false));
    const h2c = createH2c();
    h2c.on('stream', answer(true));
    const [t1, t2] = [await track(h2), await track(h2c)];
    const p1 = new Http2Prober();
    const p2 = new GrpcProber();
    try {
      for (const [prober, t] of [
        [p1, t1],
        [p2, t2],
      ] as const) {
        assert.equal((await prober.probe(at(t.port, 'x'), {}, signal())).ok, true);
        const second = await prober.probe(at(t.port, 'x'), {}, signal());
        assert.equal(second.ok, true, second.detail);
        assert.equal(t.stats.total, 2);
      }
    } finally {
      await p1.close();
      await p2.close();
      await t1.close();
      await t2.close();
    }
  });
});
