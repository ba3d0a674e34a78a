import type { ReactNode } from 'react';
import type { Project } from '../api/types';
import { useAuth } from '../auth';
import { useLive } from '../live';
import { Link, navigate } from '../router';

const PAGES = [
  ['', 'Overview'],
  ['/services', 'Services'],
  ['/urlMaps', 'URL maps'],
  ['/backendServices', 'Backend services'],
  ['/proxies', 'Proxies'],
  ['/agents', 'Agents'],
  ['/healthChecks', 'Health checks'],
] as const;

/** Header (project picker, live state, who is signed in), left navigation, and the page. */
export function Layout(props: {
  projects: Project[];
  project: string | undefined;
  path: string;
  children: ReactNode;
}) {
  const { who, isAdmin, signOut } = useAuth();
  const { connected } = useLive();
  const { project, path } = props;
  const base = project === undefined ? undefined : `/p/${encodeURIComponent(project)}`;
  const current = (href: string) =>
    href === base ? path === base : path === href || path.startsWith(`${href}/`);
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          Vane
        </Link>
        <label className="picker">
          <span>Project</span>
          <select
            value={project ?? ''}
            onChange={(e) => navigate(e.target.value ? `/p/${encodeURIComponent(e.target.value)}` : '/')}
          >
            {project === undefined && <option value="">Choose…</option>}
            {props.projects.map((p) => (
              <option key={p.projectId} value={p.projectId}>
                {p.projectId}
              </option>
            ))}
          </select>
        </label>
        {project !== undefined && (
          <span className={`live ${connected ? 'live-on' : ''}`} title="Live updates from the server">
            {connected ? 'Live' : 'Reconnecting…'}
          </span>
        )}
        <span className="spacer" />
        <span className="muted" title={who.grants.map((g) => `${g.project}: ${g.role}`).join(', ')}>
          {who.name}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav className="sidebar" aria-label="Pages">
        {base !== undefined &&
          PAGES.map(([suffix, label]) => (
            <Link
              key={label}
              to={`${base}${suffix}`}
              aria-current={current(`${base}${suffix}`) ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
        {isAdmin && (
          <Link to="/tokens" aria-current={path === '/tokens' ? 'page' : undefined}>
            Tokens
          </Link>
        )}
      </nav>
      <main className="content">{props.children}</main>
    </div>
  );
}
