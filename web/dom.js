// Small DOM helpers shared by the views: element building without innerHTML,
// so that nothing the server returns is ever parsed as markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      // through the CSSOM: the server's Content-Security-Policy refuses style attributes
      else if (k === 'style') el.style.cssText = String(v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/* A labelled form field: label above the control, optional hint tied by aria-describedby. */
export function field(label, control, hint) {
  if (!control.id) control.id = newId('f');
  const parts = [h('label', { for: control.id }, label)];
  if (hint) {
    const hid = newId('hint');
    control.setAttribute('aria-describedby', hid);
    parts.push(control, h('span', { class: 'hint', id: hid }, hint));
  } else {
    parts.push(control);
  }
  return h('div', { class: 'field' }, parts);
}

/* The place where an error of the server (JSON {"error","detail"}) is shown. */
export function errorBox(err, context) {
  const title = err && err.error ? err.error : String((err && err.message) || err);
  const box = h('div', { class: 'error', role: 'alert' },
    h('p', { class: 'error-title' }, context ? `${context}: ` : '', h('strong', null, title)));
  if (err && err.detail) box.append(h('pre', { class: 'error-detail' }, err.detail));
  if (err && err.status) box.append(h('p', { class: 'error-status' }, `HTTP ${err.status}`));
  return box;
}

export function loading(text) {
  return h('p', { class: 'loading', role: 'status' }, text || 'Loading…');
}

export function download(filename, mime, text) {
  const blob = new Blob([text], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function fmtInt(n) {
  if (n === undefined || n === null || n === '') return '–';
  const str = String(n);
  if (!/^-?\d+$/.test(str)) return str;
  return str.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/* Appends children to el, skipping null/undefined/false and flattening arrays. */
export function put(el, ...children) {
  return append(el, children);
}
