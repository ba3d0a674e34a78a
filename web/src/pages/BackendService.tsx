import { computePath, enc } from '../api/client';
import type { EndpointHealth, Loose, Resource, ServiceHealth } from '../api/types';
import { LineChart, type Series } from '../components/LineChart';
import { Badge, Empty, ErrorBox, Loading, type Tone } from '../components/States';
import { ago } from '../lib/format';
import { HEALTH_TOPICS, SUMMARY_TONE, summarize } from '../lib/health';
import { pageOf, parseRef, shortName } from '../lib/refs';
import { useApi } from '../lib/use-api';
import { useLive } from '../live';
import { Link } from '../router';

const STATE_TONE: Record<string, Tone> = {
  HEALTHY: 'ok',
  UNHEALTHY: 'bad',
  UNKNOWN: 'none',
  DRAINED: 'info',
};

export function BackendService({ project, name }: { project: string; name: string }) {
  const bs = useApi<Resource>(computePath(project, 'backendServices', name), ['backendServices']);
  const health = useApi<ServiceHealth>(
    `/v1/projects/${enc(project)}/backendServices/${enc(name)}/health`,
    HEALTH_TOPICS,
  );
  const { samples } = useLive();
  if (bs.error) return <ErrorBox error={bs.error} />;
  if (!bs.data) return <Loading what="the backend service" />;
  const b = bs.data as Resource & Loose;
  const h = health.data;
  const summary = h ? summarize(h.endpoints, h.healthCheck !== null, h.failOpen) : undefined;

  // requests/s per zone over the samples this page has seen
  const zones = new Map<string, Series>();
  for (const s of samples) {
    const seen = new Set<string>();
    for (const l of s.services.filter((x) => x.cluster === name)) {
      const z = l.locality.zone || '(no zone)';
      const series = zones.get(z) ?? { name: z, points: [] };
      const last = series.points[series.points.length - 1];
      if (last?.t === s.time) last.v += l.requestsPerSecond;
      else series.points.push({ t: s.time, v: l.requestsPerSecond });
      zones.set(z, series);
      seen.add(z);
    }
    for (const [z, series] of zones) if (!seen.has(z)) series.points.push({ t: s.time, v: 0 });
  }

  const byZone = new Map<string, EndpointHealth[]>();
  for (const e of h?.endpoints ?? []) byZone.set(e.zone, [...(byZone.get(e.zone) ?? []), e]);
  const usableZones = [...byZone.values()].filter((eps) => eps.some(usable)).length;

  return (
    <>
      <h1>
        Backend service <code>{name}</code> {summary && <Badge tone={SUMMARY_TONE[summary]}>{summary}</Badge>}
      </h1>
      <dl className="settings">
        <dt>Protocol</dt>
        <dd>{b.protocol ?? '—'}</dd>
        <dt>Load balancing</dt>
        <dd>
          {b.loadBalancingScheme} · {b.localityLbPolicy ?? 'ROUND_ROBIN'}
        </dd>
        <dt>Health check</dt>
        <dd>
          {b.healthChecks?.[0] ? (
            <Link to={pageOf(project, parseRef(b.healthChecks[0])!)}>{shortName(b.healthChecks[0])}</Link>
          ) : (
            'none: endpoints are UNKNOWN, which proxies use as healthy'
          )}
        </dd>
        <dt>Timeout</dt>
        <dd>{b.timeoutSec ?? 30} s</dd>
        {b.failoverPolicy && (
          <>
            <dt>Failover</dt>
            <dd>ratio {b.failoverPolicy.failoverRatio ?? 'default'}</dd>
          </>
        )}
        {b.outlierDetection && (
          <>
            <dt>Outlier detection</dt>
            <dd>{JSON.stringify(b.outlierDetection)}</dd>
          </>
        )}
        {b.circuitBreakers && (
          <>
            <dt>Circuit breakers</dt>
            <dd>{JSON.stringify(b.circuitBreakers)}</dd>
          </>
        )}
        <dt>Backends</dt>
        <dd>
          <ul className="plain">
            {(b.backends ?? []).map((be: Loose) => (
              <li key={be.group}>
                <Link to={pageOf(project, parseRef(be.group)!)}>
                  {parseRef(be.group)?.zone}/{shortName(be.group)}
                </Link>{' '}
                <span className="muted">
                  {be.balancingMode}
                  {be.maxRatePerEndpoint !== undefined && ` · ${be.maxRatePerEndpoint}/s per endpoint`}
                  {be.maxRate !== undefined && ` · ${be.maxRate}/s`}
                  {be.capacityScaler !== undefined && ` · capacity ×${be.capacityScaler}`}
                </span>
              </li>
            ))}
          </ul>
        </dd>
      </dl>

      <h2>Requests per second by zone</h2>
      {samples.length >= 2 && zones.size === 0 ? (
        <p className="muted">No proxy has reported load for this service (proxies report over LRS).</p>
      ) : (
        <LineChart
          series={[...zones.values()]}
          unit="requests/s, reported by proxies over LRS"
          label={`Load of ${name} by zone`}
        />
      )}

      <h2>Endpoints</h2>
      {health.error && <ErrorBox error={health.error} />}
      {h?.failOpen && (
        <p className="warn-note">
          Fail-open: at least 99 % of the endpoints are unhealthy, so proxies ignore health and use them all.
        </p>
      )}
      {!h ? (
        !health.error && <Loading what="endpoint health" />
      ) : h.endpoints.length === 0 ? (
        <Empty title="This service has no endpoints.">
          <p>
            Attach some to its NEGs: <code>POST …/networkEndpointGroups/NEG/attachNetworkEndpoints</code>.
          </p>
        </Empty>
      ) : (
        [...byZone].map(([zone, eps]) => (
          <section key={zone}>
            <h3>
              {zone} <ZoneStatus endpoints={eps} failOpen={h.failOpen} otherZones={usableZones > 0} />
            </h3>
            <table className="endpoints">
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Checked state</th>
                  <th scope="col">Last probe</th>
                  <th scope="col">Proxies are told</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {eps.map((e) => (
                  <tr key={`${e.group}|${e.ipAddress}|${e.port}`}>
                    <td>
                      <code>
                        {e.ipAddress}:{e.port}
                      </code>
                      {e.instance && <div className="muted small">{shortName(e.instance)}</div>}
                    </td>
                    <td>
                      <Badge tone={STATE_TONE[e.state] ?? 'none'}>{e.state}</Badge>
                      {e.transitions > 0 && (
                        <span className="muted small">
                          {' '}
                          {e.transitions} change{e.transitions === 1 ? '' : 's'}
                        </span>
                      )}
                    </td>
                    <td>
                      {ago(e.lastProbeAt)}
                      {e.lastResult && (
                        <div className={`small ${e.lastResult.ok ? 'muted' : 'bad-text'}`}>
                          {e.lastResult.detail} ({e.lastResult.latencyMs} ms)
                        </div>
                      )}
                    </td>
                    <td>
                      <Badge tone={STATE_TONE[e.effective] ?? 'none'}>{e.effective}</Badge>
                      <div className="small">{endpointStatus(e, h.failOpen)}</div>
                    </td>
                    <td className="small">{e.why ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))
      )}
    </>
  );
}

/** An endpoint proxies may send to: not drained and not failing its health check (UNKNOWN counts). */
const usable = (e: EndpointHealth) => e.effective === 'HEALTHY' || e.effective === 'UNKNOWN';

/** What happens to traffic for one endpoint, in a word or three. */
function endpointStatus(e: EndpointHealth, failOpen: boolean): string {
  if (e.effective === 'DRAINED') return 'drained: gets no new traffic';
  if (failOpen) return 'fail-open: used despite its health';
  if (e.effective === 'UNHEALTHY') return 'gets no traffic';
  return 'serving';
}

/**
 * A zone's state for the proxies in it: all usable, some down, or none usable, when proxies
 * fail over to the next zone (priority) that has healthy endpoints.
 */
function ZoneStatus(props: { endpoints: EndpointHealth[]; failOpen: boolean; otherZones: boolean }) {
  const { endpoints, failOpen, otherZones } = props;
  const live = endpoints.filter((e) => e.effective !== 'DRAINED');
  const up = live.filter(usable).length;
  if (live.length === 0) return <Badge tone="info">drained</Badge>;
  if (failOpen) return <Badge tone="warn">fail-open</Badge>;
  if (up === 0)
    return (
      <Badge tone="bad" title="Proxies send this zone's share to the next zone with healthy endpoints">
        {otherZones ? 'failover: no healthy endpoint, traffic goes to other zones' : 'no healthy endpoint'}
      </Badge>
    );
  return (
    <span className="muted small">
      {up} of {live.length} endpoints serving
    </span>
  );
}
