// Canned queries: a gallery of GET /queries, and for each a form for its
// parameters that runs GET /queries/NAME?param=value and shows the rows.
import { cannedQuery, getJSON, sparql } from './api.js';
import { h, clear, errorBox, field, loading, newId, put } from './dom.js';
import { GRAPHS, expand, localName, prefixBlock, route } from './rdf.js';
import { resultsView } from './table.js';

/* Parameters as [{name, label, description, type, required, default, example}] whatever the server's spelling. */
export function normaliseParams(p) {
  if (!p) return [];
  const list = Array.isArray(p) ? p : Object.entries(p).map(([name, v]) => (typeof v === 'object' && v ? { name, ...v } : { name, description: String(v) }));
  return list.map((x) => (typeof x === 'string' ? { name: x } : x)).map((x) => ({
    name: x.name,
    label: x.label || x.title || (x.name ? x.name.charAt(0).toUpperCase() + x.name.slice(1) : ''),
    description: x.description || x.comment || '',
    type: x.type || x.datatype || '',
    required: x.required !== undefined ? !!x.required : x.optional !== undefined ? !x.optional : x.default === undefined,
    default: x.default !== undefined ? String(x.default) : '',
    example: x.example !== undefined ? String(x.example) : '',
  }));
}

/* Candidate values for the usual IRI parameters, so nobody has to know an IRI by heart. */
const SUGGEST = {
  execution: `SELECT DISTINCT ?v ?label WHERE { GRAPH <${GRAPHS.current}> { ?v cust:status ?label } } ORDER BY ?v LIMIT 300`,
  resource: `SELECT DISTINCT ?v ?label WHERE { { ?v a cust:Dataset OPTIONAL { ?v dcterms:title ?label } } UNION { ?v a cust:DigitalService OPTIONAL { ?v dcterms:title ?label } } UNION { ?v prov:wasGeneratedBy ?e } } ORDER BY ?label ?v LIMIT 300`,
  zone: `SELECT DISTINCT ?v ?label WHERE { ?v a cust:Zone OPTIONAL { ?v zone:hasTitle ?label } } ORDER BY ?label ?v LIMIT 300`,
  issuer: `SELECT DISTINCT ?v WHERE { ?c cred:issuer ?v } ORDER BY ?v LIMIT 300`,
};

async function suggest(input, name, signal) {
  const q = SUGGEST[name];
  if (!q) return;
  try {
    const res = await sparql(`${prefixBlock()}\n${q}`, signal);
    if (!res.rows || !res.rows.length) return;
    const list = h('datalist', { id: newId('dl') }, res.rows.filter((r) => r.v && r.v.type === 'uri').map((r) =>
      h('option', { value: r.v.value }, r.label ? (r.label.type === 'uri' ? localName(r.label.value) : r.label.value) : '')));
    input.after(list);
    input.setAttribute('list', list.id);
    const hint = input.parentElement.querySelector('.hint');
    if (hint) hint.append(` ${res.rows.length} suggestion${res.rows.length === 1 ? '' : 's'} as you type.`);
  } catch {
    /* suggestions are a convenience */
  }
}

async function loadList(signal) {
  const list = await getJSON('/queries', null, signal);
  return Array.isArray(list) ? list : (list && list.queries) || [];
}

function isIriParam(p) {
  return /iri|uri|resource|execution|dataset|service|zone|did/i.test(`${p.type} ${p.name}`) && !/int|number|decimal|amount|limit|height/i.test(p.type);
}

function gallery(main, list) {
  put(main, h('p', { class: 'lead' }, 'Ready-made questions to the knowledge graph. Pick one, fill in its parameters if it has any, and run it.'));
  if (!list.length) {
    put(main, h('p', null, 'The server has no canned queries.'));
    return;
  }
  put(main, h('ul', { class: 'gallery' }, list.map((q) => {
    const ps = normaliseParams(q.parameters || q.params);
    return h('li', { class: 'card query-card' },
      h('h2', null, h('a', { href: route(`queries/${q.name}`) }, q.title || q.name)),
      h('p', { class: 'qname' }, h('code', null, q.name)),
      q.description ? h('p', null, q.description) : null,
      h('p', { class: 'params' }, ps.length ? `Parameters: ${ps.map((p) => p.name).join(', ')}` : 'No parameters'));
  })));
}

