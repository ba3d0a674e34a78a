// Load Reporting Service: admits a node like ADS does, asks it to report every cluster, and
// hands each report to a LoadReportSink. LoadWindow keeps a rolling window in memory.
import { create, toBinary } from '@bufbuild/protobuf';
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ClusterStats } from '../gen/envoy/config/endpoint/v3/load_report_pb.js';
import { type LoadStatsRequest, LoadStatsResponseSchema } from '../gen/envoy/service/load_stats/v3/lrs_pb.js';
import { identifyNode } from './node.js';
import type { ConnectionRegistry } from './registry.js';
import { statusError } from './stream-state.js';
import { type ConfigSource, type NodeInfo, XdsRefusal } from './types.js';

/** Where load reports go. */
export interface LoadReportSink {
  report(node: NodeInfo, stats: ClusterStats[]): void;
}

export interface LocalityKey {
  region: string;
  zone: string;
  subZone: string;
}

/** Load of one backend service in one locality over the window. */
export interface LocalityLoad {
  /** Project number of the reporting proxies (cluster names are per project). */
  projectNumber: string;
  /** cluster_service_name, else cluster_name: the backend service. */
  cluster: string;
  locality: LocalityKey;
  totalRequests: number;
  successes: number;
  errors: number;
  /** Sum over reporters of their latest in-progress count. */
  inProgress: number;
  droppedRequests: number;
  /** totalRequests per second over the window. */
  requestsPerSecond: number;
  reporters: number;
  windowSeconds: number;
}

interface Sample {
  time: number;
  /** The reporting interval the sample covers (ending at `time`). */
  intervalMs: number;
  issued: number;
  successes: number;
  errors: number;
  dropped: number;
}

interface Bucket {
  projectNumber: string;
  cluster: string;
  locality: LocalityKey;
  samples: Sample[];
  inProgress: Map<string, { value: number; time: number }>;
}

