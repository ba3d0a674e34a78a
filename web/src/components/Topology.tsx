import { rate } from '../lib/format';
import { type HealthSummary, SUMMARY_TONE } from '../lib/health';
import { COL_GAP, COLUMNS, type Graph, layout, NODE_H, NODE_W, type Placed } from '../lib/topology';

export interface TopologyProps {
  graph: Graph;
  /** Health by node key (backend services and NEGs). */
  health: Map<string, HealthSummary>;
  /** Requests/s by edge `from>to`. */
  rates: Map<string, number>;
  onOpen: (node: Placed) => void;
}

/** The service graph as columns of nodes with reference edges; nodes are buttons that open their page. */
export function Topology({ graph, health, rates, onOpen }: TopologyProps) {
  const { nodes, width, height } = layout(graph);
  const at = new Map(nodes.map((n) => [n.key, n]));
  return (
    <svg
      className="topology"
      viewBox={`-4 0 ${width + 8} ${height}`}
      width={width + 8}
      height={height}
      aria-labelledby="topology-title"
    >
      <title id="topology-title">Service topology</title>
      {COLUMNS.map((c, i) => (
        <text key={c} x={i * (NODE_W + COL_GAP)} y={16} className="col-title">
          {c}
        </text>
      ))}
      {graph.edges.map((e) => {
        const a = at.get(e.from);
        const b = at.get(e.to);
        if (!a || !b) return null;
        const x1 = a.x + NODE_W;
        const y1 = a.y + NODE_H / 2;
        const x2 = b.x;
        const y2 = b.y + NODE_H / 2;
        const mid = (x1 + x2) / 2;
        const rps = rates.get(`${e.from}>${e.to}`);
        return (
          <g key={`${e.from}>${e.to}`}>
            <path d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} className="edge" />
            {rps !== undefined && rps > 0 && (
              <text x={mid} y={(y1 + y2) / 2 - 4} className="edge-label" textAnchor="middle">
                {rate(rps)}
              </text>
            )}
          </g>
        );
      })}
      {nodes.map((n) => {
        const h = health.get(n.key);
        const tone = h ? SUMMARY_TONE[h] : 'plain';
        return (
          // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it gets the role and keys
          <g
            key={n.key}
            transform={`translate(${n.x},${n.y})`}
            className={`node node-${tone}`}
            role="button"
            tabIndex={0}
            aria-label={`${n.ref.collection} ${n.label}${h ? `, ${h}` : ''}`}
            onClick={() => onOpen(n)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onOpen(n);
              }
            }}
          >
            <title>{`${n.ref.collection}/${n.label}${h ? ` — ${h}` : ''}`}</title>
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={10} y={18} className="node-label">
              {n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label}
            </text>
            <text x={10} y={34} className="node-detail">
              {h ? `${n.detail ? `${n.detail} · ` : ''}${h}` : n.detail}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
