// SPARQL console: an editor with the project's prefixes, examples (built-in and
// from GET /queries), results as a sortable table, errors shown under the editor.
import { getJSON, sparql } from './api.js';
import { h, clear, errorBox, field, put } from './dom.js';
import { GRAPHS, prefixBlock, route } from './rdf.js';
import { resultsView } from './table.js';

const PREFIXES = prefixBlock();

export const EXAMPLES = [
  {
    title: 'Datasets and their titles',
    query: `SELECT ?dataset ?title ?publisher
WHERE {
  GRAPH ?credential {
    ?dataset a cust:Dataset .
    OPTIONAL { ?dataset dcterms:title ?title }
    OPTIONAL { ?dataset prov:wasAttributedTo ?publisher }
  }
}
ORDER BY ?title
LIMIT 100`,
  },
  {
    title: 'Credentials by type',
    query: `SELECT ?type (COUNT(DISTINCT ?credential) AS ?credentials)
WHERE {
  ?credential a cred:VerifiableCredential , ?type .
  FILTER (?type != cred:VerifiableCredential)
}
GROUP BY ?type
ORDER BY DESC(?credentials)`,
  },
  {
    title: 'Executions: what they used and generated',
    query: `SELECT ?execution ?used ?generated
WHERE {
  GRAPH ?credential {
    ?execution a prov:Activity .
    OPTIONAL { ?execution prov:used ?used }
    OPTIONAL { ?execution prov:generated ?generated }
  }
}
LIMIT 200`,
  },
  {
    title: 'Current status of every execution',
    query: `SELECT ?execution ?status
WHERE { GRAPH <${GRAPHS.current}> { ?execution cust:status ?status } }
ORDER BY ?status ?execution`,
  },
  {
    title: 'Digital services and their categories',
    query: `SELECT ?service ?title ?category
WHERE {
  GRAPH ?credential {
    ?service a cust:DigitalService .
    OPTIONAL { ?service dcterms:title ?title }
    OPTIONAL { ?service cust:category ?category }
  }
}
ORDER BY ?category ?title`,
  },
  {
    title: 'Rejected submissions',
    query: `SELECT ?rejection ?reason ?height
WHERE {
  GRAPH <${GRAPHS.ledger}> {
    ?rejection a cust:Rejection ; cust:reason ?reason ; cust:inTransaction ?tx .
    OPTIONAL { ?tx cust:height ?height }
  }
}
ORDER BY DESC(?height)
LIMIT 100`,
  },
  {
    title: 'Named graphs and their size',
    query: `SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY DESC(?triples)
LIMIT 100`,
  },
];

export function withPrefixes(body) {
  return `${PREFIXES}\n\n${body}\n`;
}

/* Finds "line L, column C" (or "position N") in a parser message; returns a character offset. */
export function errorOffset(text, detail) {
  const m = /line\s*:?\s*(\d+)(?:\D{1,12}col(?:umn)?\s*:?\s*(\d+))?/i.exec(detail || '');
  if (m) {
    const line = Number(m[1]);
    const lines = text.split('\n');
    if (line >= 1 && line <= lines.length) {
      let col = m[2] ? Number(m[2]) : 1;
      const near = /\bat '([^']+)'/.exec(detail);
      if (!m[2] && near && lines[line - 1].includes(near[1])) col = lines[line - 1].indexOf(near[1]) + 1;
      let off = 0;
      for (let i = 0; i < line - 1; i += 1) off += lines[i].length + 1;
      return { offset: off + Math.min(Math.max(col - 1, 0), lines[line - 1].length), line, col };
    }
  }
  const p = /(?:position|offset|char(?:acter)?)\s*:?\s*(\d+)/i.exec(detail || '');
  if (p && Number(p[1]) <= text.length) {
    const offset = Number(p[1]);
    const before = text.slice(0, offset).split('\n');
    return { offset, line: before.length, col: before[before.length - 1].length + 1 };
  }
  return null;
}

