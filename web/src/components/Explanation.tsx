import type { ReactNode } from 'react';
import type {
  ClusterStep,
  Explanation as ExplanationData,
  Rejected,
} from '../../../src/doctor/explain/types';
import { pageOf, parseRef, shortName } from '../lib/refs';
import { Link } from '../router';
import { Badge, type Tone } from './States';

// The answer of POST …/explain has the server's own types (imported as types only, so
// nothing of the server is bundled).
export type { ExplanationData };

const HEALTH_TONE: Record<string, Tone> = { HEALTHY: 'ok', UNHEALTHY: 'bad', DRAINING: 'warn' };

/** A user object (`projects/P/global/backendServices/x`) as a link to its page, else as text. */
function Source({ project, source, label }: { project: string; source?: string; label?: string }) {
  if (!source) return label ? <span>{label}</span> : null;
  // A part of an object (`…/urlMaps/m/hostRules[0]`) links to the object.
  const ref = parseRef(/^.*?\/(?:global|zones\/[^/]+)\/[A-Za-z]+\/[^/]+/.exec(source)?.[0]);
  if (!ref) return <code className="small">{source.replace(/^projects\/[^/]+\//, '')}</code>;
  return <Link to={pageOf(project, ref)}>{label ?? ref.name}</Link>;
}

/** Alternatives that were considered and not taken, folded away. */
function RejectedList({ items, what }: { items: Rejected[]; what: string }) {
  if (items.length === 0) return null;
  return (
    <details className="rejected">
      <summary>
        {what} ({items.length})
      </summary>
      <ul className="plain">
        {items.map((r) => (
          <li key={`${r.name}:${r.why}`}>
            <code>{r.name}</code>: {r.why}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Step({ title, children }: { title: string; children: ReactNode }) {
  return (
    <li className="explain-step">
      <h3>{title}</h3>
      {children}
    </li>
  );
}

/** One request's routing decision, step by step: listener → host rule → route → action → endpoints. */
export function Explanation({ project, value }: { project: string; value: ExplanationData }) {
  const { request, listener, virtualHost, route, action } = value;
  const routed = value.outcome === 'ROUTED' || value.outcome === 'REDIRECTED';
  const headers = Object.entries(request.headers ?? {});
  return (
    <section className="explanation" aria-label="Routing decision">
      <p className="outcome">
        <Badge tone={routed ? 'ok' : 'bad'}>{value.outcome}</Badge>{' '}
        <code>
          {request.authority}
          {request.path}
          {request.query ? `?${request.query}` : ''}
        </code>
        {headers.length > 0 && (
          <span className="muted"> with {headers.map(([k, v]) => `${k}: ${v}`).join(', ')}</span>
        )}
        <span className="muted small">
          {' '}
          as a {value.node.kind === 'grpc' ? 'proxyless gRPC' : 'Envoy'} node in{' '}
          {value.node.zone || 'no zone'} on network {value.node.network}
        </span>
      </p>
      {value.reason && <p className="bad-text">{value.reason}</p>}
      <ol className="explain-steps">
        {listener && (
          <Step title="Listener">
            <p>
              <code>{listener.name}</code>
              {listener.filterChain && (
                <span className="muted">
                  {' '}
                  · filter chain {listener.filterChain.name} ({listener.filterChain.match})
                </span>
              )}
            </p>
            <p className="chain">
              <Source project={project} source={listener.forwardingRule} /> →{' '}
              <Source project={project} source={listener.targetProxy} />
              {listener.urlMap && (
                <>
                  {' '}
                  → <Source project={project} source={listener.urlMap} />
                </>
              )}
              {listener.tcpCluster && <> → cluster {listener.tcpCluster}</>}
            </p>
            <RejectedList items={listener.rejected} what="Other listeners and filter chains" />
          </Step>
        )}
        {virtualHost && (
          <Step title="Host rule">
            <p>
              <code>{virtualHost.authority}</code> matches <code>{virtualHost.matchedDomain}</code> of{' '}
              <Source
                project={project}
                source={virtualHost.source}
                label={virtualHost.name.replace(/^hostRules\[\d+\]\//, '')}
              />{' '}
              <span className="muted small">({virtualHost.domains.join(', ')})</span>
            </p>
            <RejectedList items={virtualHost.rejected} what="Other host rules" />
          </Step>
        )}
        {route && (
          <Step title="Route">
            <p>
              {route.priority !== undefined && <>priority {route.priority}: </>}
              <code>{route.match}</code> — {route.why}
              <span className="muted small"> ({shortSource(route.source)})</span>
            </p>
            <RejectedList items={route.skipped} what="Earlier routes that did not match" />
          </Step>
        )}
        {action && (
          <Step title="Action">
            {action.kind === 'weighted' ? (
              <table className="weighted" aria-label="Weighted services">
                <tbody>
                  {action.clusters.map((c) => (
                    <tr key={c.cluster}>
                      <td>
                        <Source project={project} source={c.source} label={c.cluster} />
                      </td>
                      <td>
                        <span className="bar" role="img" aria-label={`${round(c.percent)} %`}>
                          <span style={{ width: `${c.percent}%` }} />
                        </span>
                      </td>
                      <td className="num">
                        {round(c.percent)} % <span className="muted small">(weight {c.weight})</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : action.kind === 'cluster' ? (
              <p>
                All to <Source project={project} source={action.source} label={action.cluster} />
              </p>
            ) : (
              <p>
                Redirect to <code>{action.redirect}</code>
              </p>
            )}
            <Notes notes={action.notes} />
          </Step>
        )}
        {value.clusters.length > 0 && (
          <Step title="Endpoints">
            {value.clusters.map((c) => (
              <ClusterView key={c.name} project={project} cluster={c} />
            ))}
          </Step>
        )}
      </ol>
      <Notes notes={value.notes} />
    </section>
  );
}

function ClusterView({ project, cluster }: { project: string; cluster: ClusterStep }) {
  return (
    <div className="explain-cluster">
      <h4>
        <Source project={project} source={cluster.source} label={cluster.name} />{' '}
        <span className="muted small">{cluster.lbPolicy}</span>
      </h4>
      <Notes notes={cluster.notes.filter((n) => n !== `load balancing ${cluster.lbPolicy}`)} />
      {cluster.localities.length === 0 ? (
        <p className="bad-text">No locality has an endpoint: requests to this service fail.</p>
      ) : (
        <table className="endpoints localities">
          <colgroup>
            <col className="col-zone" />
            <col className="col-priority" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Zone</th>
              <th scope="col">Priority / weight</th>
              <th scope="col">Endpoints</th>
            </tr>
          </thead>
          <tbody>
            {cluster.localities.map((l) => (
              <tr key={`${l.zone}/${l.subZone}/${l.priority}`}>
                <td>
                  {l.zone || l.region || '—'}
                  <div className="muted small">{l.why}</div>
                </td>
                <td className="num">
                  {l.priority === 0 ? 'first' : `failover ${l.priority}`}
                  <div className="muted small">weight {l.weight}</div>
                </td>
                <td>
                  <ul className="plain">
                    {l.endpoints.map((e) => (
                      <li key={`${e.address}:${e.port}`}>
                        <Badge tone={HEALTH_TONE[e.health] ?? 'none'}>{e.health}</Badge>{' '}
                        <code>
                          {e.address}:{e.port}
                        </code>{' '}
                        <span className="muted small">
                          {e.source ? `${shortName(e.source)} · ` : ''}
                          {e.why}
                        </span>
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RejectedList items={cluster.excluded} what="Backends that send nothing" />
    </div>
  );
}

function Notes({ notes }: { notes: string[] }) {
  if (notes.length === 0) return null;
  return (
    <ul className="notes small">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

/** `projects/P/global/urlMaps/m/pathMatchers[0]/routeRules[1]/matchRules[0]` → `pathMatchers[0]/routeRules[1]/…`. */
function shortSource(source: string): string {
  return source.replace(/^projects\/[^/]+\/global\/urlMaps\/[^/]+\//, '');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
