import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LocalityLoad } from '../../xds/lrs.js';
import type { ApiContext } from '../context.js';

/**
 * Prometheus metrics at GET /metrics (unauthenticated, like /healthz). Values are read from
 * the xDS registry at scrape time, so the hot path only bumps plain counters.
 */
export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vane_process_' });
  const xds = ctx.xds;
  if (xds) {
    const m = () => xds.registry.metrics();
    new Gauge({
      name: 'vane_xds_connected_proxies',
      help: 'Live xDS streams (ADS and LRS)',
      registers: [registry],
      collect() {
        this.set(m().liveStreams);
      },
    });
    const monotonic = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    monotonic('vane_xds_streams_opened_total', 'xDS streams opened', () => m().streamsOpened);
    monotonic(
      'vane_xds_refused_streams_total',
      'xDS streams refused (unknown project or network, bad node)',
      () => m().refusals,
    );
    monotonic('vane_xds_acks_total', 'ACKs received', () => m().acks);
    monotonic('vane_xds_nacks_total', 'NACKs received', () => m().nacks);
    monotonic('vane_xds_bytes_sent_total', 'Bytes of discovery responses sent', () => m().bytesSent);
    monotonic('vane_lrs_reports_total', 'Load reports received', () => m().loadReports);
    new Counter({
      name: 'vane_xds_pushes_total',
      help: 'Discovery responses sent, by type',
      labelNames: ['type'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(m().pushes)) this.inc({ type: type.replace(/^.*\./, '') }, n);
      },
    });
    const loadGauge = (name: string, help: string, read: (l: LocalityLoad) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['project_number', 'service', 'zone'],
        registers: [registry],
        collect() {
          this.reset();
          for (const l of xds.loads.summary()) {
            this.set({ project_number: l.projectNumber, service: l.cluster, zone: l.locality.zone }, read(l));
          }
        },
      });
    loadGauge(
      'vane_lrs_requests_per_second',
      'Requests per second proxies report over LRS (rolling window)',
      (l) => l.requestsPerSecond,
    );
    loadGauge(
      'vane_lrs_requests_in_progress',
      'Requests in progress proxies last reported',
      (l) => l.inProgress,
    );
    loadGauge('vane_lrs_errors', 'Failed requests reported over the rolling window', (l) => l.errors);
    const convergence = new Histogram({
      name: 'vane_xds_convergence_seconds',
      help: 'Time from a configuration change to a proxy ACKing the response it produced, by type',
      labelNames: ['type'],
      buckets: [0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
    // One labelled child per type, looked up once: this runs for every ACK of a change.
    const convergenceOf = new Map<string, ReturnType<typeof convergence.labels>>();
    xds.registry.convergence.add((seconds, typeUrl) => {
      let child = convergenceOf.get(typeUrl);
      if (child === undefined) {
        child = convergence.labels({ type: typeUrl.replace(/^.*\./, '') });
        convergenceOf.set(typeUrl, child);
      }
      child.observe(seconds);
    });
    const rebuildBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    const rebuildSeconds = new Histogram({
      name: 'vane_xds_rebuild_seconds',
      help: "Translating, encoding and validating a project's new snapshots, by trigger (configuration or endpoints)",
      labelNames: ['trigger'],
      buckets: rebuildBuckets,
      registers: [registry],
    });
    const publishSeconds = new Histogram({
      name: 'vane_xds_publish_seconds',
      help: 'Handing new snapshots to every subscribed stream, which builds and queues its responses, by trigger',
      labelNames: ['trigger'],
      buckets: rebuildBuckets,
      registers: [registry],
    });
    xds.cache.rebuilds.add((r) => {
      rebuildSeconds.observe({ trigger: r.trigger }, r.rebuildSeconds);
      publishSeconds.observe({ trigger: r.trigger }, r.publishSeconds);
    });
    new Gauge({
      name: 'vane_xds_pending_bytes',
      help: 'Bytes written to streams and not yet flushed',
      registers: [registry],
      collect() {
        this.set(m().pendingBytes);
      },
    });
  }
  const health = ctx.health;
  if (health) {
    const c = () => health.checker.counters();
    new Counter({
      name: 'vane_health_probes_total',
      help: 'Health probes by protocol and result',
      labelNames: ['protocol', 'result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [protocol, p] of Object.entries(c().probes)) {
          this.inc({ protocol, result: 'success' }, p.succeeded);
          // `failed` counts timeouts too: report them apart so the labels add up.
          this.inc({ protocol, result: 'failure' }, p.failed - p.timedOut);
          this.inc({ protocol, result: 'timeout' }, p.timedOut);
        }
      },
    });
    new Counter({
      name: 'vane_health_transitions_total',
      help: 'Endpoint health state changes',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(c().transitions);
      },
    });
    new Gauge({
      name: 'vane_health_checked_endpoints',
      help: 'Endpoints under active health checking',
      registers: [registry],
      collect() {
        this.set(c().targets);
      },
    });
    new Gauge({
      name: 'vane_backend_service_fail_open',
      help: 'FAIL_OPEN_ACTIVE: 1 while at least 99 % of the service’s endpoints are unhealthy and health is ignored',
      labelNames: ['project', 'service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const path of health.failOpenServices()) {
          const [, project, , , service] = path.split('/');
          this.set({ project: project!, service: service! }, 1);
        }
      },
    });
    new Counter({
      name: 'vane_health_skipped_ticks_total',
      help: "Probe ticks skipped because the endpoint's previous probe was still running or queued",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(c().skipped);
      },
    });
    new Gauge({
      name: 'vane_health_probes_queued',
      help: 'Health probes waiting for a concurrency slot',
      registers: [registry],
      collect() {
        this.set(c().queued);
      },
    });
    new Counter({
      name: 'vane_health_queue_wait_seconds_total',
      help: 'Time health probes waited for a concurrency slot',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(c().queueWait.totalMs / 1000);
      },
    });
    new Gauge({
      name: 'vane_health_probes_in_flight',
      help: 'Health probes running now',
      registers: [registry],
      collect() {
        this.set(c().inFlight);
      },
    });
  }
  new Gauge({
    name: 'vane_store_revision',
    help: 'Store revision of the last committed change',
    registers: [registry],
    async collect() {
      this.set(await ctx.store.revision());
    },
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
