import { type FormEvent, useState } from 'react';
import { ApiError, api, enc } from '../api/client';
import type { Json, ProxyInfo } from '../api/types';
import { Explanation, type ExplanationData } from '../components/Explanation';
import { JsonTree } from '../components/JsonTree';
import { ErrorBox, Loading } from '../components/States';
import { SyncBadge } from '../components/SyncBadge';
import { ago, typeName } from '../lib/format';
import { useApi } from '../lib/use-api';
import { Link } from '../router';

export function ProxyDetail({ project, id }: { project: string; id: string }) {
  const base = `/v1/projects/${enc(project)}/proxies`;
  const list = useApi<{ proxies: ProxyInfo[] }>(base, ['proxies']);
  const config = useApi<Json>(`${base}/${enc(id)}/config`, ['proxies']);
  const proxy = list.data?.proxies.find((p) => p.streamId === id || p.node?.id === id);
  return (
    <>
      <p>
        <Link to={`/p/${enc(project)}/proxies`}>← Proxies</Link>
      </p>
      <h1>{proxy?.node?.id ?? id}</h1>
      {list.error && <ErrorBox error={list.error} />}
      {list.data && !proxy && <p className="warn-note">This proxy is no longer connected.</p>}
      {proxy && (
        <>
          <dl className="settings">
            <dt>Stream</dt>
            <dd>
              {proxy.streamId} ({proxy.protocol}) from {proxy.peer}, connected {ago(proxy.connectedAt)}
            </dd>
            <dt>Kind</dt>
            <dd>
              {proxy.node?.kind} · {proxy.node?.userAgentName} {proxy.node?.userAgentVersion}
            </dd>
            <dt>Network / zone</dt>
            <dd>
              {proxy.node?.network} / {proxy.node?.locality.zone || '—'}
            </dd>
          </dl>
          <table>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Acked</th>
                <th scope="col">Resources</th>
              </tr>
            </thead>
            <tbody>
              {proxy.types.map((t) => (
                <tr key={t.typeUrl}>
                  <td>{typeName(t.typeUrl)}</td>
                  <td>
                    <SyncBadge status={t.status} />
                    {t.nack && (
                      <div className="bad-text small">
                        NACK of {t.nack.version} {ago(t.nack.time)}: {t.nack.message}
                      </div>
                    )}
                  </td>
                  <td className="small">
                    <code>{t.sentVersion.slice(0, 16) || '—'}</code> {ago(t.sentAt)}
                  </td>
                  <td className="small">
                    <code>{t.ackedVersion.slice(0, 16) || '—'}</code>
                  </td>
                  <td className="small">{t.subscribed.length || 'all'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Explain project={project} id={id} />
      <h2>Effective configuration</h2>
      <p className="muted small">What Vane would send this proxy now, as Envoy's config_dump.</p>
      {config.error && <ErrorBox error={config.error} />}
      {config.data ? (
        <JsonTree value={config.data} open={2} />
      ) : (
        !config.error && <Loading what="configuration" />
      )}
    </>
  );
}

/** "Explain a request" when the server has the explain endpoint: its routing decision, step by step. */
function Explain({ project, id }: { project: string; id: string }) {
  const [to, setTo] = useState('');
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState<ExplanationData | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [missing, setMissing] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    const hdrs: Record<string, string> = {};
    for (const line of headers.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) hdrs[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    try {
      setResult(
        await api<ExplanationData>('POST', `/v1/projects/${enc(project)}/proxies/${enc(id)}/explain`, {
          to,
          headers: hdrs,
        }),
      );
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      if (apiErr.status === 404 && /No such API/.test(apiErr.message)) setMissing(true);
      else setError(apiErr);
    }
  };
  if (missing)
    return <p className="muted small">This server cannot explain requests (no explain endpoint).</p>;
  return (
    <section aria-labelledby="explain">
      <h2 id="explain">Explain a request</h2>
      <form className="form-grid" onSubmit={submit}>
        <label htmlFor="explain-to">Request to</label>
        <input
          id="explain-to"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          placeholder="wallet.example.com:80/v1/balance"
          required
        />
        <label htmlFor="explain-headers">Headers (one “name: value” a line)</label>
        <textarea
          id="explain-headers"
          rows={2}
          value={headers}
          onChange={(e) => setHeaders(e.target.value)}
        />
        <span />
        <button type="submit">Explain</button>
      </form>
      {error && <ErrorBox error={error} />}
      {result !== undefined && (
        <>
          <Explanation project={project} value={result} />
          <details>
            <summary className="muted small">The answer as JSON</summary>
            <JsonTree value={result} open={1} />
          </details>
        </>
      )}
    </section>
  );
}
