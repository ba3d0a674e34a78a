import type { Project } from '../api/types';
import { Empty } from '../components/States';
import { Link } from '../router';

export function Projects({ projects }: { projects: Project[] }) {
  if (projects.length === 0) {
    return (
      <Empty title="No projects yet.">
        <p>Create one from a shell where the CLI can reach this server:</p>
        <pre className="code">vane projects create demo{'\n'}vane apply -f mesh.yaml --project demo</pre>
        <p className="muted">Projects appear here as soon as they exist.</p>
      </Empty>
    );
  }
  return (
    <>
      <h1>Projects</h1>
      <ul className="cards">
        {projects.map((p) => (
          <li key={p.projectId} className="card">
            <Link to={`/p/${encodeURIComponent(p.projectId)}`} className="card-title">
              {p.projectId}
            </Link>
            <div className="muted">number {p.projectNumber}</div>
          </li>
        ))}
      </ul>
    </>
  );
}
