// Bar charts in plain HTML and CSS (they reflow on a phone, unlike a scaled SVG):
// amounts are decimal strings compared as BigInt, never as floats.
import { h, fmtInt } from './dom.js';

export const ROLE_COLOURS = {
  DataProvider: '#0b5cad',
  ProcessingProvider: '#6639ba',
  StorageProvider: '#8a5a00',
  OrchestrationProvider: '#116329',
  Tax: '#57606a',
  Refund: '#b42318',
};

export function big(v) {
  try {
    return BigInt(String(v ?? '0').trim() || '0');
  } catch {
    return 0n;
  }
}

/* Share of part in whole as a percentage with two decimals, computed in integers. */
export function percent(part, whole) {
  const w = big(whole);
  if (w === 0n) return '0.00';
  const bp = (big(part) * 1000000n) / w; // hundredths of a basis point
  const whole100 = bp / 10000n;
  const frac = (bp % 10000n) / 100n;
  return `${whole100}.${String(frac).padStart(2, '0')}`;
}

/* items: [{label (node or text), key (role for colour), amount (string)}]; max: the largest amount. */
export function barChart(items, opts = {}) {
  const max = items.reduce((m, x) => (big(x.amount) > m ? big(x.amount) : m), 0n);
  return h('ul', { class: 'bars', 'aria-label': opts.label || 'Chart' }, items.map((x) => {
    const pct = max === 0n ? 0 : Number((big(x.amount) * 10000n) / max) / 100;
    return h('li', { class: 'bar-row' },
      h('span', { class: 'bar-label' }, x.label),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' },
        h('span', { class: 'bar-fill', style: `width:${Math.max(pct, big(x.amount) > 0n ? 0.8 : 0)}%;background:${ROLE_COLOURS[x.key] || '#0b5cad'}` })),
      h('span', { class: 'bar-value' }, fmtInt(x.amount), opts.total ? h('span', { class: 'hint' }, ` (${percent(x.amount, opts.total)}%)`) : null));
  }));
}

/* One bar split in segments, for the level-1 split among roles. */
export function stackedBar(items, total, label) {
  const t = big(total);
  return h('div', { class: 'stack', role: 'img', 'aria-label': label },
    items.filter((x) => big(x.amount) > 0n).map((x) => h('span', {
      class: 'stack-seg',
      style: `flex-grow:${t === 0n ? 0 : Number((big(x.amount) * 100000n) / t)};background:${ROLE_COLOURS[x.key] || '#0b5cad'}`,
      title: `${x.key}: ${x.amount}`,
    })));
}
