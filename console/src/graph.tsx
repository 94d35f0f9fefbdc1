// A layered graph in SVG: nodes in columns by layer, edges between them (removed ones
// dashed), coloured by status; zoom with the wheel or the buttons, pan by dragging, recenter.
import { useRef, useState } from 'react';

export type GraphNode = {
  id: string;
  label: string;
  layer: number;
  status?: string;
  href?: string;
  current?: boolean;
};
export type GraphEdge = { from: string; to: string; removed?: boolean; label?: string };

const COLUMN = 230;
const ROW = 64;
const WIDTH = 190;
const HEIGHT = 40;

const FILL: Record<string, string> = {
  SUCCESS: '#dafbe1',
  FAILED: '#ffebe9',
  TERMINATED: '#ffebe9',
  RUNNING: '#ddf4ff',
  RETRYING: '#ddf4ff',
};

/** Layers of a DAG: each node one past its furthest upstream. */
export function layersOf(ids: string[], edges: { from: string; to: string }[]): Map<string, number> {
  const layer = new Map(ids.map((id) => [id, 0]));
  for (let round = 0; round < ids.length; round++) {
    let moved = false;
    for (const edge of edges) {
      const next = (layer.get(edge.from) ?? 0) + 1;
      if (next > (layer.get(edge.to) ?? 0)) {
        layer.set(edge.to, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return layer;
}

export function Graph({ nodes, edges, label }: { nodes: GraphNode[]; edges: GraphEdge[]; label: string }) {
  const minLayer = Math.min(0, ...nodes.map((n) => n.layer));
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const row = rows.get(node.layer) ?? 0;
    rows.set(node.layer, row + 1);
    at.set(node.id, { x: (node.layer - minLayer) * COLUMN + 10, y: row * ROW + 10 });
  }
  const width = (Math.max(0, ...nodes.map((n) => n.layer)) - minLayer + 1) * COLUMN;
  const height = Math.max(1, ...rows.values()) * ROW + 20;
  const [view, setView] = useState({ x: 0, y: 0, zoom: 1 });
  const drag = useRef<{ x: number; y: number } | undefined>(undefined);
  const zoom = (factor: number) =>
    setView((v) => ({ ...v, zoom: Math.min(4, Math.max(0.25, v.zoom * factor)) }));

  return (
    <figure className="graph">
      <div className="graph-controls">
        <button type="button" onClick={() => zoom(1.25)}>
          Zoom in
        </button>
        <button type="button" onClick={() => zoom(0.8)}>
          Zoom out
        </button>
        <button type="button" onClick={() => setView({ x: 0, y: 0, zoom: 1 })}>
          Recenter
        </button>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: an SVG cannot be a fieldset; the group names the graph whose links it holds. */}
      <svg
        role="group"
        aria-label={label}
        width="100%"
        height={Math.min(480, height + 20)}
        viewBox={`${view.x} ${view.y} ${width / view.zoom} ${(height + 20) / view.zoom}`}
        onWheel={(e) => zoom(e.deltaY < 0 ? 1.1 : 0.9)}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY };
        }}
        onPointerMove={(e) => {
          if (!drag.current) return;
          const dx = (e.clientX - drag.current.x) / view.zoom;
          const dy = (e.clientY - drag.current.y) / view.zoom;
          drag.current = { x: e.clientX, y: e.clientY };
          setView((v) => ({ ...v, x: v.x - dx, y: v.y - dy }));
        }}
        onPointerUp={() => {
          drag.current = undefined;
        }}
        onPointerLeave={() => {
          drag.current = undefined;
        }}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#57606a" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const a = at.get(edge.from);
          const b = at.get(edge.to);
          if (!a || !b) return null;
          return (
            <line
              key={`${edge.from}→${edge.to}`}
              className={edge.removed ? 'edge edge-removed' : 'edge'}
              x1={a.x + WIDTH}
              y1={a.y + HEIGHT / 2}
              x2={b.x}
              y2={b.y + HEIGHT / 2}
              stroke="#57606a"
              strokeDasharray={edge.removed ? '6 4' : undefined}
              markerEnd="url(#arrow)"
            />
          );
        })}
        {nodes.map((node) => {
          const p = at.get(node.id);
          if (!p) return null;
          const box = (
            <g
              key={node.id}
              className={`node node-${(node.status ?? 'none').toLowerCase()}`}
              data-status={node.status}
            >
              <rect
                x={p.x}
                y={p.y}
                width={WIDTH}
                height={HEIGHT}
                rx={6}
                fill={FILL[node.status ?? ''] ?? '#f6f8fa'}
                stroke={node.current ? '#0969da' : '#8c959f'}
                strokeWidth={node.current ? 3 : 1}
              />
              <text x={p.x + 8} y={p.y + 17} fontSize="12" fill="#1b1f24">
                {node.label.length > 26 ? `${node.label.slice(0, 25)}…` : node.label}
              </text>
              <text x={p.x + 8} y={p.y + 32} fontSize="10" fill="#57606a">
                {node.status ?? ''}
              </text>
            </g>
          );
          return node.href ? (
            <a key={node.id} href={node.href}>
              {box}
            </a>
          ) : (
            <g key={node.id}>{box}</g>
          );
        })}
      </svg>
    </figure>
  );
}
