// For working on the dashboard without a built server: serves web/ and fakes
// the API with the documented shapes. Not used by the tests.
//   node tests/e2e/dev-mock-server.mjs [PORT]
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../web');
const T = {
  dsd: 'https://w3id.org/okp4/ontology/v3/schema/credential/dataset/description/',
  exec: 'https://w3id.org/okp4/ontology/v3/schema/credential/orchestration-service/execution/',
  thes: 'https://w3id.org/okp4/ontology/v3/thesaurus/',
  cust: 'https://w3id.org/custodian/ns#',
  prov: 'http://www.w3.org/ns/prov#',
};
const st = (s) => `${T.thes}digital-service-execution-status/${s}`;
const uri = (v) => ({ type: 'uri', value: v });
const lit = (v, dt) => (dt ? { type: 'literal', value: String(v), datatype: dt } : { type: 'literal', value: String(v) });
const INT = 'http://www.w3.org/2001/XMLSchema#integer';
const E = (i) => `urn:uuid:00000000-0000-4000-8000-00000000000${i}`;
const D = (i) => `did:key:z6MkDataset${i}`;
let height = 120;

function sparql(q) {
  if (/COUNT\(DISTINCT \?credential\)/.test(q)) {
    return { head: { vars: ['type', 'credentials'] }, results: { bindings: [
      ['dataset/description/DatasetDescriptionCredential', 14], ['digital-service/description/DigitalServiceDescriptionCredential', 9],
      ['orchestration-service/execution/OrchestrationServiceExecutionCredential', 22], ['orchestration-service/execution-order/OrchestrationServiceExecutionOrderCredential', 8],
      ['zone/description/ZoneDescriptionCredential', 2], ['digital-resource/publication/DigitalResourcePublicationCredential', 11]]
      .map(([t, n]) => ({ type: uri(`https://w3id.org/okp4/ontology/v3/schema/credential/${t}`), credentials: lit(n, INT) })) } };
  }
  if (/cust:status \?status \} \}\s*GROUP/.test(q)) {
    return { head: { vars: ['status', 'executions'] }, results: { bindings: [['Delivered', 5], ['Failed', 1], ['InExecution', 1], ['Cancelled', 1]].map(([s, n]) => ({ status: uri(st(s)), executions: lit(n, INT) })) } };
  }
  if (/cust:Rejection/.test(q) && /GROUP BY/.test(q)) {
    return { head: { vars: ['reason', 'rejections'] }, results: { bindings: [{ reason: lit('no credentialSubject'), rejections: lit(2, INT) }, { reason: lit('invalid base64'), rejections: lit(1, INT) }] } };
  }
  if (/\?execution \?status/.test(q) || /cust:status \?status/.test(q)) {
    return { head: { vars: ['execution', 'status'] }, results: { bindings: [1, 2, 3, 4].map((i) => ({ execution: uri(E(i)), status: uri(st(i === 4 ? 'Failed' : 'Delivered')) })) } };
  }
  if (/prov:wasDerivedFrom/.test(q)) return { head: { vars: ['resource'] }, results: { bindings: [{ resource: uri(D(9)) }] } };
  if (/SELECT \?p \?o \?g/.test(q)) {
    return { head: { vars: ['p', 'o', 'g'] }, results: { bindings: [
      { p: uri('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), o: uri(`${T.cust}Dataset`), g: uri('urn:uuid:cred-1') },
      { p: uri(`${T.dsd}hasTitle`), o: lit('Weather stations of Brittany, 2021'), g: uri('urn:uuid:cred-1') },
      { p: uri(`${T.dsd}hasTag`), o: lit('weather'), g: uri('urn:uuid:cred-1') },
      { p: uri(`${T.dsd}hasTag`), o: lit('open-data'), g: uri('urn:uuid:cred-1') },
      { p: uri(`${T.prov}wasAttributedTo`), o: uri('did:key:z6MkAlice'), g: uri('urn:uuid:cred-1') },
      { p: uri(`${T.prov}wasGeneratedBy`), o: uri(E(2)), g: uri('urn:uuid:cred-2') }] } };
  }
  if (/SELECT \?s \?p \?g/.test(q)) {
    return { head: { vars: ['s', 'p', 'g'] }, results: { bindings: [{ s: uri(E(3)), p: uri(`${T.prov}used`), g: uri('urn:uuid:cred-3') }, { s: uri(E(3)), p: uri(`${T.exec}hasConsumedResource`), g: uri('urn:uuid:cred-3') }] } };
  }
  if (/COUNT\(\*\) AS \?triples\) WHERE \{ GRAPH </.test(q)) return { head: { vars: ['triples'] }, results: { bindings: [{ triples: lit(0, INT) }] } };
  if (/SELECT DISTINCT \?resource \?title/.test(q)) {
    return { head: { vars: ['resource', 'title'] }, results: { bindings: [1, 2, 3].map((i) => ({ resource: uri(D(i)), title: lit(`Dataset number ${i}`) })) } };
  }
  if (/syntax error|SELEC /.test(q)) return null;
  return { head: { vars: ['dataset', 'title', 'publisher'] }, results: { bindings: Array.from({ length: 12 }, (_, i) => ({ dataset: uri(D(i)), title: lit(`Dataset ${12 - i}`), publisher: uri('did:key:z6MkAlice') })) } };
}

const custody = (root) => ({
  root, direction: 'up',
  nodes: [
    { id: root, kind: 'resource', label: 'Forecast 2022', type: `${T.cust}Dataset`, depth: 0 },
    { id: E(3), kind: 'execution', label: 'forecast run', status: st('Delivered'), depth: 0, when: { started: '2024-01-03T10:00:00Z', ended: '2024-01-03T11:00:00Z', height: 98 }, how: { orchestrator: 'did:key:z6MkOrch', services: ['did:key:z6MkAlgo2'] }, where: { zone: 'did:key:z6MkZone' } },
    { id: 'did:key:z6MkAlgo2', kind: 'service', label: 'Regression model', depth: 1 },
    { id: D(2), kind: 'resource', label: 'Cleaned stations', depth: 1 },
    { id: E(2), kind: 'execution', label: 'cleaning run', status: st('Delivered'), depth: 1 },
    { id: D(1), kind: 'resource', label: 'Raw stations', depth: 2 },
    { id: 'did:key:z6MkClean', kind: 'service', label: 'Data cleaner', depth: 2 },
    { id: E(1), kind: 'execution', label: 'failed attempt', status: st('Failed'), depth: 2 },
  ],
  edges: [
    { from: E(3), to: root, kind: 'generated' }, { from: E(3), to: 'did:key:z6MkAlgo2', kind: 'used' }, { from: E(3), to: D(2), kind: 'used' },
    { from: E(2), to: D(2), kind: 'generated' }, { from: E(2), to: D(1), kind: 'used' }, { from: E(2), to: 'did:key:z6MkClean', kind: 'used' },
    { from: E(1), to: D(1), kind: 'used' },
  ],
});

const rewards = (ex, amount) => {
  if (ex === E(4)) return { execution: ex, status: 'Failed', eligible: false, total: amount || '42000', denom: 'uknow', policy: 'urn:policy:default', asOfHeight: height, tax: { recipient: null, amount: '0' }, roles: [], payouts: [], refund: { payee: 'did:key:z6MkPayer', amount: amount || '42000' } };
  return { execution: ex, status: 'Delivered', eligible: true, total: amount || '1000003', denom: 'uknow', policy: 'urn:policy:default', asOfHeight: height,
    tax: { recipient: null, amount: '0' },
    roles: [{ role: 'DataProvider', weightBps: 4000, amount: '400001' }, { role: 'ProcessingProvider', weightBps: 3000, amount: '300001' }, { role: 'StorageProvider', weightBps: 1000, amount: '100000' }, { role: 'OrchestrationProvider', weightBps: 2000, amount: '200001' }],
    payouts: [
      { payee: 'did:key:z6MkAlice', role: 'DataProvider', amount: '400001', score: '128', resources: [{ resource: D(0), depth: 1 }] },
      { payee: 'did:key:z6MkCarol', role: 'ProcessingProvider', amount: '200001', score: '256', resources: [{ resource: 'did:key:z6MkA2', depth: 0 }] },
      { payee: 'did:key:z6MkBob', role: 'ProcessingProvider', amount: '100000', score: '128', resources: [{ resource: 'did:key:z6MkA1', depth: 1 }] },
      { payee: 'did:key:z6MkStoreCo', role: 'StorageProvider', amount: '100000', score: '128', resources: [{ resource: 'did:key:z6MkS1', depth: 1 }] },
      { payee: 'did:key:z6MkOpZ', role: 'OrchestrationProvider', amount: '200001', score: '256', resources: [{ resource: 'did:key:z6MkO', depth: 0 }, { resource: 'did:key:z6MkO', depth: 1 }] }],
    refund: null };
};

const QUERIES = [
  { name: 'datasets', title: 'Datasets', description: 'Every dataset with its title and publisher.', parameters: [] },
  { name: 'lineage', title: 'Lineage of a resource', description: 'The executions upstream of a resource.', parameters: [{ name: 'resource', description: 'IRI of the resource', type: 'iri', required: true }] },
  { name: 'executions-in-zone', title: 'Executions in a zone', description: 'Executions ordered in a zone, with status.', parameters: [{ name: 'zone', type: 'iri' }, { name: 'limit', type: 'integer', default: 50 }] },
];

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  const json = (code, body) => {
    res.writeHead(code, { 'Content-Type': code === 200 && u.pathname === '/sparql' ? 'application/sparql-results+json' : 'application/json', 'Access-Control-Allow-Origin': '*' });
    res.end(JSON.stringify(body));
  };
  if (u.pathname === '/status') {
    height += 1;
    return json(200, { chain_id: 'okp4-devnet-1', nodes: [{ url: 'http://127.0.0.1:26657', healthy: true }], head_height: height + 2, indexed_height: height, lag: 2, blocks_per_s: 4.2, triples: 18233, credentials: 66, rejections: 3 });
  }
  if (u.pathname === '/sparql') {
    let q = u.searchParams.get('query') || '';
    if (req.method === 'POST') q = new URLSearchParams(await new Promise((r) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => r(b)); })).get('query');
    const a = sparql(q);
    return a ? json(200, a) : json(400, { error: 'syntax error in the query', detail: 'syntax error, unexpected identifier at line 20, column 1' });
  }
  if (u.pathname === '/queries') return json(200, QUERIES);
  if (u.pathname.startsWith('/queries/')) {
    const name = u.pathname.slice(9);
    if (!QUERIES.find((q) => q.name === name)) return json(404, { error: `unknown query "${name}"`, detail: 'see GET /queries' });
    return json(200, sparql(''));
  }
  if (u.pathname === '/custody') return json(200, custody(u.searchParams.get('resource')));
  if (u.pathname === '/rewards') return json(200, rewards(u.searchParams.get('execution'), u.searchParams.get('amount')));
  const file = path.join(webDir, u.pathname === '/' ? 'index.html' : path.normalize(u.pathname));
  if (!file.startsWith(webDir)) return json(404, { error: 'not found' });
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    json(404, { error: `no such file "${u.pathname}"` });
  }
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
