import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Nothing to show yet, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** An API error: its message and, when the API named fields, each field with its problem. */
export function ErrorBox({ error, title }: { error: ApiError; title?: string }) {
  const hint =
    error.status === 0
      ? 'Check that vane serve is running and reachable.'
      : error.status === 403
        ? 'Your token lacks the role for this; ask an admin for a token with it.'
        : error.status === 404
          ? 'It may have been deleted, or the name is misspelt.'
          : undefined;
  return (
    <div className="error-box" role="alert">
      <p>
        <strong>{title ?? `Error ${error.status || ''}`.trim()}:</strong> {error.message}
      </p>
      {error.errors.some((e) => e.location) && (
        <ul>
          {error.errors.map((e) => (
            <li key={`${e.location}:${e.message}`}>
              {e.location && <code>{e.location}</code>} {e.message}
            </li>
          ))}
        </ul>
      )}
      {hint && <p className="muted">{hint}</p>}
    </div>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'none';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function Code({ children }: { children: string }) {
  return <pre className="code">{children}</pre>;
}
