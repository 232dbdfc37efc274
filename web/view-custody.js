// Custody explorer: GET /custody drawn as a layered graph; a node's what, how,
// where and when on selection; the same nodes as a table for screen readers.
import { getJSON, sparql } from './api.js';
import { h, clear, errorBox, field, loading, put, s } from './dom.js';
import { draw, flow, layout, statusName, STATUS_COLOURS, KIND_COLOURS } from './dag.js';
import { expand, iriLink, looksLikeIri, prefixBlock, route, shorten, valueNode } from './rdf.js';

const SHOWN = new Set(['id', 'iri', 'kind', 'label', 'type', 'status', 'depth']);

/* The server's node and edge spellings, brought to {id, kind, label, type, status, depth} and {from, to, kind}. */
export function normalise(json) {
  const nodes = (json.nodes || []).map((n) => ({
    ...n,
    id: n.id || n.iri || n.resource,
    kind: (n.kind || n.class || 'resource').toLowerCase(),
    label: n.label || n.title || n.name || shorten(n.id || n.iri || ''),
    depth: n.depth === undefined || n.depth === null ? undefined : Number(n.depth),
  }));
  const ids = new Set(nodes.map((n) => n.id));
  const edges = (json.edges || []).map((e) => ({ ...e, from: e.from || e.source || e.s, to: e.to || e.target || e.o, kind: e.kind || e.type || e.predicate || '' }))
    .filter((e) => ids.has(e.from) && ids.has(e.to));
  return { root: json.root || json.resource, direction: json.direction, nodes, edges };
}

function describe(n) {
  return [n.kind, n.label, statusName(n.status), `depth ${n.depth}`].filter(Boolean).join(', ');
}

function renderValue(v, depth = 0) {
  if (v === null || v === undefined) return document.createTextNode('–');
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
SELECT DISTINCT ?resource WHERE {
  GRAPH ?g1 { ?resource prov:wasDerivedFrom ?a }
  GRAPH ?g2 { ?a prov:wasDerivedFrom ?b }
}
LIMIT 12`;
  const q2 = `${prefixBlock(['prov'])}
SELECT DISTINCT ?resource WHERE { GRAPH ?g { ?resource prov:wasDerivedFrom ?a } } LIMIT 12`;
  put(box, loading('Looking for resources with a custody chain…'));
  try {
    let res = await sparql(q, ctx.signal);
    if (!res.rows || !res.rows.length) res = await sparql(q2, ctx.signal);
    clear(box);
    if (!res.rows || !res.rows.length) {
      put(box, h('p', null, 'No derived resource is indexed yet: custody chains appear when executions report what they produced.'));
      return;
    }
    put(box, h('h2', null, 'Derived resources to start from'), h('ul', { class: 'plain-list' }, res.rows.map((r) => h('li', null,
      h('a', { href: route('custody', { resource: r.resource.value, direction: 'up' }) }, shorten(r.resource.value)), ' ',
      h('span', { class: 'hint' }, '(upstream)')))));
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
    h('p', { class: 'count', role: 'status' }, `${data.nodes.length} nodes (${executions} executions), ${data.edges.length} edges.`)));
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
    const extra = Object.fromEntries(Object.entries(n).filter(([k]) => !SHOWN.has(k) && !['x', 'y', 'w', 'h', 'layer', 'index'].includes(k)));
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
        n.type ? [h('dt', null, 'Type'), h('dd', null, renderValue(n.type))] : null,
        n.status ? [h('dt', null, 'Status'), h('dd', null, h('span', { class: `status-chip s-${statusName(n.status)}` }, statusName(n.status)))] : null,
        h('dt', null, 'Depth'), h('dd', null, String(n.depth))),
      Object.keys(extra).length ? renderValue(extra) : null,
      ins.length ? [h('h4', null, 'From'), h('ul', { class: 'values' }, ins.map((id) => h('li', null, nodeLink(id))))] : null,
      outs.length ? [h('h4', null, 'To'), h('ul', { class: 'values' }, outs.map((id) => h('li', null, nodeLink(id))))] : null,
      h('div', { class: 'toolbar' },
        h('a', { class: 'button', href: route('resource', { iri: n.id }) }, 'Resource page'),
        n.id !== data.root ? h('a', { class: 'button', href: route('custody', { resource: n.id, direction, depth }) }, 'Centre here') : null,
        n.kind === 'execution' ? h('a', { class: 'button', href: route('rewards', { execution: n.id }) }, 'Rewards') : null));
    if (g && window.matchMedia('(max-width: 900px)').matches) panel.scrollIntoView({ block: 'nearest' });
  }

  function paint() {
    const vertical = canvas.clientWidth > 0 && canvas.clientWidth < 640;
    const lay = layout(data.nodes, flowEdges, { direction, root: data.root || resource, vertical });
    const svg = draw(lay, { onSelect: select, describe, root: data.root || resource, label: `Custody graph of ${shorten(resource)}, ${direction}stream` });
    put(clear(canvas), svg);
    // Fit the drawing to the width when that keeps text readable; otherwise scroll, showing the root.
    const room = canvas.clientWidth - 2;
    if (lay.width > room && room / lay.width >= 0.62) {
      svg.setAttribute('width', String(room));
      svg.setAttribute('height', String(Math.round((lay.height * room) / lay.width)));
    } else if (lay.width > room) {
      const r = lay.nodes.find((x) => x.id === (data.root || resource));
      if (r) canvas.scrollLeft = Math.max(0, r.x + r.w / 2 - room / 2);
    }
    if (lay.orient === 'v' && lay.height > canvas.clientHeight) {
      const r = lay.nodes.find((x) => x.id === (data.root || resource));
      if (r && direction === 'up') canvas.scrollTop = Math.max(0, r.y - canvas.clientHeight + r.h + 20);
    }
    if (selected) {
      const n = data.nodes.find((x) => x.id === selected);
      if (n) select(n, null);
    }
  }
  paint();
  let lastVertical = canvas.clientWidth < 640;
  const onResize = () => {
    const v = canvas.clientWidth < 640;
    if (v !== lastVertical) {
      lastVertical = v;
      paint();
    }
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
