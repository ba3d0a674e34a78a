export interface Series {
  name: string;
  points: { t: number; v: number }[];
}

const W = 640;
const H = 200;
const PAD = { l: 44, r: 12, t: 12, b: 24 };
const COLOURS = ['#2563eb', '#d97706', '#059669', '#9333ea', '#dc2626', '#0891b2'];

/** Lines over time on shared axes; the y axis starts at 0. */
export function LineChart({ series, unit, label }: { series: Series[]; unit: string; label: string }) {
  const all = series.flatMap((s) => s.points);
  if (all.length < 2)
    return <p className="muted">Collecting samples… (one every 2 s while this page is open)</p>;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1);
  const vMax = Math.max(...all.map((p) => p.v), 1) * 1.1;
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / vMax) * (H - PAD.t - PAD.b);
  const ticks = [0, vMax / 2, vMax];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid" />
            <text x={PAD.l - 6} y={y(v) + 4} textAnchor="end" className="axis">
              {v < 10 ? v.toFixed(1) : Math.round(v)}
            </text>
          </g>
        ))}
        <text x={PAD.l} y={H - 6} className="axis">
          {Math.round((t1 - t0) / 1000)} s ago
        </text>
        <text x={W - PAD.r} y={H - 6} textAnchor="end" className="axis">
          now
        </text>
        {series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={COLOURS[i % COLOURS.length]}
            strokeWidth={2}
            points={s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption>
        {series.map((s, i) => (
          <span key={s.name} className="key">
            <span className="swatch" style={{ background: COLOURS[i % COLOURS.length] }} /> {s.name}
          </span>
        ))}
        <span className="muted"> ({unit})</span>
      </figcaption>
    </figure>
  );
}