export async function render(main, params, ctx) {
  const editor = h('textarea', {
    id: 'sparql-editor', class: 'editor', rows: '16', spellcheck: 'false', autocapitalize: 'off',
    autocomplete: 'off', 'aria-describedby': 'editor-hint',
  });
  editor.value = params.get('query') || sessionStorage.getItem('custodian.query') || withPrefixes(EXAMPLES[0].query);
  const examples = h('select', { id: 'examples' }, h('option', { value: '' }, 'Choose an example…'),
    h('optgroup', { label: 'Examples' }, EXAMPLES.map((e, i) => h('option', { value: `b${i}` }, e.title))));
  const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const syncGutter = () => {
    const n = editor.value.split('\n').length;
    if (gutter.dataset.n !== String(n)) {
      gutter.textContent = Array.from({ length: n }, (_, i) => i + 1).join('\n');
      gutter.dataset.n = String(n);
    }
    gutter.scrollTop = editor.scrollTop;
  };
  editor.addEventListener('input', syncGutter);
  editor.addEventListener('scroll', syncGutter);
  const runBtn = h('button', { type: 'submit', class: 'primary', id: 'run-query' }, 'Run query');
  const errorArea = h('div', { class: 'error-area', id: 'query-error' });
  const out = h('section', { class: 'results-area', 'aria-labelledby': 'results-h' });
  const canned = new Map();

  put(main, 
    h('h1', null, 'SPARQL console'),
    h('p', { class: 'lead' }, 'Ask the knowledge graph anything in SPARQL 1.1. The project\'s prefixes are preloaded; every IRI in the results opens its resource page.'),
    h('form', { class: 'sparql-form', onsubmit: (ev) => { ev.preventDefault(); run(); } },
      h('div', { class: 'toolbar' },
        field('Examples', examples),
        h('button', { type: 'button', onclick: () => { editor.value = withPrefixes(''); syncGutter(); editor.focus(); editor.setSelectionRange(editor.value.length, editor.value.length); } }, 'Clear (keep prefixes)')),
      h('label', { for: 'sparql-editor', class: 'editor-label' }, 'Query'),
      h('div', { class: 'editor-wrap' }, gutter, editor),
      h('p', { class: 'hint', id: 'editor-hint' }, 'Ctrl+Enter (⌘+Enter) runs the query. Tab leaves the editor.'),
      errorArea,
      h('div', { class: 'toolbar' }, runBtn)),
    out);

  syncGutter();
  // The prefixes fill the first lines: show the query itself.
  requestAnimationFrame(() => {
    editor.scrollTop = editor.scrollHeight;
    syncGutter();
  });
  examples.addEventListener('change', () => {
    const v = examples.value;
    if (v.startsWith('b')) editor.value = withPrefixes(EXAMPLES[Number(v.slice(1))].query);
    else if (v.startsWith('q:')) {
      const q = canned.get(v.slice(2));
      if (q && q.text) editor.value = /^\s*(PREFIX|BASE)/im.test(q.text) ? q.text : withPrefixes(q.text);
      else if (q) {
        location.hash = route(`queries/${q.name}`);
        return;
      }
    }
    clear(errorArea);
    syncGutter();
    editor.scrollTop = editor.scrollHeight;
    syncGutter();
  });
  editor.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      run();
    }
  });

  getJSON('/queries', null, ctx.signal).then((list) => {
    const items = Array.isArray(list) ? list : (list && list.queries) || [];
    if (!items.length) return;
    const group = h('optgroup', { label: 'Canned queries of the server' });
    for (const q of items) {
      const text = q.query || q.sparql || q.text || null;
      canned.set(q.name, { name: q.name, text });
      put(group, h('option', { value: `q:${q.name}` }, `${q.title || q.name}${text ? '' : ' (opens its form)'}`));
    }
    put(examples, group);
  }).catch(() => { /* the built-in examples are enough */ });

  async function run() {
    const query = editor.value;
    sessionStorage.setItem('custodian.query', query);
    history.replaceState(null, '', `${location.pathname}${location.search}${route('sparql', { query })}`);
    clear(errorArea);
    put(clear(out), h('h2', { id: 'results-h' }, 'Results'), h('p', { class: 'loading', role: 'status' }, 'Running…'));
    runBtn.disabled = true;
    editor.removeAttribute('aria-invalid');
    const t0 = performance.now();
    try {
      const res = await sparql(query, ctx.signal);
      if (ctx.signal.aborted) return;
      put(clear(out), h('h2', { id: 'results-h' }, 'Results'), resultsView(res, { name: 'query-results', elapsed: Math.round(performance.now() - t0) }));
    } catch (e) {
      if (ctx.signal.aborted || e.name === 'AbortError') return;
      clear(out);
      editor.setAttribute('aria-invalid', 'true');
      const box = errorBox(e, 'the query failed');
      const pos = errorOffset(query, e.detail);
      if (pos) {
        const lineText = query.split('\n')[pos.line - 1] || '';
        put(box, h('p', null, `At line ${pos.line}, column ${pos.col}:`),
          h('pre', { class: 'error-where' }, `${lineText}\n${' '.repeat(Math.max(0, pos.col - 1))}^`),
          h('button', { type: 'button', onclick: () => {
            editor.focus();
            editor.setSelectionRange(pos.offset, Math.min(query.length, pos.offset + 1));
            const lh = parseFloat(getComputedStyle(editor).lineHeight) || 20;
            editor.scrollTop = Math.max(0, (pos.line - 3) * lh);
            syncGutter();
          } }, 'Show in the editor'));
      }
      put(errorArea, box);
      editor.setAttribute('aria-errormessage', 'query-error');
    } finally {
      runBtn.disabled = false;
    }
  }

  if (params.get('query')) await run();
}
