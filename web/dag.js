// A layered drawing of a custody DAG in SVG: one layer per depth, nodes ordered
// within layers by barycentres to limit crossings, edges in data-flow direction.
import { s } from './dom.js';

const SIZES = {
  h: { w: 176, hgt: 54, gapLayer: 56, gapNode: 18 },
  v: { w: 160, hgt: 56, gapLayer: 70, gapNode: 16 },
};

export const STATUS_COLOURS = {
  Delivered: { fill: '#d7f2df', stroke: '#116329' },
  Failed: { fill: '#fde0de', stroke: '#b42318' },
  InExecution: { fill: '#fff1c2', stroke: '#8a5a00' },
  Cancelled: { fill: '#e9ecef', stroke: '#57606a' },
};
export const KIND_COLOURS = {
  resource: { fill: '#e3eefb', stroke: '#0b5cad' },
  service: { fill: '#eee6fb', stroke: '#6639ba' },
  agent: { fill: '#f6f8fa', stroke: '#57606a' },
  execution: { fill: '#ffffff', stroke: '#24292f' },
};

export function statusName(st) {
  if (!st) return '';
  const m = /[#/]([^#/]+)$/.exec(String(st));
  return m ? m[1] : String(st);
}

function colours(n) {
  if (n.kind === 'execution') return STATUS_COLOURS[statusName(n.status)] || KIND_COLOURS.execution;
  return KIND_COLOURS[n.kind] || KIND_COLOURS.resource;
}

function truncate(t, max) {
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/* Depth of each node: the server's, or the shortest distance from the root along edges in either direction. */
function depths(nodes, edges, root) {
  const d = new Map();
  for (const n of nodes) if (Number.isFinite(n.depth)) d.set(n.id, n.depth);
  if (d.size === nodes.length) return d;
  const adj = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (adj.has(e.from) && adj.has(e.to)) {
      adj.get(e.from).push(e.to);
      adj.get(e.to).push(e.from);
    }
  }
  const start = root && adj.has(root) ? root : nodes[0] && nodes[0].id;
  const dist = new Map([[start, 0]]);
  const queue = [start];
  while (queue.length) {
    const x = queue.shift();
    for (const y of adj.get(x) || []) {
      if (!dist.has(y)) {
        dist.set(y, dist.get(x) + 1);
        queue.push(y);
      }
    }
  }
  for (const n of nodes) if (!d.has(n.id)) d.set(n.id, dist.has(n.id) ? dist.get(n.id) : 0);
  return d;
}

/* Layers in data-flow order, so that every edge points forward: upstream views
   put each node just before its first consumer (the root last); downstream views
   put each node just after its last input (the root first). Cycles are broken by
   leaving out the edges that close them; partOf edges do not constrain layers. */
export function layering(nodes, edges, direction) {
  const succ = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (e.kind !== 'partOf' && e.from !== e.to && succ.has(e.from) && succ.has(e.to)) succ.get(e.from).push(e.to);
  }
  const state = new Map();
  const order = [];
  const kept = new Map(nodes.map((n) => [n.id, []]));
  const visit = (v) => {
    state.set(v, 1);
    for (const w of succ.get(v)) {
      if (state.get(w) === 1) continue;
      kept.get(v).push(w);
      if (!state.has(w)) visit(w);
    }
    state.set(v, 2);
    order.push(v);
  };
  for (const n of nodes) if (!state.has(n.id)) visit(n.id);
  order.reverse(); // topological order of the kept edges
  const layer = new Map();
  if (direction === 'down') {
    for (const v of order) if (!layer.has(v)) layer.set(v, 0);
    for (const v of order) for (const w of kept.get(v)) layer.set(w, Math.max(layer.get(w) || 0, layer.get(v) + 1));
    return layer;
  }
  const rank = new Map();
  for (let i = order.length - 1; i >= 0; i -= 1) {
    const v = order[i];
    rank.set(v, kept.get(v).reduce((m, w) => Math.max(m, rank.get(w) + 1), 0));
  }
  const maxRank = Math.max(0, ...rank.values());
  for (const [v, r] of rank) layer.set(v, maxRank - r);
  return layer;
}

