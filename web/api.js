// The HTTP API of the Custodian server: where it is (same origin, ?api=, or the
// saved setting) and how its answers and errors are read.

const KEY = 'custodian.apiBase';

function strip(url) {
  return (url || '').trim().replace(/\/+$/, '');
}

/* The API base: ?api=URL in the page address wins, then the saved setting, then the page's own origin. */
export function apiBase() {
  const fromUrl = new URLSearchParams(location.search).get('api');
  if (fromUrl) return strip(fromUrl);
  try {
    return strip(localStorage.getItem(KEY));
  } catch {
    return '';
  }
}

/* The page's own folder ("" at the root, "/custodian" under a proxy's
 * prefix): same-origin calls go below it, so the dashboard works under
 * https://host/custodian/ as well as at the root. */
export function pageBase() {
  return strip(new URL('.', location.href).pathname);
}

export function apiSource() {
  if (new URLSearchParams(location.search).get('api')) return 'page address (?api=)';
  try {
    if (localStorage.getItem(KEY)) return 'settings';
  } catch {
    /* storage may be disabled */
  }
  return 'same origin';
}

export function saveApiBase(url) {
  try {
    if (strip(url)) localStorage.setItem(KEY, strip(url));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage may be disabled: the ?api= parameter still works */
  }
  const params = new URLSearchParams(location.search);
  if (params.has('api')) {
    params.delete('api');
    const q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? `?${q}` : '') + location.hash);
  }
}

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(error);
    this.status = status;
    this.error = error;
    this.detail = detail || '';
  }
}

export function apiUrl(path, params) {
  let url = (apiBase() || pageBase()) + path;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
    }
    const qs = q.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

async function readError(res) {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text);
    if (j && (j.error || j.detail)) return new ApiError(res.status, j.error || res.statusText, j.detail);
  } catch {
    /* not JSON: fall through */
  }
  return new ApiError(res.status, `the server answered ${res.status} ${res.statusText}`.trim(),
    text.slice(0, 2000));
}

async function send(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    const where = apiBase() || location.origin + pageBase();
    throw new ApiError(0, `cannot reach the server at "${where}"`,
      'check that custodian is running and that the API address in Settings is right');
  }
  if (!res.ok) throw await readError(res);
  return res;
}

export async function getJSON(path, params, signal) {
  const res = await send(apiUrl(path, params), { headers: { Accept: 'application/json' }, signal });
  return res.json();
}

/* Reads a SPARQL answer of any kind: {kind:'select', vars, rows} | {kind:'ask', value} | {kind:'text', text, type}. */
export async function readResults(res) {
  const type = (res.headers.get('Content-Type') || '').split(';')[0].trim();
  const text = await res.text();
  if (type.includes('json') || /^\s*\{/.test(text)) {
    const json = JSON.parse(text);
    if (typeof json.boolean === 'boolean') return { kind: 'ask', value: json.boolean, raw: text };
    const vars = (json.head && json.head.vars) || [];
    const rows = (json.results && json.results.bindings) || [];
    return { kind: 'select', vars, rows, raw: text };
  }
  return { kind: 'text', text, type, raw: text };
}

const ACCEPT = 'application/sparql-results+json, text/turtle;q=0.8, */*;q=0.1';

export async function sparql(query, signal) {
  const url = apiUrl('/sparql', { query });
  let res;
  if (url.length < 6000) {
    res = await send(url, { headers: { Accept: ACCEPT }, signal });
  } else {
    res = await send(apiUrl('/sparql'), {
      method: 'POST',
      headers: { Accept: ACCEPT, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query }).toString(),
      signal,
    });
  }
  return readResults(res);
}

export async function cannedQuery(name, params, signal) {
  const res = await send(apiUrl(`/queries/${encodeURIComponent(name)}`, params),
    { headers: { Accept: ACCEPT }, signal });
  return readResults(res);
}
