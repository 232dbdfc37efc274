// Resource page: everything the graph says about one IRI, as subject and as
// object, across named graphs, grouped by property, with links to neighbours.
import { sparql } from './api.js';
import { h, clear, errorBox, field, loading, put } from './dom.js';
import { GRAPHS, compact, expand, iriLink, localName, prefixBlock, renderTerm, route, shorten, sparqlIri } from './rdf.js';

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const TITLE_PROPS = [
  'http://purl.org/dc/terms/title',
  'http://schema.org/name',
  'http://www.w3.org/2000/01/rdf-schema#label',
  'http://www.w3.org/2004/02/skos/core#prefLabel',
];
const LIMIT = 2000;

const BROWSE = [
  ['Datasets', 'cust:Dataset', 'dcterms:title'],
  ['Digital services', 'cust:DigitalService', 'dcterms:title'],
  ['Zones', 'cust:Zone', 'dcterms:title'],
  ['Executions', 'cust:Execution', null],
];

function browseQuery(cls, titleProp) {
  return `${prefixBlock(['cust', 'dcterms'])}
SELECT DISTINCT ?resource ?title WHERE {
  GRAPH ?g { ?resource a ${cls} . ${titleProp ? `OPTIONAL { ?resource ${titleProp} ?title }` : ''} }
}
ORDER BY ?title ?resource
LIMIT 200`;
}

async function browse(main, ctx) {
  const input = h('input', { id: 'iri-input', name: 'iri', type: 'text', required: true, spellcheck: 'false', autocomplete: 'off', placeholder: 'urn:uuid:…, did:key:…, or a prefixed name like cust:Dataset' });
  put(main, 
    h('h1', null, 'Resources'),
    h('p', { class: 'lead' }, 'Open any dataset, service, zone, execution or credential to see everything the graph says about it.'),
    h('form', { class: 'card inline-form', onsubmit: (ev) => { ev.preventDefault(); location.hash = route('resource', { iri: expand(input.value) }); } },
      field('IRI', input), h('button', { type: 'submit', class: 'primary' }, 'Open')));
  const grid = h('div', { class: 'browse-grid' });
  put(main, grid);
  await Promise.all(BROWSE.map(async ([title, cls, prop]) => {
    const box = h('section', { class: 'card browse' }, h('h2', null, title), loading());
    put(grid, box);
    try {
      const res = await sparql(browseQuery(cls, prop), ctx.signal);
      const seen = new Set();
      const items = res.rows.filter((r) => r.resource && !seen.has(r.resource.value) && seen.add(r.resource.value));
      box.lastChild.replaceWith(items.length
        ? h('ul', { class: 'plain-list' }, items.map((r) => h('li', null, iriLink(r.resource.value, r.title ? r.title.value : shorten(r.resource.value)),
          r.title ? h('span', { class: 'hint' }, ` ${compact(r.resource.value)}`) : null)))
        : h('p', null, 'None yet.'));
    } catch (e) {
      if (!ctx.signal.aborted) box.lastChild.replaceWith(errorBox(e));
    }
  }));
}

function group(rows, keyVar, valVar) {
  const byProp = new Map();
  for (const r of rows) {
    const p = r[keyVar].value;
    if (!byProp.has(p)) byProp.set(p, new Map());
    const vals = byProp.get(p);
    const t = r[valVar];
    const k = `${t.type}|${t.value}|${t.datatype || ''}|${t['xml:lang'] || ''}`;
    if (!vals.has(k)) vals.set(k, { term: t, graphs: new Set() });
    if (r.g) vals.get(k).graphs.add(r.g.value);
  }
  return byProp;
}

function graphChips(graphs, self) {
  const list = [...graphs].filter((g) => g !== self);
  if (!list.length) return null;
  return h('span', { class: 'graphs' }, list.slice(0, 3).map((g) => h('a', { href: route('resource', { iri: g }), class: 'chip', title: `in graph ${g}` }, g === GRAPHS.current || g === GRAPHS.ledger ? shorten(g) : `graph ${shorten(g).slice(-8)}`)),
    list.length > 3 ? h('span', { class: 'chip' }, `+${list.length - 3} graphs`) : null);
}

