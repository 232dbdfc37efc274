// End-to-end tests of the web dashboard in headless Chromium against a running
// custodian server (run by tests/integration/e2e_dashboard.sh, which sets the
// environment below). Each view is checked as a person would use it, at desktop
// and phone widths, and a screenshot of each is written.
//   CUSTODIAN_URL   the server (http://127.0.0.1:PORT)
//   E2E_BLOCKS      the height the devnet stops at
//   E2E_SCREENSHOTS where the PNGs go
//   E2E_MODULES     the directory whose node_modules holds playwright-core
//   E2E_WEB         the web/ directory (served from a second origin for CORS)
//   CHROMIUM        the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const BASE = (process.env.CUSTODIAN_URL || '').replace(/\/+$/, '');
const BLOCKS = Number(process.env.E2E_BLOCKS || 30);
const SHOTS = process.env.E2E_SCREENSHOTS;
const WEB = process.env.E2E_WEB;
const AMOUNT = '1000003';
const PROV = 'http://www.w3.org/ns/prov#';
const CURRENT = 'https://w3id.org/custodian/graph/current';
const DELIVERED = 'https://w3id.org/custodian/ns#Delivered';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

if (!BASE || !SHOTS || !process.env.E2E_MODULES) {
  console.error('run through tests/integration/e2e_dashboard.sh (CUSTODIAN_URL, E2E_SCREENSHOTS, E2E_MODULES)');
  process.exit(2);
}
const { chromium } = await import(pathToFileURL(path.join(process.env.E2E_MODULES, 'node_modules/playwright-core/index.mjs')).href);

let browser;
let staticServer;
const known = {}; // facts of the indexed devnet, read through the API

async function api(p, params) {
  const u = new URL(BASE + p);
  for (const [k, v] of Object.entries(params || {})) u.searchParams.set(k, v);
  const res = await fetch(u, { headers: { Accept: 'application/sparql-results+json, application/json' } });
  const body = await res.text();
  if (!res.ok) throw new Error(`${p} answered ${res.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

async function select(query) {
  const j = await api('/sparql', { query });
  return j.results.bindings;
}

async function waitIndexed() {
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < 45000) {
    try {
      last = await api('/status');
      if (Number(last.indexed_height) >= BLOCKS) return last;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not index ${BLOCKS} blocks in 45 s: ${JSON.stringify(last)}`);
}

/* A page that records console errors and uncaught exceptions. */
async function open(viewport) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.errors = [];
  page.allowed = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !page.allowed.some((re) => re.test(m.text()))) page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
  // Served under a prefix (BASE's path), the dashboard asks for nothing outside it.
  const prefix = new URL(`${BASE}/`).pathname;
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.origin === new URL(BASE).origin && !u.pathname.startsWith(prefix)) {
      page.errors.push(`a request outside ${prefix}: ${u.pathname}`);
    }
  });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

function noErrors(page, what) {
  assert.deepEqual(page.errors, [], `${what}: console errors`);
}

/* The page fits the screen: nothing but scrollable regions is wider than the viewport. */
async function fitsWidth(page, what) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(over <= 1, `${what}: the page is ${over}px wider than the screen`);
}

/* Every form control has a label a screen reader can read. */
async function labelled(page, what) {
  const bad = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea, header input')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(bad, [], `${what}: controls without a label`);
}

before(async () => {
  const st = await waitIndexed();
  known.chain = st.chain_id;
  // A resource at the end of a custody chain: derived from a derived from a derived resource.
  const chain = await select(`PREFIX prov: <${PROV}>
SELECT ?r ?a ?b ?c WHERE { ?r prov:wasDerivedFrom ?a . ?a prov:wasDerivedFrom ?b . ?b prov:wasDerivedFrom ?c } ORDER BY ?r ?a ?b ?c LIMIT 1`);
  assert.ok(chain.length, 'the devnet has a custody chain of depth 3 or more');
  known.chain3 = ['r', 'a', 'b', 'c'].map((v) => chain[0][v].value);
  const delivered = await select(`PREFIX cust: <https://w3id.org/custodian/ns#>
PREFIX prov: <${PROV}>
SELECT ?e WHERE { GRAPH <${CURRENT}> { ?e cust:status <${DELIVERED}> } ?e prov:used ?x . ?x prov:wasGeneratedBy ?y } ORDER BY ?e LIMIT 1`);
  assert.ok(delivered.length, 'the devnet has a delivered execution with an upstream execution');
  known.execution = delivered[0].e.value;
  known.queries = (await api('/queries')).queries;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
});

