// The project's namespaces (spec mapping.md; the source prefixes are axone
// v4's, what the live network speaks), IRI shortening and the rendering
// of RDF terms as text and links to the resource page.
import { h } from './dom.js';

export const PREFIXES = [
  ['dsd', 'https://w3id.org/axone/ontology/v4/schema/credential/dataset/description/'],
  ['svc', 'https://w3id.org/axone/ontology/v4/schema/credential/digital-service/description/'],
  ['auth', 'https://w3id.org/axone/ontology/v4/schema/credential/digital-service/authentication/'],
  ['pub', 'https://w3id.org/axone/ontology/v4/schema/credential/digital-resource/publication/'],
  ['rights', 'https://w3id.org/axone/ontology/v4/schema/credential/digital-resource/rights/'],
  ['zone', 'https://w3id.org/axone/ontology/v4/schema/credential/zone/description/'],
  ['gov', 'https://w3id.org/axone/ontology/v4/schema/credential/governance/text/'],
  ['order', 'https://w3id.org/axone/ontology/v4/schema/credential/orchestration-service/execution-order/'],
  ['exec', 'https://w3id.org/axone/ontology/v4/schema/credential/orchestration-service/execution/'],
  ['thes', 'https://w3id.org/axone/ontology/v4/thesaurus/'],
  ['cred', 'https://www.w3.org/2018/credentials#'],
  ['sec', 'https://w3id.org/security#'],
  ['prov', 'http://www.w3.org/ns/prov#'],
  ['cust', 'https://w3id.org/custodian/ns#'],
  ['dcterms', 'http://purl.org/dc/terms/'],
  ['schema', 'http://schema.org/'],
  ['rdf', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'],
  ['rdfs', 'http://www.w3.org/2000/01/rdf-schema#'],
  ['xsd', 'http://www.w3.org/2001/XMLSchema#'],
  ['skos', 'http://www.w3.org/2004/02/skos/core#'],
];

export const GRAPHS = {
  ledger: 'https://w3id.org/custodian/graph/ledger',
  current: 'https://w3id.org/custodian/graph/current',
  policies: 'https://w3id.org/custodian/graph/policies',
  ontology: 'https://w3id.org/custodian/graph/ontology',
};

const BY_LENGTH = [...PREFIXES].sort((a, b) => b[1].length - a[1].length);

export function prefixBlock(only) {
  return PREFIXES.filter(([p]) => !only || only.includes(p))
    .map(([p, iri]) => `PREFIX ${p}: <${iri}>`)
    .join('\n');
}

/* "prov:used" for a known namespace, the IRI itself otherwise. Display only. */
export function shorten(iri) {
  if (typeof iri !== 'string') return String(iri);
  if (iri === GRAPHS.ledger) return 'ledger graph';
  if (iri === GRAPHS.current) return 'current graph';
  for (const [p, ns] of BY_LENGTH) {
    if (iri.startsWith(ns) && iri.length > ns.length) return `${p}:${iri.slice(ns.length)}`;
  }
  return iri;
}

/* A short label for long identifiers: "urn:uuid:1a2b3c4d…", "did:key:…Xy12Ab". Display only. */
export function compact(iri) {
  const t = shorten(iri);
  let m = /^urn:uuid:([0-9a-f]{8})[0-9a-f-]{20,}$/i.exec(t);
  if (m) return `urn:uuid:${m[1]}…`;
  m = /^urn:cosmos:[^:]+:tx:([0-9A-F]{8})[0-9A-F]{16,}$/i.exec(t);
  if (m) return `tx ${m[1]}…`;
  m = /^did:key:(\w{4})\w{12,}(\w{6})$/.exec(t);
  if (m) return `did:key:${m[1]}…${m[2]}`;
  return t;
}

/* The last segment of a concept IRI ("…/execution-status/Delivered" gives "Delivered"). */
export function localName(iri) {
  if (typeof iri !== 'string') return '';
  const m = /[#/:]([^#/:]+)\/?$/.exec(iri);
  return m ? m[1] : iri;
}

/* Accepts a full IRI, <IRI>, or a prefixed name of the project; returns the full IRI. */
export function expand(text) {
  const t = (text || '').trim().replace(/^<(.*)>$/, '$1');
  const m = /^([A-Za-z][\w-]*):(.*)$/.exec(t);
  if (m) {
    const hit = PREFIXES.find(([p]) => p === m[1]);
    if (hit && !m[2].startsWith('//')) return hit[1] + m[2];
  }
  return t;
}

export function sparqlIri(iri) {
  return `<${String(iri).replace(/[<>"{}|^`\\\s]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}>`;
}

export function route(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export function resourceHref(iri) {
  return route('resource', { iri });
}

export function iriLink(iri, label) {
  return h('a', { href: resourceHref(iri), class: label ? 'iri-label' : 'iri', title: iri }, label || shorten(iri));
}

/* Plain text of a SPARQL JSON term, as in CSV. */
export function termText(t) {
  if (!t) return '';
  return t.value;
}

/* Display text of a term, used for sorting and filtering. */
export function termLabel(t) {
  if (!t) return '';
  if (t.type === 'uri') return shorten(t.value);
  if (t.type === 'bnode') return `_:${t.value}`;
  return t.value;
}

const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|unsignedLong|unsignedInt)$/;

export function termNumber(t) {
  if (!t || (t.type !== 'literal' && t.type !== 'typed-literal')) return null;
  if (t.datatype && NUMERIC.test(t.datatype)) return Number(t.value);
  return null;
}

/* A node for a SPARQL JSON term: IRIs link to their resource page. */
export function renderTerm(t) {
  if (!t) return h('span', { class: 'unbound' }, '');
  if (t.type === 'uri') return iriLink(t.value);
  if (t.type === 'bnode') return h('span', { class: 'bnode' }, `_:${t.value}`);
  const parts = [h('span', { class: 'lit' }, t.value)];
  if (t['xml:lang']) parts.push(h('span', { class: 'lang' }, `@${t['xml:lang']}`));
  else if (t.datatype && !NUMERIC.test(t.datatype) && !t.datatype.endsWith('#string')) {
    parts.push(h('span', { class: 'dt', title: t.datatype }, shorten(t.datatype)));
  }
  return parts.length === 1 ? parts[0] : h('span', null, parts);
}

/* For values in JSON answers (custody, rewards): a string that looks like an IRI becomes a link. */
export function looksLikeIri(v) {
  return typeof v === 'string' && /^(https?:\/\/|urn:|did:)[^\s]+$/.test(v);
}

export function valueNode(v) {
  if (looksLikeIri(v)) return iriLink(v);
  return document.createTextNode(v === null || v === undefined ? '–' : String(v));
}