function propTable(caption, byProp, self, order) {
  const props = [...byProp.keys()].sort(order);
  return h('table', { class: 'props' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Property'), h('th', { scope: 'col' }, 'Values'))),
    h('tbody', null, props.map((p) => h('tr', null,
      h('th', { scope: 'row' }, iriLink(p)),
      h('td', null, h('ul', { class: 'values' }, [...byProp.get(p).values()].map((v) => h('li', null, renderTerm(v.term), ' ', graphChips(v.graphs, self)))))))));
}

function propOrder(a, b) {
  const rank = (p) => (p === RDF_TYPE ? 0 : TITLE_PROPS.includes(p) ? 1 : 2);
  return rank(a) - rank(b) || shorten(a).localeCompare(shorten(b));
}

export async function render(main, params, ctx) {
  const iriParam = params.get('iri');
  if (!iriParam) {
    await browse(main, ctx);
    return;
  }
  const iri = expand(iriParam);
  ctx.setTitle(shorten(iri));
  const head = h('div', { class: 'resource-head' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/resource' }, 'Resources'), ' › resource'),
    h('h1', { class: 'iri-title' }, shorten(iri)),
    h('p', { class: 'full-iri' }, h('code', null, iri)));
  const body = h('div', { class: 'resource-body' }, loading('Reading the graph…'));
  put(main, head, body);
  const S = sparqlIri(iri);
  const qOut = `SELECT ?p ?o ?g WHERE { GRAPH ?g { ${S} ?p ?o } } LIMIT ${LIMIT}`;
  const qIn = `SELECT ?s ?p ?g WHERE { GRAPH ?g { ?s ?p ${S} } } LIMIT ${LIMIT}`;
  const qGraph = `SELECT (COUNT(?s) AS ?triples) WHERE { GRAPH ${S} { ?s ?p ?o } }`;
  const [out, inc, graph] = await Promise.allSettled([sparql(qOut, ctx.signal), sparql(qIn, ctx.signal), sparql(qGraph, ctx.signal)]);
  if (ctx.signal.aborted) return;
  clear(body);
  if (out.status === 'rejected' && inc.status === 'rejected') {
    put(body, errorBox(out.reason, 'the graph could not be read'));
    return;
  }
  const outRows = out.status === 'fulfilled' ? out.value.rows || [] : [];
  const inRows = inc.status === 'fulfilled' ? inc.value.rows || [] : [];
  const byOut = group(outRows, 'p', 'o');
  const byIn = group(inRows, 'p', 's');
  const types = byOut.has(RDF_TYPE) ? [...byOut.get(RDF_TYPE).values()].map((v) => v.term.value) : [];
  const title = TITLE_PROPS.map((p) => byOut.get(p)).find(Boolean);
  if (title) {
    const first = [...title.values()][0].term.value;
    head.querySelector('h1').textContent = first;
    ctx.setTitle(first);
  } else if (shorten(iri) === iri) {
    head.querySelector('.full-iri').remove();
  }
  const triplesInGraph = graph.status === 'fulfilled' && graph.value.rows && graph.value.rows[0] && graph.value.rows[0].triples ? Number(graph.value.rows[0].triples.value) : 0;
  const isExecution = types.some((t) => /#(Execution|Activity)$/.test(t)) || byOut.has('http://www.w3.org/ns/prov#used') || byOut.has('http://www.w3.org/ns/prov#generated');
  put(head, 
    types.length ? h('ul', { class: 'badges', 'aria-label': 'Types' }, types.map((t) => h('li', null, iriLink(t, localName(t))))) : null,
    h('div', { class: 'toolbar actions' },
      h('a', { class: 'button', href: route('custody', { resource: iri, direction: 'up' }) }, 'Custody upstream'),
      h('a', { class: 'button', href: route('custody', { resource: iri, direction: 'down' }) }, 'Custody downstream'),
      isExecution ? h('a', { class: 'button', href: route('rewards', { execution: iri }) }, 'Rewards of this execution') : null,
      h('a', { class: 'button', href: route('sparql', { query: `${prefixBlock()}\n\nSELECT ?g ?p ?o\nWHERE { GRAPH ?g { ${S} ?p ?o } }\nLIMIT 500\n` }) }, 'Query it')));
  if (!outRows.length && !inRows.length && !triplesInGraph) {
    put(body, h('p', { class: 'empty', role: 'status' }, 'The graph says nothing about this IRI. Check its spelling, or ', h('a', { href: '#/resource' }, 'browse the resources'), '.'));
    return;
  }
  if (triplesInGraph) {
    put(body, h('p', { class: 'note' }, `This IRI also names a graph (a credential) of ${triplesInGraph} triples: `,
      h('a', { href: route('sparql', { query: `${prefixBlock()}\n\nSELECT ?s ?p ?o\nWHERE { GRAPH ${S} { ?s ?p ?o } }\n` }) }, 'list them in the console'), '.'));
  }
  const cols = h('div', { class: 'resource-cols' });
  if (byOut.size) put(cols, h('section', { class: 'card' }, h('h2', null, 'What it says'), propTable('Statements with this resource as subject', byOut, iri, propOrder)));
  if (byIn.size) put(cols, h('section', { class: 'card' }, h('h2', null, 'What points to it'), propTable('Statements with this resource as object', byIn, iri, (a, b) => shorten(a).localeCompare(shorten(b)))));
  put(body, cols);
  if (outRows.length >= LIMIT || inRows.length >= LIMIT) put(body, h('p', { class: 'hint' }, `Only the first ${LIMIT} statements of each side are shown.`));
  for (const r of [out, inc]) {
    if (r.status === 'rejected') put(body, errorBox(r.reason));
  }
}