after(async () => {
  if (browser) await browser.close();
  if (staticServer) staticServer.close();
});

test('status: chain, heights, counts of credentials by type; refreshes by itself', async () => {
  const page = await open(DESKTOP);
  await page.goto(`${BASE}/`);
  await page.waitForSelector('.stat-value');
  await page.waitForSelector('caption:text("Credentials by type")');
  const cards = await page.$$eval('.card.stat', (els) => Object.fromEntries(els.map((e) => [e.querySelector('dt').textContent, e.querySelector('.stat-value').textContent])));
  assert.equal(cards.Chain, known.chain);
  assert.ok(Number(cards['Indexed height'].replace(/\D/g, '')) >= BLOCKS, `indexed height shown: ${cards['Indexed height']}`);
  const types = await page.$$eval('.count-grid section:first-child table.counts tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.ok(types.length >= 3, `several credential types are counted: ${types}`);
  await page.waitForSelector('caption:text("Credentials by ontology profile")');
  const profiles = await page.locator('table.counts', { has: page.locator('caption', { hasText: 'Credentials by ontology profile' }) })
    .locator('tbody tr').allTextContents();
  assert.ok(profiles.some((r) => r.startsWith('axone-v4')) && profiles.some((r) => r.startsWith('okp4-v3')),
    `credentials are counted by profile (the devnet's axone-v4, the OKP4 examples' okp4-v3): ${profiles}`);
  const first = await page.textContent('.updated');
  await page.waitForFunction((t) => document.querySelector('.updated').textContent !== t, first, { timeout: 15000 });
  assert.equal(await page.getAttribute('nav a[data-route="status"]', 'aria-current'), 'page');
  await labelled(page, 'status');
  noErrors(page, 'status');
  await shot(page, 'status');
  await page.context().close();
});

test('SPARQL console: prefixes preloaded, rows with shortened clickable IRIs, sorting, errors in place', async () => {
  const page = await open(DESKTOP);
  await page.goto(`${BASE}/#/sparql`);
  const editor = page.locator('#sparql-editor');
  assert.match(await editor.inputValue(), /PREFIX prov: <http:\/\/www\.w3\.org\/ns\/prov#>/);
  await editor.fill(`PREFIX prov: <${PROV}>\nPREFIX cust: <https://w3id.org/custodian/ns#>\nSELECT ?execution ?used WHERE { ?execution a cust:Execution ; prov:used ?used } ORDER BY ?execution ?used LIMIT 50`);
  await editor.press('Control+Enter');
  await page.waitForSelector('table.data tbody tr');
  const rows = await page.$$('table.data tbody tr');
  assert.ok(rows.length > 0, 'the query shows rows');
  const link = page.locator('table.data tbody a.iri').first();
  assert.match(await link.getAttribute('href'), /^#\/resource\?iri=/);
  const sortBtn = page.locator('th[data-var="used"] button');
  await sortBtn.click();
  assert.equal(await page.getAttribute('th[data-var="used"]', 'aria-sort'), 'ascending');
  await sortBtn.click();
  assert.equal(await page.getAttribute('th[data-var="used"]', 'aria-sort'), 'descending');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download CSV')]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  noErrors(page, 'SPARQL console');
  await shot(page, 'sparql');
  // A malformed query: the server's error is shown under the editor.
  page.allowed.push(/status of 400/);
  await editor.fill('SELECT ?x WHERE { ?x ?y }');
  await page.click('#run-query');
  const err = page.locator('#query-error .error');
  await err.waitFor();
  assert.ok((await err.textContent()).length > 10, 'the error says something');
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  await shot(page, 'sparql-error');
  await page.context().close();
});

test('canned queries: the gallery of /queries and a query run with its parameter', async () => {
  const page = await open(DESKTOP);
  await page.goto(`${BASE}/#/queries`);
  await page.waitForSelector('.gallery li');
  assert.equal((await page.$$('.gallery li')).length, known.queries.length);
  noErrors(page, 'gallery');
  await shot(page, 'queries');
  const lineage = known.queries.find((q) => q.name === 'lineage') || known.queries.find((q) => q.parameters.length === 1 && q.parameters[0].type === 'iri');
  assert.ok(lineage, 'a canned query takes an IRI');
  await page.click(`.gallery a[href="#/queries/${lineage.name}"]`);
  const input = page.locator(`input[name="${lineage.parameters[0].name}"]`);
  await input.fill(known.chain3[0]);
  await page.click('form.query-form button[type="submit"]');
  await page.waitForSelector('.results-area table.data tbody tr');
  assert.ok((await page.$$('.results-area table.data tbody tr')).length > 0, 'the canned query shows rows');
  noErrors(page, 'canned query');
  await shot(page, 'query-run');
  await page.context().close();
});

test('resource page: statements as subject and object, links to neighbours', async () => {
  const page = await open(DESKTOP);
  await page.goto(`${BASE}/#/resource?iri=${encodeURIComponent(known.chain3[0])}`);
  await page.waitForSelector('.resource-cols');
  const text = await page.textContent('.resource-cols');
  assert.match(text, /prov:wasDerivedFrom/);
  assert.ok(await page.locator(`.resource-cols a[href="#/resource?iri=${encodeURIComponent(known.chain3[1])}"]`).count() > 0, 'links to the resource it was derived from');
  await page.click('text=Custody upstream');
  await page.waitForSelector('svg.dag');
  noErrors(page, 'resource');
  await page.goto(`${BASE}/#/resource?iri=${encodeURIComponent(known.execution)}`);
  await page.waitForSelector('.resource-cols');
  await shot(page, 'resource');
  noErrors(page, 'resource');
  await page.context().close();
});

test('custody explorer: draws the known chain, details on click and by keyboard', async () => {
  const page = await open(DESKTOP);
  const [r] = known.chain3;
  await page.goto(`${BASE}/#/custody?resource=${encodeURIComponent(r)}&direction=up&depth=8`);
  await page.waitForSelector('svg.dag g.node');
  const dag = await api('/custody', { resource: r, direction: 'up', depth: '8' });
  const drawn = await page.$$eval('svg.dag g.node', (gs) => gs.map((g) => g.dataset.id));
  for (const iri of known.chain3) assert.ok(drawn.includes(iri), `the chain's ${iri} is drawn`);
  const expected = new Set([...(dag.resources || []), ...(dag.executions || []), ...(dag.nodes || [])].map((n) => n.iri || n.id));
  assert.equal(drawn.length, expected.size, 'every node of /custody is drawn once');
  assert.ok((await page.$$('svg.dag g.node.k-execution')).length >= 3, 'several executions upstream');
  assert.ok((await page.$$('svg.dag path.edge')).length >= drawn.length - 1, 'the nodes are connected');
  // Upstream: the root is in the last layer, what it came from before it.
  const layers = await page.$$eval('svg.dag g.node', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.id, Number(g.dataset.layer)])));
  assert.ok(layers[known.chain3[3]] < layers[known.chain3[1]] && layers[known.chain3[1]] < layers[r], 'layered by custody');
  const exec = page.locator('svg.dag g.node.k-execution').first();
  await exec.click();
  await page.waitForSelector('#node-detail h4');
  assert.match(await page.textContent('#node-detail'), /How|When|Where/);
  const node = page.locator(`svg.dag g.node[data-id="${known.chain3[1]}"]`);
  await node.focus();
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#node-detail'), new RegExp(known.chain3[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  // Arrow keys walk the drawing: towards the sources, then back.
  const vertical = (await page.getAttribute('svg.dag', 'aria-label')).includes('top to bottom');
  await page.keyboard.press(vertical ? 'ArrowUp' : 'ArrowLeft');
  const moved = await page.evaluate(() => document.activeElement.dataset.id);
  assert.ok(moved && moved !== known.chain3[1] && layers[moved] < layers[known.chain3[1]], 'an arrow key moves to the layer before');
  await labelled(page, 'custody');
  noErrors(page, 'custody');
  await shot(page, 'custody');
  await page.context().close();
});

