// Custody explorer: GET /custody drawn as a layered graph; a node's what, how,
// where and when on selection; the same nodes as a table for screen readers.
import { getJSON, sparql } from './api.js';
import { h, clear, errorBox, field, loading, put, s } from './dom.js';
import { draw, flow, layout, statusName, STATUS_COLOURS, KIND_COLOURS } from './dag.js';
import { compact, expand, iriLink, looksLikeIri, prefixBlock, route, shorten, valueNode } from './rdf.js';

const SHOWN = new Set(['id', 'iri', 'kind', 'label', 'type', 'status', 'depth']);

/* The answer of GET /custody ({resource, resources, executions, edges}) as
   {root, nodes:[{id, kind, label, type, status, depth, …}], edges:[{from, to, kind, …}]}.
   A generic {nodes, edges} answer is accepted as well. */
export function normalise(json) {
  const byId = new Map();
  const add = (n) => {
    const id = n.id || n.iri || n.resource;
    if (!id) return;
    byId.set(id, { ...(byId.get(id) || {}), ...n, id });
  };
  for (const r of json.resources || []) {
    add({ ...r, kind: r.type === 'DigitalService' ? 'service' : 'resource' });
  }
  for (const x of json.executions || []) add({ ...x, kind: 'execution' });
  for (const n of json.nodes || []) add({ ...n, kind: (n.kind || 'resource').toLowerCase() });
  const nodes = [...byId.values()].map((n) => {
    const { iri, ...rest } = n;
    return {
      ...rest,
      label: n.label || n.title || n.name || compact(n.id),
      depth: n.depth === undefined || n.depth === null ? undefined : Number(n.depth),
    };
  });
  const edges = (json.edges || []).map((e) => ({ ...e, from: e.from || e.source, to: e.to || e.target, kind: e.kind || e.type || '' }))
    .filter((e) => byId.has(e.from) && byId.has(e.to));
  return { root: json.root || json.resource, direction: json.direction, truncated: !!json.truncated, message: json.message, asOfHeight: json.asOfHeight, nodes, edges };
}

/* The fields of a node, sorted into the questions a person asks of custody. */
const ASPECTS = [
  ['What', ['title', 'type', 'category', 'status', 'describedBy']],
  ['How', ['orchestrationService', 'order', 'evidence']],
  ['Where', ['zone', 'storedAt']],
  ['When', ['startedAt', 'endedAt']],
  ['Who', ['provider', 'payer']],
];
const INTERNAL = new Set(['id', 'kind', 'label', 'depth', 'x', 'y', 'w', 'h', 'layer', 'index']);

function aspects(n, edges) {
  const used = new Set(INTERNAL);
  const out = [];
  for (const [name, keys] of ASPECTS) {
    const rows = [];
    for (const k of keys) {
      used.add(k);
      if (n[k] === undefined || n[k] === null || (Array.isArray(n[k]) && !n[k].length)) continue;
      rows.push([k, n[k]]);
    }
    if (name === 'When') {
      for (const e of edges) {
        if ((e.from === n.id || e.to === n.id) && e.blockTime) {
          rows.push([`${e.kind} ${e.from === n.id ? '→' : '←'} ${compact(e.from === n.id ? e.to : e.from)}`,
            h('span', null, e.blockTime, e.tx ? [' in ', iriLink(e.tx, compact(e.tx))] : null)]);
        }
      }
    }
    if (rows.length) out.push([name, rows]);
  }
  const rest = Object.entries(n).filter(([k, v]) => !used.has(k) && v !== null && v !== undefined);
  if (rest.length) out.push(['Other', rest]);
  return out;
}

function describe(n) {
  return [n.kind, n.label, statusName(n.status), `depth ${n.depth}`].filter(Boolean).join(', ');
}

function renderValue(v, depth = 0) {
  if (v === null || v === undefined) return document.createTextNode('–');
  if (v instanceof Node) return v;
  if (Array.isArray(v)) {
    if (!v.length) return document.createTextNode('none');
    return h('ul', { class: 'values' }, v.map((x) => h('li', null, renderValue(x, depth + 1))));
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    if (!entries.length) return document.createTextNode('–');
    return h('dl', { class: `kv${depth ? ' nested' : ''}` }, entries.map(([k, x]) => [h('dt', null, k), h('dd', null, renderValue(x, depth + 1))]));
  }
  if (looksLikeIri(v)) return iriLink(v);
  return valueNode(v);
}

