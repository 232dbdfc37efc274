// Rewards: pick an execution and an amount, see the split of GET /rewards as a
// chart and a table, each payout with its role, score and resources with depths.
import { apiUrl, getJSON, sparql } from './api.js';
import { h, clear, errorBox, field, fmtInt, loading, put } from './dom.js';
import { barChart, big, percent, ROLE_COLOURS, stackedBar } from './chart.js';
import { compact, expand, GRAPHS, iriLink, localName, prefixBlock, route, shorten } from './rdf.js';

const Q_EXECUTIONS = `${prefixBlock(['cust'])}
SELECT ?execution ?status
WHERE { GRAPH <${GRAPHS.current}> { ?execution cust:status ?status } }
ORDER BY ?execution
LIMIT 1000`;

const SOURCE_TEXT = {
  caller: 'the amount given',
  funds: 'the funds sent with the order',
  policy: 'the price of the zone\'s policy',
};

/* The payee's Cosmos account, or why it has none. */
function account(p) {
  return p.account ? h('code', { class: 'account' }, p.account) : h('span', { class: 'hint' }, `no account: ${p.accountReason || 'unknown'}`);
}

const ROLE_TEXT = {
  DataProvider: 'provided a dataset that was consumed',
  ProcessingProvider: 'provided a processing service that was consumed',
  StorageProvider: 'stored a consumed dataset, or was consumed as storage',
  OrchestrationProvider: 'orchestrated the execution',
};

function roleName(r) {
  return localName(String(r || ''));
}

async function fillExecutions(select, chosen, ctx) {
  try {
    const res = await sparql(Q_EXECUTIONS, ctx.signal);
    const byStatus = new Map();
    for (const r of res.rows || []) {
      const st = localName(r.status ? r.status.value : 'unknown');
      if (!byStatus.has(st)) byStatus.set(st, []);
      byStatus.get(st).push(r.execution.value);
    }
    const order = ['Delivered', 'InExecution', 'Failed', 'Cancelled'];
    const statuses = [...byStatus.keys()].sort((a, b) => ((order.indexOf(a) + 1) || 9) - ((order.indexOf(b) + 1) || 9));
    let found = false;
    for (const st of statuses) {
      put(select, h('optgroup', { label: st }, byStatus.get(st).map((e) => {
        if (e === chosen) found = true;
        return h('option', { value: e, selected: e === chosen }, `${shorten(e)} (${st})`);
      })));
    }
    if (chosen && !found) select.prepend(h('option', { value: chosen, selected: true }, shorten(chosen)));
    if (!chosen && statuses.length) select.value = byStatus.get(statuses[0])[0];
    return (res.rows || []).length;
  } catch (e) {
    if (chosen) put(select, h('option', { value: chosen, selected: true }, shorten(chosen)));
    return -1;
  }
}

function summary(r) {
  const paid = (r.payouts || []).reduce((a, p) => a + big(p.amount), 0n);
  const tax = big(r.tax && r.tax.amount);
  const refund = big(r.refund && r.refund.amount);
  const total = big(r.total);
  const sum = paid + tax + refund;
  const ok = sum === total;
  return h('div', { class: 'card' },
    h('dl', { class: 'kv wide' },
      h('dt', null, 'Execution'), h('dd', null, iriLink(r.execution, r.execution)),
      h('dt', null, 'Status'), h('dd', null, h('span', { class: `status-chip s-${localName(r.status)}` }, localName(r.status) || '–')),
      h('dt', null, 'Total'), h('dd', null, h('strong', { id: 'reward-total' }, fmtInt(r.total)), ` ${r.denom || ''}`,
        h('span', { class: 'hint' }, r.total === null ? ' — no amount is known: give one, or a cust:price to the zone\'s policy' : ` (${SOURCE_TEXT[r.amountSource] || 'amount'})`)),
      h('dt', null, 'Policy'), h('dd', null, r.policy ? iriLink(r.policy) : '–'),
      h('dt', null, 'As of height'), h('dd', null, fmtInt(r.asOfHeight)),
      h('dt', null, 'Tax'), h('dd', null, fmtInt(r.tax ? r.tax.amount : '0'), r.tax && r.tax.recipient ? [' to ', iriLink(r.tax.recipient)] : '')),
    h('p', { class: `check ${ok ? 'good' : 'bad'}`, id: 'reward-check' },
      ok ? '✓ ' : '✗ ',
      `tax ${fmtInt(String(tax))} + payouts ${fmtInt(String(paid))}${refund ? ` + refund ${fmtInt(String(refund))}` : ''} = ${fmtInt(String(sum))}`,
      ok ? ' — the whole amount is accounted for.' : ` — differs from the total ${fmtInt(r.total)}.`));
}

