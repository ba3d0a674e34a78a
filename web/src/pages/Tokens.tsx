import { type FormEvent, useState } from 'react';
import { type ApiError, api, enc } from '../api/client';
import type { Grant, Project, Token } from '../api/types';
import { useAuth } from '../auth';
import { Badge, ErrorBox, Loading } from '../components/States';
import { useApi } from '../lib/use-api';

const ROLES: Grant['role'][] = ['viewer', 'editor', 'admin', 'proxy'];

export function Tokens({ projects }: { projects: Project[] }) {
  const { isAdmin } = useAuth();
  const list = useApi<{ tokens: Token[] }>(isAdmin ? '/v1/tokens' : null);
  const [created, setCreated] = useState<Token | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  if (!isAdmin) return <p>Managing tokens needs an admin token.</p>;

  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke token '${t.name}'? Clients using it stop working at once.`)) return;
    try {
      await api('DELETE', `/v1/tokens/${enc(t.id)}`);
      setError(undefined);
      list.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };

  return (
    <>
      <h1>Tokens</h1>
      <CreateToken
        projects={projects}
        onCreated={(t) => {
          setCreated(t);
          list.reload();
        }}
      />
      {created?.token && (
        <div className="secret" role="status">
          <p>
            <strong>Token '{created.name}' created.</strong> Copy it now: it is shown only once.
          </p>
          <input
            readOnly
            value={created.token}
            aria-label="New token secret"
            onFocus={(e) => e.target.select()}
          />
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {list.error && <ErrorBox error={list.error} />}
      {!list.data ? (
        !list.error && <Loading what="tokens" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Grants</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.tokens.map((t) => (
              <tr key={t.id} className={t.revokeTime ? 'row-revoked' : undefined}>
                <td>
                  {t.name} <span className="muted small">{t.id}</span>
                </td>
                <td>{t.grants.map((g) => `${g.project}: ${g.role}`).join(', ')}</td>
                <td className="small">{t.createTime}</td>
                <td>
                  {t.revokeTime ? (
                    <Badge tone="none">revoked</Badge>
                  ) : t.id === 'admin' ? (
                    <span className="muted small">server admin</span>
                  ) : (
                    <button type="button" className="danger" onClick={() => revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CreateToken({ projects, onCreated }: { projects: Project[]; onCreated: (t: Token) => void }) {
  const [name, setName] = useState('');
  const [project, setProject] = useState(projects[0]?.projectId ?? '*');
  const [role, setRole] = useState<Grant['role']>('viewer');
  const [error, setError] = useState<ApiError | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const t = await api<Token>('POST', '/v1/tokens', {
        ...(name.trim() ? { name: name.trim() } : {}),
        grants: [{ project, role }],
      });
      setError(undefined);
      setName('');
      onCreated(t);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a token">
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
      </label>
      <label>
        Project{' '}
        <select value={project} onChange={(e) => setProject(e.target.value)}>
          {projects.map((p) => (
            <option key={p.projectId}>{p.projectId}</option>
          ))}
          <option value="*">* (every project)</option>
        </select>
      </label>
      <label>
        Role{' '}
        <select value={role} onChange={(e) => setRole(e.target.value as Grant['role'])}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary">
        Create token
      </button>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