function legend() {
  const items = [
    ['Resource', KIND_COLOURS.resource, 3, null],
    ['Service', KIND_COLOURS.service, 3, '6 3'],
    ['Agent', KIND_COLOURS.agent, 7, '2 3'],
    ...Object.entries(STATUS_COLOURS).map(([k, c]) => [`Execution ${k}`, c, 7, null]),
  ];
  return h('ul', { class: 'legend', 'aria-label': 'Legend' }, items.map(([label, c, rx, dash]) => h('li', null,
    s('svg', { width: 28, height: 16, 'aria-hidden': 'true' },
      s('rect', { x: 1, y: 1, width: 26, height: 14, rx, fill: c.fill, stroke: c.stroke, 'stroke-width': 1.5, 'stroke-dasharray': dash })),
    label)));
}

async function suggestions(box, ctx) {
  const q = `${prefixBlock(['prov'])}
SELECT DISTINCT ?resource WHERE { ?resource prov:wasDerivedFrom ?a . ?a prov:wasDerivedFrom ?b }
ORDER BY ?resource
LIMIT 12`;
  const q2 = `${prefixBlock(['prov'])}
SELECT DISTINCT ?resource WHERE { ?resource prov:wasDerivedFrom ?a } ORDER BY ?resource LIMIT 12`;
  put(box, loading('Looking for resources with a custody chain…'));
  try {
    let res = await sparql(q, ctx.signal);
    if (!res.rows || !res.rows.length) res = await sparql(q2, ctx.signal);
    clear(box);
    if (!res.rows || !res.rows.length) {
      put(box, h('p', null, 'No derived resource is indexed yet: custody chains appear when executions report what they produced.'));
      return;
    }
    put(box, h('h2', null, 'Where did it come from?'),
      h('p', { class: 'hint' }, 'Resources produced by executions, with at least two generations behind them: explore upstream.'),
      h('ul', { class: 'plain-list' }, res.rows.map((r) => h('li', null,
        h('a', { href: route('custody', { resource: r.resource.value, direction: 'up' }) }, shorten(r.resource.value))))));
    const src = await sparql(`${prefixBlock(['cust', 'dcterms', 'prov'])}
SELECT DISTINCT ?resource ?title WHERE { ?resource a cust:Dataset . ?e prov:used ?resource . OPTIONAL { ?resource dcterms:title ?title } } ORDER BY ?title LIMIT 20`, ctx.signal);
    if (src.rows && src.rows.length) {
      put(box, h('h2', null, 'Where did it go?'),
        h('p', { class: 'hint' }, 'Registered datasets that executions consumed: explore downstream.'),
        h('ul', { class: 'plain-list' }, src.rows.map((r) => h('li', null,
          h('a', { href: route('custody', { resource: r.resource.value, direction: 'down' }) }, r.title ? r.title.value : shorten(r.resource.value)),
          ' ', h('span', { class: 'hint' }, compact(r.resource.value))))));
    }
  } catch (e) {
    if (!ctx.signal.aborted) put(clear(box), errorBox(e, 'no suggestions'));
  }
}