/* Positions: returns {nodes:[{...n, x, y, w, h, layer, index}], edges, width, height}. */
export function layout(nodes, edges, opts) {
  const orient = opts.vertical ? 'v' : 'h';
  const S = SIZES[orient];
  const dep = depths(nodes, edges, opts.root);
  const layerMap = layering(nodes, edges, opts.direction);
  const maxD = Math.max(0, ...layerMap.values());
  const layerOf = (id) => layerMap.get(id);
  const layers = Array.from({ length: maxD + 1 }, () => []);
  for (const n of nodes) layers[layerOf(n.id)].push(n.id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const L of layers) L.sort((a, b) => (byId.get(a).kind || '').localeCompare(byId.get(b).kind || '') || String(byId.get(a).label || a).localeCompare(String(byId.get(b).label || b)));
  const nb = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (nb.has(e.from) && nb.has(e.to)) {
      nb.get(e.from).push(e.to);
      nb.get(e.to).push(e.from);
    }
  }
  const pos = new Map();
  const index = () => layers.forEach((L) => L.forEach((id, i) => pos.set(id, i)));
  index();
  for (let sweep = 0; sweep < 6; sweep += 1) {
    const down = sweep % 2 === 0;
    const order = down ? layers.map((_, i) => i) : layers.map((_, i) => layers.length - 1 - i);
    for (const li of order) {
      const ref = down ? li - 1 : li + 1;
      if (ref < 0 || ref >= layers.length) continue;
      const bc = new Map();
      for (const id of layers[li]) {
        const ns = nb.get(id).filter((x) => layerOf(x) === ref);
        bc.set(id, ns.length ? ns.reduce((a, x) => a + pos.get(x), 0) / ns.length : pos.get(id));
      }
      layers[li].sort((a, b) => bc.get(a) - bc.get(b) || pos.get(a) - pos.get(b));
      layers[li].forEach((id, i) => pos.set(id, i));
    }
  }
  const widest = Math.max(1, ...layers.map((L) => L.length));
  const pad = 16;
  const out = [];
  const span = (k) => k * (orient === 'h' ? S.hgt + S.gapNode : S.w + S.gapNode) - (orient === 'h' ? S.gapNode : S.gapNode);
  const full = span(widest);
  layers.forEach((L, li) => {
    const offset = (full - span(L.length)) / 2;
    L.forEach((id, i) => {
      const along = li * ((orient === 'h' ? S.w : S.hgt) + S.gapLayer);
      const across = offset + i * (orient === 'h' ? S.hgt + S.gapNode : S.w + S.gapNode);
      out.push({ ...byId.get(id), depth: dep.get(id), layer: li, index: i, w: S.w, h: S.hgt,
        x: pad + (orient === 'h' ? along : across), y: pad + (orient === 'h' ? across : along) });
    });
  });
  const width = pad * 2 + (orient === 'h' ? layers.length * (S.w + S.gapLayer) - S.gapLayer : full);
  const height = pad * 2 + (orient === 'h' ? full : layers.length * (S.hgt + S.gapLayer) - S.gapLayer);
  return { nodes: out, edges, width, height, orient, layers };
}

/* Data flows from the input resource to the execution that used it, and from an execution to what it generated. */
export function flow(e, kindOf) {
  const fk = kindOf(e.from);
  const tk = kindOf(e.to);
  if (e.kind === 'used' && fk === 'execution' && tk !== 'execution') return { ...e, from: e.to, to: e.from };
  if (e.kind === 'generated' && fk !== 'execution' && tk === 'execution') return { ...e, from: e.to, to: e.from };
  return e;
}