test('rewards: the split of a delivered execution sums to the amount, with explanations', async () => {
  const page = await open(DESKTOP);
  await page.goto(`${BASE}/#/rewards`);
  await page.waitForSelector('select[name="execution"] option', { state: 'attached' });
  await page.selectOption('select[name="execution"]', known.execution);
  await page.fill('input[name="amount"]', AMOUNT);
  await page.click('form.rewards-form button[type="submit"]');
  await page.waitForSelector('#payouts tbody tr');
  const amounts = await page.$$eval('#payouts td.amount', (tds) => tds.map((td) => td.dataset.amount));
  const tax = await api('/rewards', { execution: known.execution, amount: AMOUNT }).then((j) => BigInt(j.tax.amount));
  const sum = amounts.reduce((a, x) => a + BigInt(x), 0n) + tax;
  assert.equal(sum, BigInt(AMOUNT), `payouts + tax = ${AMOUNT}`);
  assert.ok(amounts.length >= 3, 'several payees');
  assert.match(await page.getAttribute('#reward-check', 'class'), /good/);
  assert.ok((await page.$$('.bars .bar-row')).length >= amounts.length, 'a chart of the split');
  assert.match(await page.textContent('#payouts'), /depth \d/);
  await labelled(page, 'rewards');
  noErrors(page, 'rewards');
  await shot(page, 'rewards');
  await page.context().close();
});