export async function render(main, params, ctx) {
  const resource = params.get('resource') ? expand(params.get('resource')) : '';
  const direction = params.get('direction') === 'down' ? 'down' : 'up';
  const depth = params.get('depth') || '8';
  const input = h('input', { name: 'resource', type: 'text', required: true, spellcheck: 'false', autocomplete: 'off', placeholder: 'IRI of a dataset or execution', value: resource });
  const dirSel = h('select', { name: 'direction' },
    h('option', { value: 'up', selected: direction === 'up' }, 'Upstream (where it came from)'),
    h('option', { value: 'down', selected: direction === 'down' }, 'Downstream (what was made from it)'));
  const depthIn = h('input', { name: 'depth', type: 'number', min: '1', max: '16', value: depth, inputmode: 'numeric' });
  const form = h('form', { class: 'card inline-form custody-form', onsubmit: (ev) => {
    ev.preventDefault();
    location.hash = route('custody', { resource: expand(input.value), direction: dirSel.value, depth: depthIn.value });
  } }, field('Resource', input), field('Direction', dirSel), field('Depth', depthIn), h('button', { type: 'submit', class: 'primary' }, 'Explore'));
  put(main, h('h1', null, 'Custody explorer'),
    h('p', { class: 'lead' }, 'The chain of custody of a resource: the executions that produced it and what they consumed (upstream), or everything made from it (downstream). Select a node for its what, how, where and when.'),
    form);
  if (!resource) {
    const box = h('section', { class: 'card' });
    put(main, box);
    await suggestions(box, ctx);
    return;
  }
  ctx.setTitle(`Custody of ${shorten(resource)}`);
  const area = h('section', { class: 'custody-area', 'aria-labelledby': 'dag-h' }, loading('Walking the custody chain…'));
  put(main, area);
  let data;
  try {
    data = normalise(await getJSON('/custody', { resource, direction, depth }, ctx.signal));
  } catch (e) {
    if (ctx.signal.aborted) return;
    put(clear(area), errorBox(e, 'the custody chain could not be read'));
    return;
  }
  if (ctx.signal.aborted) return;
  clear(area);
  const kindOf = (id) => (data.nodes.find((n) => n.id === id) || {}).kind;
  const flowEdges = data.edges.map((e) => flow(e, kindOf));
  const executions = data.nodes.filter((n) => n.kind === 'execution').length;
  put(area, h('div', { class: 'view-head' },
    h('h2', { id: 'dag-h' }, `${direction === 'up' ? 'Upstream' : 'Downstream'} of `, iriLink(resource)),
    h('p', { class: 'count', role: 'status' }, `${data.nodes.length} nodes (${executions} executions), ${data.edges.length} edges${data.asOfHeight ? `, as of height ${data.asOfHeight}` : ''}.`)));
  if (data.truncated) put(area, h('p', { class: 'note' }, data.message || 'The walk stopped early: ask for a smaller depth.'));
  if (data.nodes.length === 0) {
    put(area, h('p', { class: 'empty' }, 'Nothing is known about the custody of this resource.'));
    return;
  }
  const panel = h('aside', { class: 'card node-detail', id: 'node-detail', 'aria-live': 'polite', 'aria-label': 'Selected node' },
    h('p', { class: 'hint' }, 'Select a node (click, or Tab to it and press Enter) to see its details here. Arrow keys move between nodes.'));
  const canvas = h('div', { class: 'dag-scroll', tabindex: '-1' });
  const layoutRow = h('div', { class: 'dag-layout' }, h('div', { class: 'dag-main' }, legend(), canvas), panel);
  put(area, layoutRow);
  let selected = null;

  function select(n, g) {
    selected = n.id;
    for (const el of canvas.querySelectorAll('g.node')) el.classList.toggle('selected', el.dataset.id === n.id);
    for (const el of canvas.querySelectorAll('path.edge')) el.classList.toggle('hot', el.dataset.from === n.id || el.dataset.to === n.id);
    const ins = flowEdges.filter((e) => e.to === n.id).map((e) => e.from);
    const outs = flowEdges.filter((e) => e.from === n.id).map((e) => e.to);
    const nodeLink = (id) => {
      const m = data.nodes.find((x) => x.id === id);
      return h('button', { type: 'button', class: 'linkish', onclick: () => {
        const el = canvas.querySelector(`g.node[data-id="${CSS.escape(id)}"]`);
        if (el) {
          el.focus();
          select(m, el);
        }
      } }, m ? m.label : shorten(id));
    };
    put(clear(panel), 
      h('h3', null, n.label || shorten(n.id)),
      h('dl', { class: 'kv' },
        h('dt', null, 'IRI'), h('dd', null, iriLink(n.id, n.id)),
        h('dt', null, 'Kind'), h('dd', null, n.kind),
        h('dt', null, 'Depth'), h('dd', null, `${n.depth ?? '–'}${n.kind === 'execution' ? ' (executions away from the start)' : ''}`)),
      aspects(n, data.edges).map(([name, rows]) => [h('h4', null, name), h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', null, k),
        h('dd', null, k === 'status' ? h('span', { class: `status-chip s-${statusName(v)}` }, statusName(v)) : renderValue(v))]))]),
      ins.length ? [h('h4', null, n.kind === 'execution' ? 'Used' : 'Generated by'), h('ul', { class: 'values' }, ins.map((id) => h('li', null, nodeLink(id))))] : null,
      outs.length ? [h('h4', null, n.kind === 'execution' ? 'Generated' : 'Used by'), h('ul', { class: 'values' }, outs.map((id) => h('li', null, nodeLink(id))))] : null,
      h('div', { class: 'toolbar' },
        h('a', { class: 'button', href: route('resource', { iri: n.id }) }, 'Resource page'),
        n.id !== data.root ? h('a', { class: 'button', href: route('custody', { resource: n.id, direction, depth }) }, 'Centre here') : null,
        n.kind === 'execution' ? h('a', { class: 'button', href: route('rewards', { execution: n.id }) }, 'Rewards') : null));
    if (g && window.matchMedia('(max-width: 900px)').matches) panel.scrollIntoView({ block: 'nearest' });
  }

  const rootId = data.root || resource;
  let orientation = 'auto';
  let zoom = null; // null: automatic; otherwise a scale factor
  let lastRoom = -1;

  /* Left to right when it fits the width readably, else whichever of the two needs less shrinking. */
  function pickLayout(room) {
    const mk = (vertical) => layout(data.nodes, flowEdges, { direction, root: rootId, vertical });
    if (orientation !== 'auto') return mk(orientation === 'v');
    const hor = mk(false);
    if (hor.width * 0.8 <= room) return hor;
    const ver = mk(true);
    return ver.width < hor.width ? ver : hor;
  }

  function paint() {
    const room = Math.max(200, canvas.clientWidth - 2);
    lastRoom = canvas.clientWidth;
    const lay = pickLayout(room);
    const fit = Math.min(1, room / lay.width);
    const scale = zoom === null ? Math.max(fit, 0.75) : zoom;
    const svg = draw(lay, { onSelect: select, describe, root: rootId, label: `Custody graph of ${shorten(resource)}, ${direction}stream, ${lay.orient === 'h' ? 'left to right' : 'top to bottom'}` });
    svg.setAttribute('width', String(Math.round(lay.width * scale)));
    svg.setAttribute('height', String(Math.round(lay.height * scale)));
    canvas.classList.toggle('vertical', lay.orient === 'v');
    put(clear(canvas), svg);
    zoomLabel.textContent = `${Math.round(scale * 100)}%`;
    // Show the start of the walk when the drawing is larger than its frame.
    const r = lay.nodes.find((x) => x.id === rootId);
    if (r && lay.width * scale > room) canvas.scrollLeft = Math.max(0, (r.x + r.w / 2) * scale - room / 2);
    if (r && lay.orient === 'v' && lay.height * scale > canvas.clientHeight) canvas.scrollTop = Math.max(0, (r.y + r.h) * scale - canvas.clientHeight + 20);
    if (selected) {
      const n = data.nodes.find((x) => x.id === selected);
      if (n) select(n, null);
    }
  }
  const zoomLabel = h('span', { class: 'hint', 'aria-live': 'polite' });
  const currentScale = () => Number(canvas.querySelector('svg').getAttribute('width')) / layoutWidth();
  const layoutWidth = () => Number(canvas.querySelector('svg').getAttribute('viewBox').split(' ')[2]);
  const orientSel = h('select', { 'aria-label': 'Layout', onchange: () => { orientation = orientSel.value; paint(); } },
    h('option', { value: 'auto' }, 'Layout: automatic'),
    h('option', { value: 'h' }, 'Layout: left to right'),
    h('option', { value: 'v' }, 'Layout: top to bottom'));
  canvas.before(h('div', { class: 'toolbar dag-tools' },
    orientSel,
    h('button', { type: 'button', 'aria-label': 'Zoom out', onclick: () => { zoom = Math.max(0.3, currentScale() / 1.25); paint(); } }, '−'),
    h('button', { type: 'button', 'aria-label': 'Zoom in', onclick: () => { zoom = Math.min(2, currentScale() * 1.25); paint(); } }, '+'),
    h('button', { type: 'button', onclick: () => { zoom = Math.min(1, (canvas.clientWidth - 2) / layoutWidth()); paint(); } }, 'Fit'),
    zoomLabel));
  paint();
  const onResize = () => {
    if (Math.abs(canvas.clientWidth - lastRoom) > 40) paint();
  };
  window.addEventListener('resize', onResize);

  put(area, h('details', { class: 'card as-table' },
    h('summary', null, 'The same graph as a table'),
    h('table', { class: 'data' },
      h('caption', null, 'Nodes of the custody graph'),
      h('thead', null, h('tr', null, ['Node', 'Kind', 'Status', 'Depth', 'Inputs'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, [...data.nodes].sort((a, b) => a.depth - b.depth).map((n) => h('tr', null,
        h('td', null, iriLink(n.id, n.label)), h('td', null, n.kind), h('td', null, statusName(n.status) || '–'), h('td', { class: 'num' }, String(n.depth ?? '–')),
        h('td', null, flowEdges.filter((e) => e.to === n.id).map((e) => shorten(e.from)).join(', ') || '–')))))));
  const rootNode = data.nodes.find((n) => n.id === (data.root || resource));
  if (rootNode) select(rootNode, null);
  return () => window.removeEventListener('resize', onResize);
}