function edgePath(a, b, orient) {
  if (orient === 'h') {
    const forward = b.x >= a.x + a.w;
    const x1 = forward ? a.x + a.w : a.x + a.w / 2;
    const y1 = forward ? a.y + a.h / 2 : a.y + a.h;
    const x2 = forward ? b.x : b.x + b.w / 2;
    const y2 = forward ? b.y + b.h / 2 : b.y;
    const dx = forward ? Math.max(30, (x2 - x1) / 2) : 0;
    return forward ? `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` : `M${x1},${y1} C${x1},${y1 + 30} ${x2},${y2 - 30} ${x2},${y2}`;
  }
  const forward = b.y >= a.y + a.h;
  const x1 = forward ? a.x + a.w / 2 : a.x + a.w;
  const y1 = forward ? a.y + a.h : a.y + a.h / 2;
  const x2 = forward ? b.x + b.w / 2 : b.x;
  const y2 = forward ? b.y : b.y + b.h / 2;
  const dy = forward ? Math.max(24, (y2 - y1) / 2) : 0;
  return forward ? `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}` : `M${x1},${y1} C${x1 + 30},${y1} ${x2 - 30},${y2} ${x2},${y2}`;
}

/* Draws the layout; onSelect(node) is called on click, Enter or Space. Returns the <svg>. */
export function draw(lay, opts) {
  const { onSelect, describe } = opts;
  const byId = new Map(lay.nodes.map((n) => [n.id, n]));
  const svg = s('svg', {
    class: 'dag', width: lay.width, height: lay.height, viewBox: `0 0 ${lay.width} ${lay.height}`,
    role: 'group', 'aria-label': opts.label || 'Custody graph',
  });
  const defs = s('defs', null,
    s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerUnits: "userSpaceOnUse", markerWidth: "9", markerHeight: "9", orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#57606a' })));
  svg.append(defs);
  const edgesG = s('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const e of lay.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    edgesG.append(s('path', { d: edgePath(a, b, lay.orient), class: `edge e-${e.kind || 'link'}`, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
  }
  svg.append(edgesG);
  const nodesG = s('g', { class: 'nodes' });
  const maxChars = lay.orient === 'h' ? 21 : 19;
  for (const n of lay.nodes) {
    const c = colours(n);
    const st = statusName(n.status);
    const isExec = n.kind === 'execution';
    const g = s('g', {
      class: `node k-${n.kind || 'resource'}${st ? ` s-${st}` : ''}${n.id === opts.root ? ' root' : ''}`,
      transform: `translate(${n.x},${n.y})`, tabindex: '0', role: 'button',
      'aria-label': describe(n), 'data-id': n.id, 'data-layer': n.layer, 'data-index': n.index,
    });
    g.append(s('title', { text: `${n.label || n.id}\n${n.id}` }));
    g.append(s('rect', {
      class: 'shape', width: n.w, height: n.h, rx: isExec ? n.h / 2 : n.kind === 'agent' ? 14 : 4,
      fill: c.fill, stroke: c.stroke, 'stroke-width': n.id === opts.root ? 3 : 1.5,
      'stroke-dasharray': n.kind === 'service' ? '6 3' : n.kind === 'agent' ? '2 3' : null,
    }));
    const padX = isExec ? 18 : 10;
    g.append(s('text', { x: padX, y: 23, class: 'node-label' }, truncate(String(n.label || n.id), maxChars)));
    const sub = [isExec ? st || 'execution' : n.kind || 'resource', Number.isFinite(n.depth) ? `depth ${n.depth}` : ''].filter(Boolean).join(' · ');
    g.append(s('text', { x: padX, y: 42, class: 'node-sub', fill: c.stroke }, truncate(sub, maxChars + 4)));
    g.addEventListener('click', () => onSelect(n, g));
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        onSelect(n, g);
        return;
      }
      const moves = lay.orient === 'h'
        ? { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }
        : { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const mv = moves[ev.key];
      if (!mv) return;
      ev.preventDefault();
      const li = n.layer + mv[0];
      if (li < 0 || li >= lay.layers.length) return;
      const L = lay.layers[li];
      const idx = mv[0] === 0 ? n.index + mv[1] : Math.min(L.length - 1, Math.round((n.index / Math.max(1, lay.layers[n.layer].length - 1)) * (L.length - 1)) || 0);
      if (idx < 0 || idx >= L.length) return;
      const target = svg.querySelector(`g.node[data-id="${CSS.escape(L[idx])}"]`);
      if (target) target.focus();
    });
    nodesG.append(g);
  }
  svg.append(nodesG);
  return svg;
}
