import { useEffect, useState } from 'react';
import { api, computePath, enc } from '../api/client';
import type { Resource } from '../api/types';
import { Badge, Empty, ErrorBox, Loading } from '../components/States';
import { ageSeconds, ago } from '../lib/format';
import { zoneOf } from '../lib/inventory';
import { useAsync } from '../lib/use-api';

/** A heartbeat older than this means the agent is gone or stuck. */
const STALE_SECONDS = 300;
const NS = 'gce-service-proxy';

interface Agent {
  instance: Resource;
  zone: string;
  attrs: Record<string, string>;
}

async function loadAgents(project: string): Promise<Agent[]> {
  const page = await api<{ items?: Record<string, { instances?: Resource[] }> }>(
    'GET',
    `/compute/v1/projects/${enc(project)}/aggregated/instances`,
  );
  const instances = Object.values(page.items ?? {}).flatMap((g) => g.instances ?? []);
  return Promise.all(
    instances.map(async (instance) => {
      const zone = zoneOf(instance) ?? '';
      const ga = await api<{ queryValue?: { items?: { key: string; value: string }[] } }>(
        'GET',
        `${computePath(project, 'instances', instance.name, zone)}/getGuestAttributes?queryPath=${NS}/`,
      ).catch(() => ({ queryValue: { items: [] } }));
      const attrs = Object.fromEntries((ga.queryValue?.items ?? []).map((a) => [a.key, a.value]));
      return { instance, zone, attrs };
    }),
  );
}

export function Agents({ project }: { project: string }) {
  const agents = useAsync(`agents:${project}`, () => loadAgents(project), ['instances', 'guestAttributes']);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(t);
  }, []);
  if (agents.error) return <ErrorBox error={agents.error} />;
  if (!agents.data) return <Loading what="agents" />;
  return (
    <>
      <h1>Agents</h1>
      {agents.data.length === 0 ? (
        <Empty title="No instances are registered in this project.">
          <p>Run the agent on a VM; it registers the instance and reports its progress here:</p>
          <pre className="code">
            sudo vane agent --server URL --project {project} --token-file /etc/vane/proxy-token --zone ZONE
          </pre>
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Zone</th>
              <th scope="col">Bootstrap</th>
              <th scope="col">Proxy version</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Last failures</th>
            </tr>
          </thead>
          <tbody>
            {agents.data.map(({ instance, zone, attrs }) => {
              const status = attrs['bootstrap-status'];
              const heartbeat = attrs['agent-heartbeat'];
              const stale = heartbeat !== undefined && ageSeconds(heartbeat, now) > STALE_SECONDS;
              return (
                <tr key={`${zone}/${instance.name}`} className={stale ? 'row-stale' : undefined}>
                  <td>{instance.name}</td>
                  <td>{zone}</td>
                  <td>
                    {status === undefined ? (
                      <span className="muted">no agent report</span>
                    ) : (
                      <Badge tone={status === 'FINISHED' ? 'ok' : status === 'FAILED' ? 'bad' : 'info'}>
                        {status}
                      </Badge>
                    )}
                  </td>
                  <td>{attrs['proxy-version'] ?? '—'}</td>
                  <td>
                    {heartbeat ? ago(heartbeat, now) : '—'}
                    {stale && (
                      <div className="bad-text small">
                        stale: the agent has not reported for over 5 minutes
                      </div>
                    )}
                  </td>
                  <td className="small">
                    {attrs['bootstrap-last-failure'] && (
                      <div className="bad-text">bootstrap: {attrs['bootstrap-last-failure']}</div>
                    )}
                    {attrs['agent-last-failure'] && (
                      <div className="bad-text">agent: {attrs['agent-last-failure']}</div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