function explain(p) {
  const role = roleName(p.role);
  const res = p.resources || [];
  return h('div', { class: 'explain' },
    h('p', null, `${ROLE_TEXT[role] || role}${res.length ? `: ${res.length} resource${res.length === 1 ? '' : 's'}` : ''}; score ${fmtInt(p.score)}.`),
    res.length ? h('ul', { class: 'values' }, res.map((x) => h('li', null,
      iriLink(x.resource || x.iri || x.id), ' ', h('span', { class: 'chip' }, `depth ${x.depth}`)))) : null);
}

function result(r) {
  const wrap = h('div', { class: 'rewards-result' });
  put(wrap, h('h2', null, r.eligible ? 'The split' : 'No payout: refund'), summary(r));
  if (!r.eligible || r.refund) {
    put(wrap, h('div', { class: 'card refund', role: 'status' },
      h('p', null, `This execution's status is ${localName(r.status) || 'unknown'}: only a delivered execution pays its providers. The payer gets the amount back.`),
      r.refund ? h('p', null, 'Refund of ', h('strong', null, fmtInt(r.refund.amount)), ` ${r.denom || ''} to `, iriLink(r.refund.payee)) : null));
    if (!(r.payouts || []).length) return wrap;
  }
  const roles = (r.roles || []).map((x) => ({ key: roleName(x.role), label: roleName(x.role), amount: x.amount, weight: x.weightBps }));
  const taxAmount = r.tax ? r.tax.amount : '0';
  const level1 = big(taxAmount) > 0n ? [...roles, { key: 'Tax', label: 'Tax', amount: taxAmount }] : roles;
  put(wrap, h('section', { class: 'card' },
    h('h3', null, 'By role'),
    stackedBar(level1, r.total, `Split among roles: ${level1.map((x) => `${x.label} ${x.amount}`).join(', ')}`),
    barChart(level1.map((x) => ({ ...x, label: h('span', null, h('span', { class: 'swatch', style: `background:${ROLE_COLOURS[x.key] || '#0b5cad'}`, 'aria-hidden': 'true' }), x.label, x.weight !== undefined ? h('span', { class: 'hint' }, ` ${x.weight / 100}%`) : '') })), { label: 'Amount per role', total: r.total })));
  const payouts = [...(r.payouts || [])].sort((a, b) => (big(b.amount) > big(a.amount) ? 1 : big(b.amount) < big(a.amount) ? -1 : 0));
  put(wrap, h('section', { class: 'card' },
    h('h3', null, 'By payee'),
    barChart(payouts.map((p) => ({ key: roleName(p.role), amount: p.amount, label: h('span', null, h('span', { class: 'swatch', style: `background:${ROLE_COLOURS[roleName(p.role)] || '#0b5cad'}`, 'aria-hidden': 'true' }), h('span', { title: p.payee }, compact(p.payee)), h('span', { class: 'hint' }, ` ${roleName(p.role)}`)) })), { label: 'Amount per payee', total: r.total })));
  const q = { execution: r.execution, amount: r.amountSource === 'caller' ? r.total : undefined, policy: r.policy || undefined };
  put(wrap, h('section', { class: 'card' },
    h('h3', { id: 'payouts-h' }, 'Payouts and why'),
    r.total !== null ? h('p', null, 'To pay: ',
      h('a', { href: apiUrl('/rewards', { ...q, format: 'csv' }), download: 'rewards.csv' }, 'account,amount,denom CSV'), ' or ',
      h('a', { href: apiUrl('/rewards', { ...q, format: 'msg' }), download: 'multisend.json' }, 'a MsgMultiSend to sign'), '.') : null,
    h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': 'payouts-h', tabindex: '0' },
      h('table', { class: 'data payouts', id: 'payouts' },
        h('thead', null, h('tr', null, ['Payee', 'Role', 'Amount', 'Share', 'Explanation'].map((x, i) => h('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : null }, x)))),
        h('tbody', null, payouts.map((p) => h('tr', null,
          h('td', { 'data-label': 'Payee' }, iriLink(p.payee), h('br'), account(p)),
          h('td', { 'data-label': 'Role' }, h('span', { class: 'swatch', style: `background:${ROLE_COLOURS[roleName(p.role)] || '#0b5cad'}`, 'aria-hidden': 'true' }), roleName(p.role)),
          h('td', { class: 'num amount', 'data-amount': p.amount, 'data-label': 'Amount' }, fmtInt(p.amount)),
          h('td', { class: 'num', 'data-label': 'Share' }, `${percent(p.amount, r.total)}%`),
          h('td', { 'data-label': 'Why' }, explain(p))))),
        h('tfoot', null, h('tr', null, h('th', { scope: 'row', colspan: '2' }, 'Total paid'),
          h('td', { class: 'num' }, fmtInt(String(payouts.reduce((a, p) => a + big(p.amount), 0n)))), h('td'), h('td')))))));
  return wrap;
}

export async function render(main, params, ctx) {
  const chosen = params.get('execution') ? expand(params.get('execution')) : '';
  const select = h('select', { name: 'execution', required: true });
  const amount = h('input', { name: 'amount', type: 'text', inputmode: 'numeric', pattern: '[0-9]+', value: params.get('amount') || '', placeholder: 'the order\'s funds, else the zone\'s price', autocomplete: 'off' });
  const other = h('input', { name: 'other', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'or paste an execution IRI' });
  const out = h('section', { class: 'rewards-area', 'aria-live': 'polite' });
  const form = h('form', { class: 'card inline-form rewards-form', onsubmit: (ev) => {
    ev.preventDefault();
    const ex = other.value.trim() ? expand(other.value) : select.value;
    if (!ex) return;
    const amt = amount.value.trim();
    if (amt && !/^\d+$/.test(amt)) {
      amount.setAttribute('aria-invalid', 'true');
      put(clear(out), errorBox({ error: `the amount "${amt}" is not a whole number`, detail: 'give the amount in the smallest unit (uaxone, uknow), digits only' }));
      amount.focus();
      return;
    }
    amount.removeAttribute('aria-invalid');
    location.hash = route('rewards', { execution: ex, amount: amt });
  } },
  field('Execution', select), field('Other execution', other), field('Amount (optional)', amount, 'In the smallest unit (uaxone, uknow). Empty: the funds sent with the order (okp4-dataverse v4–v5), else the price of the zone\'s policy.'),
  h('button', { type: 'submit', class: 'primary' }, 'Split'));
  put(main, h('h1', null, 'Rewards'),
    h('p', { class: 'lead' }, 'How a payment for an execution is shared among the data, processing, storage and orchestration providers of its custody chain, to the unit.'),
    form, out);
  const n = await fillExecutions(select, chosen, ctx);
  if (ctx.signal.aborted) return;
  if (n === 0 && !chosen) {
    put(out, h('p', { class: 'empty' }, 'No execution is indexed yet.'));
    return;
  }
  if (n < 0 && !chosen) put(select, h('option', { value: '' }, 'executions could not be listed: paste an IRI'));
  if (!chosen) return;
  put(clear(out), loading('Walking the custody chain and splitting…'));
  try {
    const r = await getJSON('/rewards', { execution: chosen, amount: params.get('amount') || undefined, policy: params.get('policy') || undefined }, ctx.signal);
    if (ctx.signal.aborted) return;
    ctx.setTitle(`Rewards of ${shorten(chosen)}`);
    put(clear(out), result(r));
  } catch (e) {
    if (ctx.signal.aborted) return;
    put(clear(out), errorBox(e, 'the split could not be computed'));
  }
}
