import type { ReactNode } from 'react';
import type { Json, Loose } from '../api/types';
import { pageOf, parseRef, shortName } from '../lib/refs';
import { duration } from '../lib/urlmap-text';
import { Link } from '../router';

type Any = Loose;

/** A URL map as tables: host rules, then each path matcher with its route rules or path rules. */
export function UrlMapTables({ project, map }: { project: string; map: Json }) {
  const m = map as Any;
  const svc = (ref: string | undefined) => <ServiceLink project={project} refText={ref} />;
  return (
    <>
      <p>
        Default:{' '}
        {m.defaultService ? (
          svc(m.defaultService)
        ) : m.defaultRouteAction ? (
          <Action project={project} a={m.defaultRouteAction} />
        ) : (
          '—'
        )}
      </p>
      <h2>Host rules</h2>
      {(m.hostRules ?? []).length === 0 ? (
        <p className="muted">No host rules: every host uses the default.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Hosts</th>
              <th scope="col">Path matcher</th>
            </tr>
          </thead>
          <tbody>
            {(m.hostRules as Any[]).map((h) => (
              <tr key={`${(h.hosts ?? []).join()}:${h.pathMatcher}`}>
                <td>{(h.hosts ?? []).join(', ')}</td>
                <td>
                  <a href={`#pm-${h.pathMatcher}`}>{h.pathMatcher}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {((m.pathMatchers ?? []) as Any[]).map((pm, i) => (
        <section key={pm.name} id={`pm-${pm.name}`}>
          <h2>
            Path matcher <code>{pm.name}</code> <span className="muted small">pathMatchers[{i}]</span>
          </h2>
          <p>
            Default:{' '}
            {pm.defaultService ? (
              svc(pm.defaultService)
            ) : pm.defaultRouteAction ? (
              <Action project={project} a={pm.defaultRouteAction} />
            ) : (
              '—'
            )}
          </p>
          {(pm.routeRules ?? []).length > 0 && <RouteRules project={project} rules={pm.routeRules} />}
          {(pm.pathRules ?? []).length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Paths</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {(pm.pathRules as Any[]).map((r) => (
                  <tr key={(r.paths ?? []).join()}>
                    <td>{(r.paths ?? []).join(', ')}</td>
                    <td>{r.service ? svc(r.service) : <Action project={project} a={r.routeAction} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </>
  );
}

function RouteRules({ project, rules }: { project: string; rules: Any[] }) {
  return (
    <table className="routes">
      <thead>
        <tr>
          <th scope="col">Priority</th>
          <th scope="col">Match</th>
          <th scope="col">Action</th>
          <th scope="col">Policies</th>
        </tr>
      </thead>
      <tbody>
        {[...rules]
          .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
          .map((r) => (
            <tr key={`${r.priority}`}>
              <td className="num">{r.priority}</td>
              <td>
                {((r.matchRules ?? []) as Any[]).map((mr, k) => (
                  <div key={JSON.stringify(mr)} className="match">
                    {k > 0 && <span className="muted">or </span>}
                    <Match m={mr} />
                  </div>
                ))}
              </td>
              <td>
                {r.service ? (
                  <ServiceLink project={project} refText={r.service} />
                ) : r.urlRedirect ? (
                  <span>redirect {JSON.stringify(r.urlRedirect)}</span>
                ) : (
                  <Action project={project} a={r.routeAction} />
                )}
              </td>
              <td>
                <Policies a={r.routeAction} />
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function Match({ m }: { m: Any }) {
  const parts: ReactNode[] = [];
  if (m.prefixMatch !== undefined) parts.push(<code key="p">path starts {m.prefixMatch}</code>);
  if (m.fullPathMatch !== undefined) parts.push(<code key="f">path = {m.fullPathMatch}</code>);
  if (m.regexMatch !== undefined) parts.push(<code key="r">path ~ {m.regexMatch}</code>);
  if (m.pathTemplateMatch !== undefined) parts.push(<code key="t">path template {m.pathTemplateMatch}</code>);
  for (const h of (m.headerMatches ?? []) as Any[]) {
    const op = ['exactMatch', 'prefixMatch', 'suffixMatch', 'regexMatch', 'presentMatch', 'rangeMatch'].find(
      (k) => h[k] !== undefined,
    );
    parts.push(
      <code key={`h:${h.headerName}:${op}`}>
        header {h.headerName} {h.invertMatch ? 'not ' : ''}
        {op?.replace('Match', '')} {op ? JSON.stringify(h[op]) : ''}
      </code>,
    );
  }
  for (const q of (m.queryParameterMatches ?? []) as Any[]) {
    const op = ['exactMatch', 'regexMatch', 'presentMatch'].find((k) => q[k] !== undefined);
    parts.push(
      <code key={`q:${q.name}:${op}`}>
        query {q.name} {op?.replace('Match', '')} {op ? JSON.stringify(q[op]) : ''}
      </code>,
    );
  }
  if (m.ignoreCase) parts.push(<span key="i">(ignore case)</span>);
  if ((m.metadataFilters ?? []).length > 0) parts.push(<span key="mf">metadata filters</span>);
  return <>{parts.length ? parts.flatMap((p, i) => (i > 0 ? [' and ', p] : [p])) : 'any request'}</>;
}

function Action({ project, a }: { project: string; a: Any | undefined }) {
  const weighted = (a?.weightedBackendServices ?? []) as Any[];
  if (weighted.length === 0) return <span className="muted">—</span>;
  const total = weighted.reduce((n, w) => n + (w.weight ?? 0), 0) || 1;
  return (
    <div className="weights">
      {weighted.map((w) => {
        const pct = Math.round(((w.weight ?? 0) / total) * 100);
        return (
          <div key={w.backendService} className="weight-row">
            <ServiceLink project={project} refText={w.backendService} />
            <span className="bar" role="img" aria-label={`${pct} %`}>
              <span style={{ width: `${pct}%` }} />
            </span>
            <span className="num">{pct} %</span>
          </div>
        );
      })}
    </div>
  );
}

function Policies({ a }: { a: Any | undefined }) {
  if (!a) return <span className="muted">—</span>;
  const out: string[] = [];
  if (a.timeout) out.push(`timeout ${duration(a.timeout)}`);
  if (a.retryPolicy)
    out.push(
      `retry ×${a.retryPolicy.numRetries ?? 1} on ${(a.retryPolicy.retryConditions ?? []).join(', ')}${a.retryPolicy.perTryTimeout ? ` (per try ${duration(a.retryPolicy.perTryTimeout)})` : ''}`,
    );
  const fault = a.faultInjectionPolicy;
  if (fault?.delay)
    out.push(`delay ${duration(fault.delay.fixedDelay)} for ${fault.delay.percentage ?? 100} %`);
  if (fault?.abort) out.push(`abort ${fault.abort.httpStatus} for ${fault.abort.percentage ?? 100} %`);
  if (a.requestMirrorPolicy) out.push(`mirror to ${shortName(a.requestMirrorPolicy.backendService)}`);
  if (a.urlRewrite) {
    const r = a.urlRewrite;
    out.push(
      `rewrite ${[r.hostRewrite && `host → ${r.hostRewrite}`, r.pathPrefixRewrite && `prefix → ${r.pathPrefixRewrite}`, r.pathTemplateRewrite && `template → ${r.pathTemplateRewrite}`].filter(Boolean).join(', ')}`,
    );
  }
  if (a.maxStreamDuration) out.push(`max stream ${duration(a.maxStreamDuration)}`);
  if (a.corsPolicy) out.push('CORS');
  return out.length ? (
    <ul className="plain">
      {out.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  ) : (
    <span className="muted">—</span>
  );
}

function ServiceLink({ project, refText }: { project: string; refText: string | undefined }) {
  const ref = parseRef(refText);
  if (!ref) return <span>{refText ?? '—'}</span>;
  return <Link to={pageOf(project, ref)}>{ref.name}</Link>;
}
