import { useRef, useState } from 'react';
import { parse } from 'yaml';
import { ApiError, api, computePath, enc } from '../api/client';
import type { Json } from '../api/types';
import { lineOf } from '../lib/yaml-locate';
import { ErrorBox } from './States';

const LINE = 20;

interface Marked {
  line: number | undefined;
  location: string;
  message: string;
}

interface Props {
  project: string;
  collection: string;
  name: string;
  kind: string;
  initial: string;
  onSaved: () => void;
}

/**
 * YAML editing of one resource: Preview asks the server for a dry run (unchanged / updated),
 * Save PUTs it. Field-path errors from the API are shown beside the lines they name.
 */
export function YamlEditor({ project, collection, name, kind, initial, onSaved }: Props) {
  const [text, setText] = useState(initial);
  const [scroll, setScroll] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [marks, setMarks] = useState<Marked[]>([]);
  const [result, setResult] = useState<string | undefined>();
  const area = useRef<HTMLTextAreaElement>(null);

  const body = (): Json | undefined => {
    try {
      const doc = parse(text) as unknown;
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        throw new Error('the document must be a mapping');
      return doc as Json;
    } catch (err) {
      setError(new ApiError(400, `The YAML does not parse: ${(err as Error).message}`));
      setMarks([]);
      return undefined;
    }
  };

  const run = async (dryRun: boolean) => {
    const doc = body();
    if (!doc) return;
    setBusy(true);
    setResult(undefined);
    try {
      if (dryRun) {
        const res = await api<{ results: { kind: string; name: string; action: string }[] }>(
          'POST',
          `/v1/projects/${enc(project)}/apply`,
          { resources: [{ kind, ...doc }], dryRun: true },
        );
        setResult(`Preview: ${res.results.map((r) => `${r.name} would be ${r.action}`).join('; ')}.`);
      } else {
        await api('PUT', computePath(project, collection, name), doc);
        setResult('Saved.');
        onSaved();
      }
      setError(undefined);
      setMarks([]);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(e);
      setMarks(
        e.errors
          .filter((f) => f.location)
          .map((f) => {
            const location = f.location!.replace(/^resources\[0\]\.?/, '');
            return { location, message: f.message, line: location ? lineOf(text, location) : 1 };
          }),
      );
    } finally {
      setBusy(false);
    }
  };

  const jump = (line: number | undefined) => {
    const el = area.current;
    if (!el || line === undefined) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    el.scrollTop = Math.max(0, (line - 3) * LINE);
  };

  const lineCount = text.split('\n').length;
  const bad = new Set(marks.map((m) => m.line));
  return (
    <div className="yaml-editor">
      <div className="editor-box" style={{ height: Math.min(Math.max(lineCount, 12), 32) * LINE + 12 }}>
        <div className="gutter" aria-hidden="true" style={{ transform: `translateY(${-scroll}px)` }}>
          {Array.from({ length: lineCount }, (_, i) => i + 1).map((n) => (
            <div key={n} className={bad.has(n) ? 'gutter-bad' : undefined}>
              {n}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          aria-label="Resource YAML"
          spellCheck={false}
          wrap="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
        />
        <div className="annotations" aria-hidden="true" style={{ transform: `translateY(${-scroll}px)` }}>
          {marks
            .filter((m) => m.line !== undefined)
            .map((m) => (
              <div
                key={`${m.location}:${m.message}`}
                className="annotation"
                style={{ top: (m.line! - 1) * LINE + 6 }}
              >
                ◀ {m.message}
              </div>
            ))}
        </div>
      </div>
      <div className="toolbar">
        <button type="button" onClick={() => run(true)} disabled={busy}>
          Preview changes
        </button>
        <button type="button" className="primary" onClick={() => run(false)} disabled={busy}>
          Save
        </button>
        <button
          type="button"
          onClick={() => {
            setText(initial);
            setMarks([]);
            setError(undefined);
          }}
          disabled={busy}
        >
          Revert
        </button>
        {result && (
          <span className="ok-note" role="status">
            {result}
          </span>
        )}
      </div>
      {error && <ErrorBox error={error} title="Not saved" />}
      {marks.length > 0 && (
        <ul className="field-errors" aria-label="Errors by line">
          {marks.map((m) => (
            <li key={`${m.location}:${m.message}`}>
              <button type="button" className="link" onClick={() => jump(m.line)}>
                {m.line === undefined ? 'no line' : `line ${m.line}`}
              </button>{' '}
              <code>{m.location}</code>: {m.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
