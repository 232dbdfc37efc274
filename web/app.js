// The dashboard's shell: hash routes to views, the API address setting, focus
// and title on navigation. Each view is a module with render(main, params, ctx).
import { apiBase, apiSource, pageBase, saveApiBase } from './api.js';
import { h, clear, errorBox, put } from './dom.js';

const VIEWS = {
  status: { title: 'Status', load: () => import('./view-status.js') },
  sparql: { title: 'SPARQL console', load: () => import('./view-sparql.js') },
  queries: { title: 'Canned queries', load: () => import('./view-queries.js') },
  resource: { title: 'Resource', load: () => import('./view-resource.js') },
  custody: { title: 'Custody explorer', load: () => import('./view-custody.js') },
  rewards: { title: 'Rewards', load: () => import('./view-rewards.js') },
};

let current = null; // { controller, cleanup }
let lastPath = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const segs = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: segs[0] || 'status', rest: segs.slice(1), params };
}

function markNav(name) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function navigate() {
  const { name, rest, params } = parseHash();
  const main = document.getElementById('main');
  if (current) {
    current.controller.abort();
    if (current.cleanup) current.cleanup();
    current = null;
  }
  const view = VIEWS[name];
  markNav(view ? name : null);
  const controller = new AbortController();
  current = { controller, cleanup: null };
  clear(main);
  if (!view) {
    document.title = 'Not found · Custodian';
    put(main, h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', null, 'There is no view named ', h('code', null, name), '. ', h('a', { href: '#/status' }, 'Go to the status page'), '.'));
    return;
  }
  document.title = `${view.title} · Custodian`;
  const pathKey = `${name}/${rest.join('/')}`;
  const moved = lastPath !== null && lastPath !== pathKey;
  lastPath = pathKey;
  try {
    const mod = await view.load();
    if (controller.signal.aborted) return;
    const ctx = {
      signal: controller.signal,
      rest,
      setTitle: (t) => { document.title = `${t} · Custodian`; },
    };
    current.cleanup = (await mod.render(main, params, ctx)) || null;
  } catch (e) {
    if (controller.signal.aborted || (e && e.name === 'AbortError')) return;
    put(main, errorBox(e, `the ${view.title} view failed`));
  }
  if (moved && !controller.signal.aborted) {
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
  }
}

function showApi() {
  const base = apiBase();
  const where = base || location.origin + pageBase();
  document.getElementById('api-footer').textContent = `${where} (${apiSource()})`;
  document.getElementById('endpoint-url').textContent = `${where}/sparql`;
  document.getElementById('api-current').textContent = `Now using ${where} (from the ${apiSource()}).`;
  document.getElementById('api-base').value = base && apiSource() === 'settings' ? base : (new URLSearchParams(location.search).get('api') || '');
}

function setupSettings() {
  const form = document.getElementById('settings-form');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveApiBase(document.getElementById('api-base').value);
    showApi();
    navigate();
  });
  document.getElementById('api-reset').addEventListener('click', () => {
    document.getElementById('api-base').value = '';
    saveApiBase('');
    showApi();
    navigate();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      const d = document.getElementById('settings');
      if (d.open) {
        d.open = false;
        d.querySelector('summary').focus();
      }
    }
  });
}

showApi();
setupSettings();
window.addEventListener('hashchange', navigate);
if (!location.hash) history.replaceState(null, '', `${location.pathname}${location.search}#/status`);
navigate();
