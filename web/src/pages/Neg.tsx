import { stringify } from 'yaml';
import { api, computePath } from '../api/client';
import type { EndpointHealth, Loose, Resource } from '../api/types';
import { Badge, Empty, ErrorBox, Loading, type Tone } from '../components/States';
import { ago } from '../lib/format';
import { HEALTH_TOPICS, loadHealth } from '../lib/health';
import { useInventory } from '../lib/inventory';
import { parseRef } from '../lib/refs';
import { useApi, useAsync } from '../lib/use-api';
import { Link } from '../router';

const TONE: Record<string, Tone> = { HEALTHY: 'ok', UNHEALTHY: 'bad', UNKNOWN: 'none', DRAINED: 'info' };

interface ListedEndpoint {
  ipAddress?: string;
  port?: number;
  instance?: string;
}

/** Every endpoint of a NEG, page by page (listNetworkEndpoints). */
async function listEndpoints(project: string, name: string, zone: string): Promise<ListedEndpoint[]> {
  const out: ListedEndpoint[] = [];
  let token: string | undefined;
  do {
    const page = await api<{ items?: { networkEndpoint: ListedEndpoint }[]; nextPageToken?: string }>(
      'GET',
      `${computePath(project, 'networkEndpointGroups', name, zone)}/listNetworkEndpoints${token ? `?pageToken=${encodeURIComponent(token)}` : ''}`,
    );
    out.push(...(page.items ?? []).map((i) => i.networkEndpoint));
    token = page.nextPageToken;
  } while (token);
  return out;
}

/** A network endpoint group: its settings, the services using it, and each endpoint with its health. */
export function Neg({ project, name, zone }: { project: string; name: string; zone: string | null }) {
  const neg = useApi<Resource & Loose>(
    zone ? computePath(project, 'networkEndpointGroups', name, zone) : null,
    ['networkEndpointGroups'],
  );
  const endpoints = useAsync(
    zone ? `neg-endpoints:${project}:${zone}:${name}` : null,
    () => listEndpoints(project, name, zone!),
    ['networkEndpointGroups', 'networkEndpoints'],
  );
  const inventory = useInventory(project);
  // The backend services that have this NEG as a backend; health is per service.
  const users = (inventory.data?.backendServices ?? [])
    .filter((bs) =>
      ((bs as Loose).backends ?? []).some((b: Loose) => {
        const ref = parseRef(b.group);
        return ref?.name === name && ref.zone === zone;
      }),
    )
    .map((bs) => bs.name);
  const health = useAsync(
    users.length ? `neg-health:${project}:${users.join(',')}` : null,
    () => loadHealth(project, users),
    HEALTH_TOPICS,
  );

  if (!zone) return <Empty title="A NEG is zonal: this link names no zone." />;
  const heading = (
    <h1>
      Network endpoint group <code>{name}</code> <span className="muted small">{zone}</span>
    </h1>
  );
  if (neg.error)
    return (
      <>
        {heading}
        <ErrorBox error={neg.error} />
      </>
    );
  if (!neg.data) return <Loading what="the NEG" />;
  const n = neg.data;

  // endpoint `ip:port` → service → its health entry
  const byEndpoint = new Map<string, Map<string, EndpointHealth>>();
  for (const [service, h] of health.data ?? []) {
    for (const e of h.endpoints) {
      if (parseRef(e.group)?.name !== name || e.zone !== zone) continue;
      const key = `${e.ipAddress}:${e.port}`;
      const m = byEndpoint.get(key) ?? new Map<string, EndpointHealth>();
      m.set(service, e);
      byEndpoint.set(key, m);
    }
  }

  return (
    <>
      {heading}
      <dl className="settings">
        <dt>Type</dt>
        <dd>{n.networkEndpointType ?? '—'}</dd>
        {n.defaultPort !== undefined && (
          <>
            <dt>Default port</dt>
            <dd>{n.defaultPort}</dd>
          </>
        )}
        <dt>Used by</dt>
        <dd>
          {!inventory.data ? (
            '…'
          ) : users.length === 0 ? (
            <span className="muted">no backend service: these endpoints get no traffic</span>
          ) : (
            users.map((u, i) => (
              <span key={u}>
                {i > 0 && ', '}
                <Link to={`/p/${encodeURIComponent(project)}/backendServices/${encodeURIComponent(u)}`}>
                  {u}
                </Link>
              </span>
            ))
          )}
        </dd>
      </dl>

      <h2>Endpoints</h2>
      {endpoints.error && <ErrorBox error={endpoints.error} />}
      {health.error && <ErrorBox error={health.error} title="Health could not be loaded" />}
      {!endpoints.data ? (
        !endpoints.error && <Loading what="endpoints" />
      ) : endpoints.data.length === 0 ? (
        <Empty title="This NEG has no endpoints.">
          <p>
            Attach some with <code>POST …/networkEndpointGroups/{name}/attachNetworkEndpoints</code>, or let
            the agent register its VM.
          </p>
        </Empty>
      ) : (
        <table className="endpoints">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              {users.map((u) => (
                <th key={u} scope="col">
                  Health for {u}
                </th>
              ))}
              <th scope="col">Last probe</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((ep) => {
              const port = ep.port ?? n.defaultPort;
              const key = `${ep.ipAddress}:${port}`;
              const per = byEndpoint.get(key);
              const probed = [...(per?.values() ?? [])].find((e) => e.lastProbeAt);
              return (
                <tr key={key}>
                  <td>
                    <code>{key}</code>
                    {ep.instance && <div className="muted small">{ep.instance}</div>}
                  </td>
                  {users.map((u) => {
                    const e = per?.get(u);
                    return (
                      <td key={u}>
                        {e ? (
                          <>
                            <Badge tone={TONE[e.state] ?? 'none'}>{e.state}</Badge>
                            {e.effective !== e.state && (
                              <span className="small">
                                {' '}
                                → proxies told <Badge tone={TONE[e.effective] ?? 'none'}>{e.effective}</Badge>
                              </span>
                            )}
                          </>
                        ) : (
                          <span className="muted">{health.data ? '—' : '…'}</span>
                        )}
                      </td>
                    );
                  })}
                  <td>
                    {ago(probed?.lastProbeAt)}
                    {probed?.lastResult && (
                      <div className={`small ${probed.lastResult.ok ? 'muted' : 'bad-text'}`}>
                        {probed.lastResult.detail} ({probed.lastResult.latencyMs} ms)
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <details>
        <summary>The NEG as YAML</summary>
        <pre className="code">{stringify(n)}</pre>
      </details>
    </>
  );
}
