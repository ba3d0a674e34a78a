import { computePath } from '../api/client';
import type { ListResponse, Loose, Resource } from '../api/types';
import { Empty, ErrorBox, Loading } from '../components/States';
import { useApi } from '../lib/use-api';

type Hc = Resource & Loose;

/** The protocol block of a health check: `httpHealthCheck`, `grpcHealthCheck`, … */
function protocolSettings(hc: Hc): Record<string, unknown> {
  const key = Object.keys(hc).find((k) => /HealthCheck$/.test(k) && typeof hc[k] === 'object');
  return key ? (hc[key] as Record<string, unknown>) : {};
}

export function HealthChecks({ project, selected }: { project: string; selected: string | null }) {
  const list = useApi<ListResponse<Hc>>(computePath(project, 'healthChecks'), ['healthChecks']);
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading what="health checks" />;
  const items = list.data.items ?? [];
  return (
    <>
      <h1>Health checks</h1>
      {items.length === 0 ? (
        <Empty title="No health checks.">
          <p>
            Without one, a backend service's endpoints are UNKNOWN and proxies use them all. Create one and
            name it in the service's <code>healthChecks</code>.
          </p>
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Settings</th>
              <th scope="col">Interval / timeout</th>
              <th scope="col">Healthy / unhealthy after</th>
            </tr>
          </thead>
          <tbody>
            {items.map((hc) => (
              <tr key={hc.name} className={selected === hc.name ? 'row-selected' : undefined}>
                <td>{hc.name}</td>
                <td>{hc.type}</td>
                <td className="small">
                  {Object.entries(protocolSettings(hc))
                    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                    .join(' · ') || '—'}
                </td>
                <td>
                  {hc.checkIntervalSec ?? 5} s / {hc.timeoutSec ?? 5} s
                </td>
                <td>
                  {hc.healthyThreshold ?? 2} / {hc.unhealthyThreshold ?? 2} probes
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