/** In-memory rolling window of load reports per cluster and locality. */
export class LoadWindow implements LoadReportSink {
  private readonly buckets = new Map<string, Bucket>();
  /** Latest request rate per (project, cluster, reporter zone, reporter): what demand is made of. */
  private readonly rates = new Map<
    string,
    { projectNumber: string; cluster: string; zone: string; rps: number; time: number; ttlMs: number }
  >();
  private readonly reportListeners = new Set<(projectNumber: string) => void>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: { windowSeconds?: number; now?: () => number } = {}) {
    this.windowMs = (opts.windowSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
  }

  report(node: NodeInfo, stats: ClusterStats[]): void {
    const time = this.now();
    for (const c of stats) {
      const cluster = c.clusterServiceName || c.clusterName;
      const intervalMs = c.loadReportInterval
        ? Number(c.loadReportInterval.seconds) * 1000 + c.loadReportInterval.nanos / 1e6
        : 0;
      if (intervalMs > 0) {
        const issued = c.upstreamLocalityStats.reduce((n, l) => n + Number(l.totalIssuedRequests), 0);
        this.rates.set(`${node.projectNumber}|${cluster}|${node.locality.zone}|${node.id}`, {
          projectNumber: node.projectNumber,
          cluster,
          zone: node.locality.zone,
          rps: issued / (intervalMs / 1000),
          time,
          // A reporter that has missed two reports no longer counts.
          ttlMs: Math.max(3000, 3 * intervalMs),
        });
      }
      const dropped = Number(c.totalDroppedRequests);
      let droppedCounted = false;
      for (const l of c.upstreamLocalityStats) {
        const locality = {
          region: l.locality?.region ?? '',
          zone: l.locality?.zone ?? '',
          subZone: l.locality?.subZone ?? '',
        };
        const bucket = this.bucket(node.projectNumber, cluster, locality);
        bucket.samples.push({
          time,
          intervalMs,
          issued: Number(l.totalIssuedRequests),
          successes: Number(l.totalSuccessfulRequests),
          errors: Number(l.totalErrorRequests),
          dropped: droppedCounted ? 0 : dropped,
        });
        droppedCounted = true;
        bucket.inProgress.set(node.id, { value: Number(l.totalRequestsInProgress), time });
      }
      if (!droppedCounted && dropped > 0) {
        this.bucket(node.projectNumber, cluster, { region: '', zone: '', subZone: '' }).samples.push({
          time,
          intervalMs,
          issued: 0,
          successes: 0,
          errors: 0,
          dropped,
        });
      }
    }
    this.prune(time);
    for (const listener of this.reportListeners) listener(node.projectNumber);
  }

  /**
   * Current demand per backend service from clients in each zone (`<cluster>|<zone>` →
   * requests per second): the sum of each live reporter's latest rate, whichever localities
   * served it. Capacity spillover compares it with what the zone's own locality can take.
   */
  demand(projectNumber: string): Map<string, number> {
    const now = this.now();
    const out = new Map<string, number>();
    for (const [key, r] of this.rates) {
      if (now - r.time > r.ttlMs) {
        this.rates.delete(key);
        continue;
      }
      if (r.projectNumber !== projectNumber) continue;
      const k = `${r.cluster}|${r.zone}`;
      out.set(k, (out.get(k) ?? 0) + r.rps);
    }
    return out;
  }

  /** Called after each load report with the reporter's project number. */
  onReport(listener: (projectNumber: string) => void): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  /**
   * Load per backend service and locality over the window (or the last `windowSeconds` of
   * it), for one project or all. Rates divide by the time the samples cover, so load that
   * started a few seconds ago is not diluted over the whole window.
   */
  summary(projectNumber?: string, opts: { windowSeconds?: number } = {}): LocalityLoad[] {
    const now = this.now();
    this.prune(now);
    const windowMs = Math.min(this.windowMs, (opts.windowSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    const oldest = now - windowMs;
    const out: LocalityLoad[] = [];
    for (const b of this.buckets.values()) {
      if (projectNumber !== undefined && b.projectNumber !== projectNumber) continue;
      const samples = b.samples.filter((s) => s.time > oldest);
      const sum = (f: (s: Sample) => number) => samples.reduce((acc, s) => acc + f(s), 0);
      let inProgress = 0;
      for (const v of b.inProgress.values()) inProgress += v.value;
      const totalRequests = sum((s) => s.issued);
      // A sample without its interval could cover anything: then the whole window counts.
      const coveredFrom = samples.some((s) => s.intervalMs === 0)
        ? oldest
        : Math.max(
            oldest,
            samples.reduce((t, s) => Math.min(t, s.time - s.intervalMs), now),
          );
      const seconds = Math.max(1, (now - coveredFrom) / 1000);
      out.push({
        projectNumber: b.projectNumber,
        cluster: b.cluster,
        locality: b.locality,
        totalRequests,
        successes: sum((s) => s.successes),
        errors: sum((s) => s.errors),
        inProgress,
        droppedRequests: sum((s) => s.dropped),
        requestsPerSecond: totalRequests / seconds,
        reporters: b.inProgress.size,
        windowSeconds: windowMs / 1000,
      });
    }
    return out.sort((a, b) =>
      key(a.projectNumber, a.cluster, a.locality).localeCompare(key(b.projectNumber, b.cluster, b.locality)),
    );
  }

  private bucket(projectNumber: string, cluster: string, locality: LocalityKey): Bucket {
    const k = key(projectNumber, cluster, locality);
    let b = this.buckets.get(k);
    if (b === undefined) {
      b = { projectNumber, cluster, locality, samples: [], inProgress: new Map() };
      this.buckets.set(k, b);
    }
    return b;
  }

  private prune(now: number): void {
    const oldest = now - this.windowMs;
    for (const [k, b] of this.buckets) {
      let i = 0;
      while (i < b.samples.length && b.samples[i]!.time < oldest) i += 1;
      if (i > 0) b.samples.splice(0, i);
      for (const [id, v] of b.inProgress) if (v.time < oldest) b.inProgress.delete(id);
      if (b.samples.length === 0 && b.inProgress.size === 0) this.buckets.delete(k);
    }
  }
}

function key(projectNumber: string, cluster: string, l: LocalityKey): string {
  return `${projectNumber}\u0000${cluster}\u0000${l.region}\u0000${l.zone}\u0000${l.subZone}`;
}

export interface LrsContext {
  source: ConfigSource;
  registry: ConnectionRegistry;
  logger: Logger;
  sink: LoadReportSink | undefined;
  intervalSeconds: number;
  /** Registers an ender so server shutdown can close the stream. */
  track: (end: (code: number, details: string) => void) => () => void;
}

/** Serves one StreamLoadStats call. */
export function serveLoadStats(
  call: ServerDuplexStream<LoadStatsRequest, Uint8Array>,
  ctx: LrsContext,
): void {
  const record = ctx.registry.open('lrs', call.getPeer());
  const log = ctx.logger.child({ stream: record.id });
  let node: NodeInfo | undefined;
  let presentedNodeId = '';
  let ended = false;
  let queue: Promise<void> = Promise.resolve();
  const cleanup = () => {
    if (ended) return false;
    ended = true;
    untrack();
    ctx.registry.close(record);
    return true;
  };
  const end = (code: number, details: string) => {
    if (!cleanup()) return;
    if (code === status.OK) call.end();
    else call.emit('error', statusError(code, details));
  };
  const untrack = ctx.track(end);
  const process = async (req: LoadStatsRequest) => {
    if (ended) return;
    if (node === undefined) {
      presentedNodeId = req.node?.id ?? '';
      const identified = identifyNode(req.node, 'LoadStatsRequest');
      record.node = identified;
      record.nodeProto = req.node;
      await ctx.source.check(identified);
      if (ended) return;
      node = identified;
      call.write(
        toBinary(
          LoadStatsResponseSchema,
          create(LoadStatsResponseSchema, {
            sendAllClusters: true,
            loadReportingInterval: { seconds: BigInt(ctx.intervalSeconds), nanos: 0 },
          }),
        ),
      );
    }
    if (req.clusterStats.length > 0) {
      ctx.registry.counters.loadReports += 1;
      ctx.sink?.report(node, req.clusterStats);
    }
  };
  call.on('data', (req: LoadStatsRequest) => {
    queue = queue
      .then(() => process(req))
      .catch((err: unknown) => {
        if (err instanceof XdsRefusal) {
          ctx.registry.refuse(record, presentedNodeId, err.code, err.message);
          log.warn({ node: record.node?.id, code: err.code, reason: err.message }, 'lrs stream refused');
          end(err.code, err.message);
        } else {
          log.error({ err }, 'lrs stream failed');
          end(status.INTERNAL, 'internal error');
        }
      });
  });
  call.on('end', () => {
    queue = queue.then(() => end(status.OK, 'client closed the stream'));
  });
  call.on('cancelled', cleanup);
  call.on('close', cleanup);
}
