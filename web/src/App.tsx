import type { ReactNode } from 'react';
import type { Project } from './api/types';
import { AuthGate } from './auth';
import { Layout } from './components/Layout';
import { Empty, ErrorBox, Loading } from './components/States';
import { useApi } from './lib/use-api';
import { LiveProvider } from './live';
import { Agents } from './pages/Agents';
import { BackendService } from './pages/BackendService';
import { HealthChecks } from './pages/HealthChecks';
import { Neg } from './pages/Neg';
import { Overview } from './pages/Overview';
import { Projects } from './pages/Projects';
import { Proxies } from './pages/Proxies';
import { ProxyDetail } from './pages/ProxyDetail';
import { ResourceList } from './pages/ResourceList';
import { ResourcePage } from './pages/ResourcePage';
import { Services } from './pages/Services';
import { Tokens } from './pages/Tokens';
import { UrlMap } from './pages/UrlMap';
import { match, useLocation } from './router';

export function App() {
  return (
    <AuthGate>
      <Console />
    </AuthGate>
  );
}

function Console() {
  const { path, query } = useLocation();
  const projects = useApi<{ projects: Project[] }>('/v1/projects', ['projects']);
  const project = match('/p/:project', path.split('/').slice(0, 3).join('/'))?.project;
  const list = projects.data?.projects ?? [];
  return (
    <LiveProvider project={project}>
      <Layout projects={list} project={project} path={path}>
        {projects.error ? (
          <ErrorBox error={projects.error} />
        ) : projects.loading && !projects.data ? (
          <Loading what="projects" />
        ) : (
          route(path, query, list)
        )}
      </Layout>
    </LiveProvider>
  );
}

type Params = Record<string, string>;

/** Project pages by URL pattern, first match wins. */
const PROJECT_PAGES: [string, (project: string, m: Params, q: URLSearchParams) => ReactNode][] = [
  ['/p/:project/services', (p, _, q) => <Services project={p} network={q.get('network') ?? 'default'} />],
  ['/p/:project/urlMaps/:name', (p, m) => <UrlMap project={p} name={m.name!} />],
  ['/p/:project/backendServices/:name', (p, m) => <BackendService project={p} name={m.name!} />],
  ['/p/:project/proxies', (p) => <Proxies project={p} />],
  ['/p/:project/proxies/:id', (p, m) => <ProxyDetail project={p} id={m.id!} />],
  ['/p/:project/agents', (p) => <Agents project={p} />],
  ['/p/:project/healthChecks', (p, _, q) => <HealthChecks project={p} selected={q.get('name')} />],
  [
    '/p/:project/resources/networkEndpointGroups/:name',
    (p, m, q) => <Neg project={p} name={m.name!} zone={q.get('zone')} />,
  ],
  [
    '/p/:project/resources/:collection/:name',
    (p, m, q) => <ResourcePage project={p} collection={m.collection!} name={m.name!} zone={q.get('zone')} />,
  ],
  ['/p/:project/:collection', (p, m) => <ResourceList project={p} collection={m.collection!} />],
];

function route(path: string, query: URLSearchParams, projects: Project[]): ReactNode {
  if (path === '/' || path === '') return <Projects projects={projects} />;
  if (path === '/tokens') return <Tokens projects={projects} />;
  const project = /^\/p\/([^/]+)/.exec(path)?.[1];
  if (project === undefined) return <NotFound />;
  const id = decodeURIComponent(project);
  const record = projects.find((x) => x.projectId === id);
  if (!record) return <UnknownProject project={id} />;
  if (match('/p/:project', path)) return <Overview project={record} />;
  for (const [pattern, render] of PROJECT_PAGES) {
    const m = match(pattern, path);
    if (m) return render(id, m, query);
  }
  return <NotFound />;
}

function UnknownProject({ project }: { project: string }) {
  return (
    <Empty title={`There is no project '${project}' that your token can see.`}>
      <p>
        Create it with <code>vane projects create {project}</code>, or pick another project above.
      </p>
    </Empty>
  );
}

function NotFound() {
  return <Empty title="There is no such page in the console." />;
}
