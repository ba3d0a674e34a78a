// The demo's backends: two per version in each zone, in this process, each on its own
// 127.0.0.1 port. A stopped backend really stops listening (health checks then fail) and
// restarts on the same port, where its NEG expects it.
import { type Backend, startBackend } from './backend.js';
import { type Endpoint, VERSIONS, type Version, ZONES } from './mesh.js';

export interface FleetMember extends Endpoint {
  name: string;
  /** The running server; undefined while stopped. */
  server: Backend | undefined;
}

export class Fleet {
  readonly members: FleetMember[] = [];
  private readonly stopped: FleetMember[] = [];

  /** Starts every backend. */
  async start(perZone = 2): Promise<void> {
    for (const version of VERSIONS)
      for (const zone of ZONES)
        for (let i = 1; i <= perZone; i++) {
          const name = `wallet-${version}-${zone}-${i}`;
          const server = await startBackend(name, { reply: { zone, version } });
          this.members.push({ name, zone, version, port: server.port, server });
        }
  }

  /** Stops the next running backend in `zone` (v1 first, then v2); undefined when all are stopped. */
  async stopOne(zone: string = ZONES[0]): Promise<FleetMember | undefined> {
    const order: Version[] = [...VERSIONS];
    const member = order
      .flatMap((v) => this.members.filter((m) => m.zone === zone && m.version === v))
      .find((m) => m.server !== undefined);
    if (member === undefined) return undefined;
    const server = member.server!;
    member.server = undefined;
    this.stopped.push(member);
    await withTimeout(server.stop(), 2000);
    return member;
  }

  /** Restarts every stopped backend on its own port. */
  async restartStopped(): Promise<FleetMember[]> {
    const restarted: FleetMember[] = [];
    for (const member of this.stopped.splice(0)) {
      member.server = await startBackend(member.name, {
        reply: { zone: member.zone, version: member.version },
        port: member.port,
      });
      restarted.push(member);
    }
    return restarted;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.members.map((m) => {
        const server = m.server;
        m.server = undefined;
        return server ? withTimeout(server.stop(), 2000) : undefined;
      }),
    );
  }
}

/** Waits for `p`, but no longer than `ms` (a server with calls in flight may take longer to shut down). */
function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
