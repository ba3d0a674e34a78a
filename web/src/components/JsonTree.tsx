/** JSON as nested, collapsible <details>: large configurations stay readable. */
export function JsonTree({ value, name, open = 1 }: { value: unknown; name?: string; open?: number }) {
  const label = name === undefined ? null : <span className="json-key">{name}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-leaf">
        {label}
        <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details className="json-node" open={open > 0}>
      <summary>
        {label}
        <span className="muted">{summary}</span>
      </summary>
      {entries.map(([k, v]) => (
        <JsonTree key={k} name={k} value={v} open={open - 1} />
      ))}
    </details>
  );
}