async function detail(main, name, params, ctx, list) {
  const q = list.find((x) => x.name === name);
  if (!q) {
    put(main, h('h1', null, 'Unknown query'), errorBox({ error: `no canned query is named "${name}"`, detail: 'pick one from the list of canned queries' }),
      h('p', null, h('a', { href: '#/queries' }, 'All canned queries')));
    return;
  }
  ctx.setTitle(q.title || q.name);
  const ps = normaliseParams(q.parameters || q.params);
  const inputs = new Map();
  const fields = ps.map((p) => {
    const input = h('input', {
      name: p.name, type: /int|number|decimal/i.test(p.type) ? 'number' : 'text', required: p.required,
      placeholder: p.example || p.default || (isIriParam(p) ? 'IRI, e.g. urn:uuid:… or did:key:…' : ''),
      autocomplete: 'off', spellcheck: 'false',
    });
    input.value = params.get(p.name) || p.default || '';
    inputs.set(p.name, input);
    if (isIriParam(p)) suggest(input, p.name, ctx.signal);
    return field(`${p.label}${p.required ? '' : ' (optional)'}`, input, `${[p.description, p.type ? `(${p.type})` : ''].filter(Boolean).join(' ')}.`);
  });
  const out = h('section', { class: 'results-area', 'aria-live': 'polite', 'aria-busy': 'false' });
  const form = h('form', { class: 'card query-form', onsubmit: (ev) => { ev.preventDefault(); run(true); } },
    fields.length ? fields : h('p', null, 'This query has no parameters.'),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'primary' }, 'Run'),
      h('a', { href: '#/queries' }, 'All canned queries')));
  put(main, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/queries' }, 'Canned queries'), ' › ', q.name),
    h('h1', null, q.title || q.name),
    q.description ? h('p', { class: 'lead' }, q.description) : null,
    form,
    q.query ? h('details', { class: 'card sparql-text' }, h('summary', null, 'The SPARQL of this query'),
      h('pre', { tabindex: '0' }, q.query),
      h('p', null, h('a', { href: route('sparql', { query: q.query }) }, 'Open it in the SPARQL console'), ' (parameters stay unbound there).')) : null,
    out);

  async function run(fromForm) {
    const values = {};
    for (const [k, input] of inputs) {
      if (input.value.trim() !== '') {
        const p = ps.find((x) => x.name === k);
        values[k] = isIriParam(p) ? expand(input.value) : input.value.trim();
      }
    }
    if (fromForm) history.replaceState(null, '', `${location.pathname}${location.search}${route(`queries/${q.name}`, { ...values, run: 1 })}`);
    out.setAttribute('aria-busy', 'true');
    put(clear(out), loading('Running…'));
    const t0 = performance.now();
    try {
      const res = await cannedQuery(q.name, values, ctx.signal);
      if (ctx.signal.aborted) return;
      put(clear(out), h('h2', null, 'Results'), resultsView(res, { name: q.name, label: `Results of ${q.title || q.name}`, elapsed: Math.round(performance.now() - t0) }));
    } catch (e) {
      if (ctx.signal.aborted || e.name === 'AbortError') return;
      put(clear(out), errorBox(e, 'the query failed'));
    } finally {
      out.setAttribute('aria-busy', 'false');
    }
  }
  const allRequired = ps.every((p) => !p.required || inputs.get(p.name).value.trim() !== '');
  if (params.get('run') || (ps.length === 0) || (ps.length && [...params.keys()].length && allRequired)) await run(false);
}

export async function render(main, params, ctx) {
  const name = ctx.rest[0];
  const wait = loading('Reading the canned queries…');
  if (!name) put(main, h('h1', null, 'Canned queries'));
  put(main, wait);
  let list;
  try {
    list = await loadList(ctx.signal);
  } catch (e) {
    if (ctx.signal.aborted) return;
    wait.replaceWith(errorBox(e, 'the list of canned queries could not be read'));
    return;
  }
  wait.remove();
  if (name) await detail(main, name, params, ctx, list);
  else gallery(main, list);
}