test('phone-sized screen: every view fits the width', async () => {
  const page = await open(PHONE);
  const views = [
    ['status', '#/status', '.stat-value'],
    ['sparql', '#/sparql', '#sparql-editor'],
    ['queries', '#/queries', '.gallery li'],
    ['resource', `#/resource?iri=${encodeURIComponent(known.chain3[0])}`, '.resource-cols'],
    ['custody', `#/custody?resource=${encodeURIComponent(known.chain3[0])}`, 'svg.dag g.node'],
    ['rewards', `#/rewards?execution=${encodeURIComponent(known.execution)}&amount=${AMOUNT}`, '#payouts tbody tr'],
  ];
  for (const [name, hash, sel] of views) {
    await page.goto(`${BASE}/${hash}`);
    await page.waitForSelector(sel);
    await fitsWidth(page, name);
    if (['status', 'custody', 'rewards'].includes(name)) await shot(page, `phone-${name}`);
  }
  noErrors(page, 'phone');
  await page.context().close();
});

test('another origin: the dashboard served elsewhere reads the API through CORS (?api=)', async () => {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  staticServer = http.createServer(async (req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    const file = path.join(WEB, p === '/' ? 'index.html' : path.normalize(p));
    try {
      if (!file.startsWith(WEB)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => staticServer.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${staticServer.address().port}`;
  const page = await open(DESKTOP);
  await page.goto(`${origin}/?api=${encodeURIComponent(BASE)}#/status`);
  await page.waitForSelector('caption:text("Credentials by type")');
  assert.equal(await page.textContent('.card.stat .stat-value'), known.chain);
  assert.match(await page.textContent('#api-footer'), new RegExp(BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  noErrors(page, 'cross-origin status');
  await page.context().close();
  // Without ?api= the page asks its own origin, which has no API: the error says
  // so; the address typed in Settings is then used and kept.
  const page2 = await open(DESKTOP);
  page2.allowed.push(/status of 404/);
  await page2.goto(`${origin}/#/status`);
  await page2.waitForSelector('.stats-area .error');
  await page2.click('#settings summary');
  await page2.fill('#api-base', BASE);
  await page2.press('#api-base', 'Enter');
  await page2.waitForSelector('caption:text("Credentials by type")');
  assert.equal(await page2.textContent('.card.stat .stat-value'), known.chain);
  await page2.reload();
  await page2.waitForSelector('caption:text("Credentials by type")');
  assert.match(await page2.textContent('#api-footer'), /settings/);
  await page2.context().close();
});
