import { enc } from '../api/client';
import type { ProxyInfo, Refusal } from '../api/types';
import { Empty, ErrorBox, Loading } from '../components/States';
import { SyncBadge } from '../components/SyncBadge';
import { ago, typeName } from '../lib/format';
import { useApi } from '../lib/use-api';
import { Link } from '../router';

export function Proxies({ project }: { project: string }) {
  const res = useApi<{ proxies: ProxyInfo[]; refused: Refusal[] }>(`/v1/projects/${enc(project)}/proxies`, [
    'proxies',
  ]);
  if (res.error) return <ErrorBox error={res.error} />;
  if (!res.data) return <Loading what="proxies" />;
  const { proxies, refused } = res.data;
  return (
    <>
      <h1>Proxies</h1>
      {proxies.length === 0 ? (
        <Empty title="No proxy is connected to this project.">
          <p>Point a proxy at this server's xDS port with a bootstrap, for example:</p>
          <pre className="code">
            vane bootstrap grpc --xds-server-uri HOST:15010 --gcp-project-number NUMBER --output
            bootstrap.json
          </pre>
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Kind</th>
              <th scope="col">Zone</th>
              <th scope="col">Connected</th>
              <th scope="col">Sync per type</th>
            </tr>
          </thead>
          <tbody>
            {proxies.map((p) => (
              <tr key={p.streamId}>
                <td>
                  <Link to={`/p/${enc(project)}/proxies/${enc(p.streamId)}`}>{p.node?.id ?? p.streamId}</Link>
                  <div className="muted small">
                    {p.streamId} · {p.peer}
                  </div>
                </td>
                <td>{p.node?.kind ?? '—'}</td>
                <td>{p.node?.locality.zone || '—'}</td>
                <td>{ago(p.connectedAt)}</td>
                <td>
                  <ul className="plain">
                    {p.types.map((t) => (
                      <li key={t.typeUrl}>
                        <SyncBadge status={t.status} /> {typeName(t.typeUrl)}{' '}
                        <span className="muted small">
                          {t.ackedVersion ? `v ${t.ackedVersion.slice(0, 12)}` : ''}
                        </span>
                        {t.status === 'NACKED' && t.nack && (
                          <div className="bad-text small">NACK: {t.nack.message}</div>
                        )}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {refused.length > 0 && (
        <>
          <h2>Refused streams</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Node</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {[...refused].reverse().map((r) => (
                <tr key={`${r.time}:${r.nodeId}`}>
                  <td>{ago(r.time)}</td>
                  <td>
                    {r.nodeId || '—'} <div className="muted small">{r.peer}</div>
                  </td>
                  <td className="bad-text">
                    {r.codeName}: {r.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
