import { enc } from '../api/client';
import type { Finding, Project, ProxyInfo, ServiceHealth } from '../api/types';
import { Badge, Empty, ErrorBox, Loading, type Tone } from '../components/States';
import { HEALTH_TOPICS, loadHealth, SUMMARY_TONE, summarize } from '../lib/health';
import { GLOBAL_KINDS, KIND_LABELS, type Kind, useInventory, ZONAL_KINDS } from '../lib/inventory';
import { loadProblems } from '../lib/problems';
import { useApi, useAsync } from '../lib/use-api';
import { Link } from '../router';

const TONE: Record<string, Tone> = { error: 'bad', warning: 'warn', info: 'info' };

export function Overview({ project }: { project: Project }) {
  const id = project.projectId;
  const base = `/p/${enc(id)}`;
  const inventory = useInventory(id);
  const proxies = useApi<{ proxies: ProxyInfo[] }>(`/v1/projects/${enc(id)}/proxies`, ['proxies']);
  const problems = useAsync(`problems:${id}`, () => loadProblems(id), [
    ...GLOBAL_KINDS,
    ...ZONAL_KINDS,
    'proxies',
    'health',
  ]);
  const inv = inventory.data;
  const services = (inv?.backendServices ?? []).map((b) => b.name);
  const health = useAsync(
    services.length ? `overview-health:${id}:${services.join(',')}` : null,
    () => loadHealth(id, services),
    HEALTH_TOPICS,
  );
  const hurt = [...(health.data ?? [])].filter(([, h]) => degraded(h)).sort(([a], [b]) => a.localeCompare(b));
  const connected = proxies.data?.proxies ?? [];
  return (
    <>
      <h1>
        {id} <span className="muted small">project number {project.projectNumber}</span>
      </h1>

      <section aria-labelledby="problems">
        <h2 id="problems">Problems</h2>
        {problems.error ? (
          <ErrorBox error={problems.error} />
        ) : !problems.data ? (
          <Loading what="analysis" />
        ) : problems.data.findings.length === 0 && hurt.length === 0 ? (
          <p className="ok-note">Nothing is broken that Vane can see.</p>
        ) : (
          problems.data.findings.length > 0 && <FindingList findings={problems.data.findings} />
        )}
        {hurt.length > 0 && <UnhealthyServices project={id} services={hurt} />}
        {problems.data?.source === 'fallback' && (
          <p className="muted small">
            From translation status and proxy NACKs (this server has no analysis).
          </p>
        )}
      </section>

      <section aria-labelledby="inventory">
        <h2 id="inventory">Resources</h2>
        {inventory.error && <ErrorBox error={inventory.error} />}
        {!inv ? (
          <Loading what="resources" />
        ) : (
          <>
            <p>
              Networks:{' '}
              {inv.networks.map((n, i) => (
                <span key={n.name}>
                  {i > 0 && ', '}
                  <Link to={`${base}/services?network=${enc(n.name)}`}>{n.name}</Link>
                </span>
              ))}
            </p>
            <ul className="counts">
              {([...GLOBAL_KINDS, ...ZONAL_KINDS] as Kind[]).map((k) => (
                <li key={k}>
                  <Link to={`${base}/${k}`}>
                    <span className="count">{inv[k].length}</span> {KIND_LABELS[k]}
                  </Link>
                </li>
              ))}
              <li>
                <Link to={`${base}/proxies`}>
                  <span className="count">{connected.length}</span> Connected proxies
                </Link>
              </li>
            </ul>
            {inv.forwardingRules.length === 0 && (
              <Empty title="No services yet: nothing routes traffic in this project.">
                <p>
                  Describe a mesh in YAML (forwarding rule → proxy → URL map → backend service → NEG) and
                  apply it:
                </p>
                <pre className="code">vane apply -f mesh.yaml --project {id}</pre>
              </Empty>
            )}
          </>
        )}
      </section>
    </>
  );
}

function FindingList({ findings }: { findings: Finding[] }) {
  return (
    <ul className="findings">
      {findings.map((f) => (
        <li key={`${f.code}:${f.subject ?? ''}:${f.summary}`} className={`finding finding-${f.severity}`}>
          <Badge tone={TONE[f.severity] ?? 'none'}>{f.severity}</Badge> <code>{f.code}</code> {f.summary}
          {f.subject && <div className="muted small">{f.subject}</div>}
          {f.fix && <div className="fix">Fix: {f.fix}</div>}
          {f.evidence !== undefined && (!Array.isArray(f.evidence) || f.evidence.length > 0) && (
            <details>
              <summary>Evidence</summary>
              <pre className="code">
                {Array.isArray(f.evidence) ? f.evidence.join('\n') : JSON.stringify(f.evidence, null, 2)}
              </pre>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A service with endpoints that fail their health check (not only drained or undecided ones). */
function degraded(h: ServiceHealth): boolean {
  return (
    h.healthCheck !== null && h.endpoints.some((e) => e.effective !== 'DRAINED' && e.state === 'UNHEALTHY')
  );
}

/** Services with unhealthy endpoints, and the zones that have none left (their proxies fail over). */
function UnhealthyServices({ project, services }: { project: string; services: [string, ServiceHealth][] }) {
  return (
    <ul className="findings" aria-label="Unhealthy endpoints">
      {services.map(([name, h]) => {
        const live = h.endpoints.filter((e) => e.effective !== 'DRAINED');
        const bad = live.filter((e) => e.state === 'UNHEALTHY');
        const summary = summarize(h.endpoints, true, h.failOpen);
        const zones = [...new Set(live.map((e) => e.zone))].sort();
        const empty = zones.filter((z) =>
          live.filter((e) => e.zone === z).every((e) => e.state === 'UNHEALTHY'),
        );
        return (
          <li key={name} className="finding finding-warning">
            <Badge tone={SUMMARY_TONE[summary]}>{summary}</Badge>{' '}
            <Link to={`/p/${enc(project)}/backendServices/${enc(name)}`}>{name}</Link>: {bad.length} of{' '}
            {live.length} endpoints fail their health check
            {bad.length > 0 && (
              <span className="muted small">
                {' '}
                ({bad.map((e) => `${e.ipAddress}:${e.port} in ${e.zone}`).join(', ')})
              </span>
            )}
            {h.failOpen ? (
              <div className="fix">Fail-open: proxies ignore health and use every endpoint.</div>
            ) : (
              empty.length > 0 && (
                <div className="fix">
                  No healthy endpoint in {empty.join(', ')}: proxies there fail over to{' '}
                  {zones.filter((z) => !empty.includes(z)).join(', ') || 'no other zone'}.
                </div>
              )
            )}
          </li>
        );
      })}
    </ul>
  );
}
