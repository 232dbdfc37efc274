// SPARQL results as a sortable table (IRIs shortened and linked), with CSV and
// JSON downloads; ASK and graph answers get their own simple renderings.
import { h, clear, download, newId, put } from './dom.js';
import { renderTerm, termLabel, termNumber, termText } from './rdf.js';

const PAGE = 500;

function csvCell(v) {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(vars, rows) {
  const lines = [vars.map(csvCell).join(',')];
  for (const r of rows) lines.push(vars.map((v) => csvCell(termText(r[v]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function compare(a, b) {
  const na = termNumber(a);
  const nb = termNumber(b);
  if (na !== null && nb !== null) return na - nb;
  if (!a && !b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  return termLabel(a).localeCompare(termLabel(b), undefined, { numeric: true });
}

/* Renders a result of api.readResults into a fresh element. name is used for downloads. */
export function resultsView(result, opts = {}) {
  const name = opts.name || 'results';
  const wrap = h('div', { class: 'results' });
  if (result.kind === 'ask') {
    put(wrap, h('p', { class: 'ask', role: 'status' }, 'Answer: ', h('strong', null, result.value ? 'yes (true)' : 'no (false)')));
    return wrap;
  }
  if (result.kind === 'text') {
    put(wrap, 
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', onclick: () => download(`${name}.ttl`, result.type || 'text/plain', result.text) }, 'Download')),
      h('pre', { class: 'graph-text', tabindex: '0' }, result.text));
    return wrap;
  }
  const { vars } = result;
  let rows = result.rows.slice();
  let sortVar = null;
  let sortDir = 1;
  let shown = PAGE;
  const countId = newId('count');
  const summary = h('p', { class: 'count', id: countId, role: 'status' });
  const tools = h('div', { class: 'toolbar' },
    summary,
    h('span', { class: 'spacer' }),
    h('button', { type: 'button', onclick: () => download(`${name}.csv`, 'text/csv', toCsv(vars, result.rows)) }, 'Download CSV'),
    h('button', { type: 'button', onclick: () => download(`${name}.json`, 'application/sparql-results+json', result.raw || JSON.stringify({ head: { vars }, results: { bindings: result.rows } })) }, 'Download JSON'));
  const table = h('table', { class: 'data', 'aria-describedby': countId });
  const scroller = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': opts.label || 'Query results' }, table);
  const more = h('div', { class: 'more' });
  put(wrap, tools, scroller, more);

  function draw() {
    clear(table);
    const headRow = h('tr');
    for (const v of vars) {
      const active = sortVar === v;
      const btn = h('button', {
        type: 'button',
        class: 'sort',
        onclick: () => {
          if (sortVar === v) sortDir = -sortDir;
          else {
            sortVar = v;
            sortDir = 1;
          }
          rows = result.rows.slice().sort((a, b) => sortDir * compare(a[v], b[v]));
          draw();
          table.querySelector(`th[data-var="${CSS.escape(v)}"] button`).focus();
        },
      }, v, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (sortDir > 0 ? ' ▲' : ' ▼') : ' ⇅'));
      put(headRow, h('th', { scope: 'col', 'data-var': v, 'aria-sort': active ? (sortDir > 0 ? 'ascending' : 'descending') : 'none' }, btn));
    }
    const body = h('tbody');
    for (const r of rows.slice(0, shown)) {
      put(body, h('tr', null, vars.map((v) => h('td', null, renderTerm(r[v])))));
    }
    put(table, h('caption', { class: 'visually-hidden' }, opts.label || 'Query results', sortVar ? `, sorted by ${sortVar} ${sortDir > 0 ? 'ascending' : 'descending'}` : ''), h('thead', null, headRow), body);
    const n = result.rows.length;
    summary.textContent = n === 0 ? 'No rows.' : `${n} row${n === 1 ? '' : 's'}${n > shown ? `, showing the first ${shown}` : ''}${opts.elapsed !== undefined ? ` in ${opts.elapsed} ms` : ''}.`;
    clear(more);
    if (n > shown) {
      put(more, h('button', { type: 'button', onclick: () => { shown += PAGE * 4; draw(); } }, 'Show more rows'));
    }
  }
  draw();
  return wrap;
}
