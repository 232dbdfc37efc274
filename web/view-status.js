// Status: the indexer against the chain (GET /status) and what the graph holds
// (SPARQL counts), refreshed every few seconds while the page is visible.
import { getJSON, sparql } from './api.js';
import { h, clear, errorBox, fmtInt, put } from './dom.js';
import { GRAPHS, iriLink, localName, prefixBlock, route, shorten } from './rdf.js';

const PERIOD_MS = 5000;

/* The first field present among several spellings (snake_case, camelCase, nested). */
function pick(obj, ...names) {
  for (const n of names) {
    const path = n.split('.');
    let v = obj;
    for (const p of path) v = v && typeof v === 'object' ? v[p] : undefined;
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

function num(v) {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export const Q_CREDENTIALS = `${prefixBlock(['cred'])}
SELECT ?type (COUNT(DISTINCT ?credential) AS ?credentials)
WHERE {
  ?credential a cred:VerifiableCredential , ?type .
  FILTER (?type != cred:VerifiableCredential)
}
GROUP BY ?type
ORDER BY DESC(?credentials)`;

export const Q_EXECUTIONS = `${prefixBlock(['cust'])}
SELECT ?status (COUNT(?execution) AS ?executions)
WHERE { GRAPH <${GRAPHS.current}> { ?execution cust:status ?status } }
GROUP BY ?status
ORDER BY DESC(?executions)`;

export const Q_REJECTIONS = `${prefixBlock(['cust'])}
SELECT ?reason (COUNT(?rejection) AS ?rejections)
WHERE { GRAPH <${GRAPHS.ledger}> { ?rejection a cust:Rejection ; cust:reason ?reason } }
GROUP BY ?reason
ORDER BY DESC(?rejections)`;

function card(label, value, extra, small) {
  return h('div', { class: 'card stat' },
    h('dt', null, label),
    h('dd', null, h('span', { class: `stat-value${small ? ' small' : ''}` }, value), extra ? h('span', { class: 'stat-extra' }, extra) : null));
}

function countTable(caption, headers, rows, makeLabel) {
  const total = rows.reduce((a, r) => a + r.n, 0) || 1;
  return h('table', { class: 'data counts' },
    h('caption', null, caption),
    h('thead', null, h('tr', null, headers.map((x, i) => h('th', { scope: 'col', class: i ? 'num' : null }, x)))),
    h('tbody', null, rows.length === 0
      ? h('tr', null, h('td', { colspan: headers.length }, 'None yet.'))
      : rows.map((r) => h('tr', null,
        h('td', null, makeLabel(r)),
        h('td', { class: 'num' },
          h('span', { class: 'bar', style: `--w:${Math.max(2, Math.round((100 * r.n) / total))}%`, 'aria-hidden': 'true' }),
          fmtInt(r.n))))));
}

function rowsOf(res, keyVar, nVar) {
  if (res.kind !== 'select') return [];
  return res.rows.map((r) => ({ key: r[keyVar] && r[keyVar].value, term: r[keyVar], n: Number(r[nVar] && r[nVar].value) || 0 }));
}

export async function render(main, params, ctx) {
  const auto = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const updated = h('span', { class: 'updated' });
  const statsBox = h('div', { class: 'stats-area' });
  const countsBox = h('div', { class: 'counts-area' });
  put(main, 
    h('div', { class: 'view-head' },
      h('h1', null, 'Status'),
      h('div', { class: 'toolbar' },
        h('label', { class: 'check' }, auto, ' Refresh automatically'),
        h('button', { type: 'button', id: 'refresh-now', onclick: () => tick(true) }, 'Refresh now'),
        updated)),
    statsBox,
    h('h2', null, 'What the graph holds'),
    countsBox);

  let timer = null;
  let last = null; // { at, indexed } for a speed estimate when the server gives none
  let busy = false;

  async function loadStatus() {
    const st = await getJSON('/status', null, ctx.signal);
    const chain = pick(st, 'chain_id', 'chainId', 'chain', 'chain.id');
    const head = num(pick(st, 'head_height', 'headHeight', 'head', 'chain.head'));
    const indexed = num(pick(st, 'indexed_height', 'indexedHeight', 'indexed', 'height'));
    let lag = num(pick(st, 'lag', 'lag_blocks'));
    if (lag === undefined && head !== undefined && indexed !== undefined) lag = Math.max(0, head - indexed);
    let speed = num(pick(st, 'blocks_per_s', 'blocks_per_second', 'blocksPerSecond', 'blocks_per_sec', 'speed', 'rate'));
    const now = Date.now();
    if (speed === undefined && last && indexed !== undefined && now > last.at) {
      speed = ((indexed - last.indexed) * 1000) / (now - last.at);
    }
    if (indexed !== undefined) last = { at: now, indexed };
    const triples = pick(st, 'triples', 'triple_count');
    const creds = pick(st, 'credentials', 'credential_count');
    const rejections = pick(st, 'rejections', 'rejection_count');
    const nodes = pick(st, 'nodes', 'node_endpoints', 'endpoints') || [];
    const pct = head ? Math.min(100, Math.floor((100 * (indexed || 0)) / head)) : 0;
    const credTotal = creds && typeof creds === 'object'
      ? Object.values(creds).reduce((a, b) => a + (Number(b) || 0), 0) : creds;
    put(clear(statsBox), 
      h('dl', { class: 'cards' },
        card('Chain', chain || '–', pick(st, 'dialect') ? `dialect ${pick(st, 'dialect')}` : null, true),
        card('Indexed height', fmtInt(indexed), head !== undefined ? `of ${fmtInt(head)} (head)` : null),
        card('Lag', lag === undefined ? '–' : `${fmtInt(lag)} block${lag === 1 ? '' : 's'}`,
          lag === undefined ? null : (lag <= 3 ? 'in step with the chain' : 'catching up')),
        card('Speed', speed === undefined ? '–' : `${speed.toFixed(speed < 10 ? 1 : 0)} blocks/s`,
          lag === 0 ? 'waiting for the next block' : pick(st, 'triples_per_s') !== undefined ? `${Math.round(num(pick(st, 'triples_per_s')))} triples/s` : null),
        card('Triples', fmtInt(triples)),
        card('Credentials', fmtInt(credTotal)),
        card('Rejections', fmtInt(typeof rejections === 'object' && rejections ? Object.keys(rejections).length : rejections),
          pick(st, 'failed_submissions') !== undefined ? `and ${fmtInt(pick(st, 'failed_submissions'))} failed transactions` : null)),
      pick(st, 'healthy') === false ? h('p', { class: 'error', role: 'alert' }, h('strong', null, 'Unhealthy: '), pick(st, 'unhealthy_reason') || pick(st, 'last_error') || 'see /health') : null,
      head ? h('div', { class: 'progress-line' },
        h('label', { for: 'sync-progress' }, `Indexed ${pct}% of the chain`),
        h('progress', { id: 'sync-progress', max: String(head), value: String(indexed || 0) })) : null,
      Array.isArray(nodes) && nodes.length ? h('div', { class: 'nodes' },
        h('h2', null, 'Chain nodes'),
        h('ul', { class: 'node-list' }, nodes.map((n) => {
          const url = typeof n === 'string' ? n : pick(n, 'url', 'endpoint', 'node');
          const ok = typeof n === 'string' ? undefined : pick(n, 'healthy', 'ok', 'up');
          const state = typeof n === 'string' ? '' : (pick(n, 'health', 'state', 'status') || (ok === undefined ? '' : ok ? 'healthy' : 'failing'));
          const good = ok === true || /^(ok|healthy|up)$/i.test(String(state));
          return h('li', null, h('span', { class: `dot ${good ? 'good' : state ? 'bad' : ''}`, 'aria-hidden': 'true' }), h('code', null, url || '?'), state ? ` — ${state}` : '');
        }))) : null);
    return { creds, st };
  }

  // Credentials by the ontology profile that read them, and the types no
  // profile knows (a new ontology version shows up here first).
  function profileCard(st) {
    const byProfile = pick(st, 'credentials_by_profile');
    if (!byProfile || typeof byProfile !== 'object') return null;
    const rows = Object.entries(byProfile).map(([k, v]) => ({ key: k, n: Number(v) || 0 }));
    const unknown = Number(pick(st, 'credentials_unknown')) || 0;
    if (unknown) rows.push({ key: 'no profile', n: unknown });
    const types = pick(st, 'unknown_types') || [];
    return h('section', { class: 'card' },
      countTable('Credentials by ontology profile', ['Profile', 'Credentials'], rows, (r) => r.key),
      types.length ? h('p', { class: 'error', role: 'status' }, 'Types no profile knows: ',
        types.map((t, i) => [i ? ', ' : '', h('code', null, t.type), ` (${fmtInt(Number(t.credentials) || 0)})`])) : null);
  }

  async function loadCounts(credsFromStatus, st) {
    const parts = await Promise.allSettled([sparql(Q_CREDENTIALS, ctx.signal), sparql(Q_EXECUTIONS, ctx.signal), sparql(Q_REJECTIONS, ctx.signal)]);
    if (ctx.signal.aborted) return;
    const [cr, ex, rj] = parts;
    const box = h('div', { class: 'count-grid' });
    if (cr.status === 'fulfilled') {
      const rows = rowsOf(cr.value, 'type', 'credentials');
      put(box, h('section', { class: 'card' },
        countTable('Credentials by type', ['Type', 'Credentials'], rows, (r) => iriLink(r.key, localName(r.key).replace(/Credential$/, ''))),
        h('p', null, h('a', { href: route('sparql', { query: Q_CREDENTIALS }) }, 'Open this count in the SPARQL console'))));
    } else if (credsFromStatus && typeof credsFromStatus === 'object') {
      const rows = Object.entries(credsFromStatus).map(([k, v]) => ({ key: k, n: Number(v) || 0 }));
      put(box, h('section', { class: 'card' }, countTable('Credentials by type', ['Type', 'Credentials'], rows, (r) => shorten(r.key))));
    } else {
      put(box, h('section', { class: 'card' }, h('h3', null, 'Credentials by type'), errorBox(cr.reason)));
    }
    const pc = st ? profileCard(st) : null;
    if (pc) put(box, pc);
    if (ex.status === 'fulfilled') {
      const rows = rowsOf(ex.value, 'status', 'executions');
      put(box, h('section', { class: 'card' },
        countTable('Executions by current status', ['Status', 'Executions'], rows, (r) => h('span', { class: `status-chip s-${localName(r.key)}` }, localName(r.key))),
        h('p', null, h('a', { href: '#/rewards' }, 'See how a delivered execution pays its providers'))));
    } else {
      put(box, h('section', { class: 'card' }, h('h3', null, 'Executions by current status'), errorBox(ex.reason)));
    }
    if (rj.status === 'fulfilled') {
      const rows = rowsOf(rj.value, 'reason', 'rejections');
      put(box, h('section', { class: 'card' }, countTable('Rejected submissions by reason', ['Reason', 'Rejections'], rows, (r) => r.key)));
    } else {
      put(box, h('section', { class: 'card' }, h('h3', null, 'Rejected submissions by reason'), errorBox(rj.reason)));
    }
    put(clear(countsBox), box);
  }

  async function tick(manual) {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    try {
      let creds;
      let st;
      try {
        ({ creds, st } = await loadStatus());
      } catch (e) {
        if (ctx.signal.aborted) return;
        put(clear(statsBox), errorBox(e, 'the status could not be read'));
      }
      await loadCounts(creds, st);
      if (ctx.signal.aborted) return;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}${manual ? '' : ''}.`;
    } catch (e) {
      if (ctx.signal.aborted || e.name === 'AbortError') return;
      put(clear(countsBox), errorBox(e));
    } finally {
      busy = false;
      if (!ctx.signal.aborted && auto.checked) timer = setTimeout(() => { if (!document.hidden) tick(false); else schedule(); }, PERIOD_MS);
    }
  }
  function schedule() {
    clearTimeout(timer);
    if (auto.checked && !ctx.signal.aborted) timer = setTimeout(() => (document.hidden ? schedule() : tick(false)), PERIOD_MS);
  }
  auto.addEventListener('change', () => (auto.checked ? tick(false) : clearTimeout(timer)));
  put(statsBox, h('p', { class: 'loading' }, 'Reading the status…'));
  put(countsBox, h('p', { class: 'loading' }, 'Counting…'));
  await tick(false);
  return () => clearTimeout(timer);
}
