/* Result formats, written so that they follow the W3C recommendations
 * exactly: SPARQL 1.1 Query Results JSON (an unbound
 * variable has no key), XML (no <binding>), CSV (CRLF, RFC 4180 quoting,
 * plain values) and TSV (terms in N-Triples syntax, empty when unbound); and
 * the RDF formats of CONSTRUCT and DESCRIBE (Turtle is written as N-Triples,
 * which is Turtle). Also content negotiation. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sparql/sparql_int.h"

#define XSD_STRING "http://www.w3.org/2001/XMLSchema#string"

/* ---- formats and negotiation ------------------------------------------------- */

typedef struct fmt_info {
  sq_format f;
  const char *name;
  const char *type;
  int is_graph;
} fmt_info;

static const fmt_info formats[] = {
  { SQ_FMT_JSON, "json", "application/sparql-results+json", 0 },
  { SQ_FMT_XML, "xml", "application/sparql-results+xml", 0 },
  { SQ_FMT_CSV, "csv", "text/csv", 0 },
  { SQ_FMT_TSV, "tsv", "text/tab-separated-values", 0 },
  { SQ_FMT_TURTLE, "turtle", "text/turtle", 1 },
  { SQ_FMT_NTRIPLES, "ntriples", "application/n-triples", 1 },
  { SQ_FMT_NQUADS, "nquads", "application/n-quads", 1 },
  { SQ_FMT_RDFXML, "rdfxml", "application/rdf+xml", 1 },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* Other names that clients send for the same formats. */
static const struct {
  const char *alias;
  sq_format f;
} aliases[] = {
  { "application/json", SQ_FMT_JSON },
  { "srj", SQ_FMT_JSON },
  { "application/xml", SQ_FMT_XML },
  { "text/xml", SQ_FMT_XML },
  { "srx", SQ_FMT_XML },
  { "ttl", SQ_FMT_TURTLE },
  { "nt", SQ_FMT_NTRIPLES },
  { "text/plain", SQ_FMT_NTRIPLES },
  { "nq", SQ_FMT_NQUADS },
  { "rdf", SQ_FMT_RDFXML },
  { "xml-rdf", SQ_FMT_RDFXML },
  { "application/x-turtle", SQ_FMT_TURTLE },
};

const char *sq_format_type(sq_format f) {
  for (size_t i = 0; i < NFORMATS; i++) {
    if (formats[i].f == f) {
      return formats[i].type;
    }
  }
  return "application/octet-stream";
}

static const fmt_info *info_of(sq_format f) {
  for (size_t i = 0; i < NFORMATS; i++) {
    if (formats[i].f == f) {
      return &formats[i];
    }
  }
  return NULL;
}

static sq_format by_name(const char *s, size_t n) {
  for (size_t i = 0; i < NFORMATS; i++) {
    if ((strlen(formats[i].name) == n && strncasecmp(formats[i].name, s, n) == 0) ||
        (strlen(formats[i].type) == n && strncasecmp(formats[i].type, s, n) == 0)) {
      return formats[i].f;
    }
  }
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
    if (strlen(aliases[i].alias) == n && strncasecmp(aliases[i].alias, s, n) == 0) {
      return aliases[i].f;
    }
  }
  return SQ_FMT_NONE;
}

/* The q-value of one media range's parameters ("q=0.5"), 1 by default. */
static double qvalue(const char *params, size_t n) {
  double q = 1.0;
  size_t i = 0;
  while (i < n) {
    while (i < n && (params[i] == ';' || params[i] == ' ' || params[i] == '\t')) {
      i++;
    }
    if (i + 2 <= n && (params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
      char tmp[16];
      size_t j = i + 2, k = 0;
      while (j < n && params[j] != ';' && k + 1 < sizeof tmp) {
        tmp[k++] = params[j++];
      }
      tmp[k] = '\0';
      q = strtod(tmp, NULL);
      if (q < 0 || q > 1) {
        q = 0;
      }
    }
    while (i < n && params[i] != ';') {
      i++;
    }
  }
  return q;
}

sq_format sq_format_pick(const char *format, const char *accept, int is_graph) {
  sq_format dflt = is_graph ? SQ_FMT_TURTLE : SQ_FMT_JSON;
  if (format != NULL && *format != '\0') {
    sq_format f = by_name(format, strlen(format));
    const fmt_info *in = info_of(f);
    if (in == NULL) {
      return SQ_FMT_NONE;
    }
    if (in->is_graph == is_graph) {
      return f;
    }
    /* A client library sends its one `format` for every query form (e.g.
     * format=xml): for a graph, "xml" is RDF/XML; another result-set format
     * names nothing a graph can be, so the Accept header decides. */
    if (is_graph && f == SQ_FMT_XML) {
      return SQ_FMT_RDFXML;
    }
    if (!is_graph) {
      return SQ_FMT_NONE;
    }
  }
  if (accept == NULL || *accept == '\0') {
    return dflt;
  }
  /* the best q wins; among equals, the most specific range, then the order
   * of the header */
  sq_format best = SQ_FMT_NONE;
  double best_q = 0;
  int best_spec = -1;
  const char *p = accept;
  while (*p != '\0') {
    while (*p == ' ' || *p == ',' || *p == '\t') {
      p++;
    }
    if (*p == '\0') {
      break;
    }
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *semi = memchr(p, ';', len);
    size_t tlen = semi ? (size_t)(semi - p) : len;
    while (tlen > 0 && (p[tlen - 1] == ' ' || p[tlen - 1] == '\t')) {
      tlen--;
    }
    double q = semi ? qvalue(semi, len - (size_t)(semi - p)) : 1.0;
    sq_format f = SQ_FMT_NONE;
    int spec = 2;
    if (tlen == 3 && strncmp(p, "*/*", 3) == 0) {
      f = dflt;
      spec = 0;
    } else if (tlen > 2 && p[tlen - 1] == '*' && p[tlen - 2] == '/') {
      /* "type/any": the default if it matches, else the first of that type */
      spec = 1;
      const fmt_info *d = info_of(dflt);
      if (strncasecmp(d->type, p, tlen - 1) == 0) {
        f = dflt;
      } else {
        for (size_t i = 0; i < NFORMATS; i++) {
          if (formats[i].is_graph == is_graph && strncasecmp(formats[i].type, p, tlen - 1) == 0) {
            f = formats[i].f;
            break;
          }
        }
      }
    } else {
      f = by_name(p, tlen);
      const fmt_info *in = info_of(f);
      if (in == NULL || in->is_graph != is_graph) {
        f = SQ_FMT_NONE;
      }
    }
    if (f != SQ_FMT_NONE && q > 0 && (q > best_q || (q == best_q && spec > best_spec))) {
      best = f;
      best_q = q;
      best_spec = spec;
    }
    p += len;
  }
  return best;
}

/* ---- the table ------------------------------------------------------------------ */

void sq_table_init(sq_table *t) {
  memset(t, 0, sizeof *t);
  cust_arena_init(&t->arena, 64 * 1024);
}

void sq_table_release(sq_table *t) {
  free(t->vars);
  free(t->cells);
  cust_arena_release(&t->arena);
  memset(t, 0, sizeof *t);
}

cust_status sq_table_add_var(sq_table *t, const char *name) {
  const char **v = realloc(t->vars, (t->nvars + 1) * sizeof *v);
  if (v == NULL) {
    return CUST_ERR_NOMEM;
  }
  t->vars = v;
  v[t->nvars] = cust_arena_strdup(&t->arena, name);
  if (v[t->nvars] == NULL) {
    return CUST_ERR_NOMEM;
  }
  t->nvars++;
  return CUST_OK;
}

cust_term *sq_table_add_row(sq_table *t) {
  size_t width = t->nvars ? t->nvars : 1;
  if (cust_grow(&t->cells, t->nrows, &t->cap, width * sizeof *t->cells, 64) != CUST_OK) {
    return NULL;
  }
  cust_term *row = t->cells + t->nrows * width;
  memset(row, 0, width * sizeof *row);
  t->nrows++;
  return row;
}

cust_status sq_table_set(sq_table *t, cust_term *cell, const cust_term *v) {
  cust_term c = *v;
  c.value = cust_arena_strndup(&t->arena, v->value ? v->value : "", v->len);
  c.lang = v->lang ? cust_arena_strdup(&t->arena, v->lang) : NULL;
  c.datatype = v->datatype ? cust_arena_strdup(&t->arena, v->datatype) : NULL;
  if (c.value == NULL || (v->lang && c.lang == NULL) || (v->datatype && c.datatype == NULL)) {
    return CUST_ERR_NOMEM;
  }
  if (c.datatype != NULL && strcmp(c.datatype, XSD_STRING) == 0) {
    c.datatype = NULL; /* RDF 1.1: a simple literal is an xsd:string */
  }
  *cell = c;
  return CUST_OK;
}

/* ---- escaping ------------------------------------------------------------------------- */

static cust_status xml_text(cust_buf *b, const char *s, size_t len) {
  cust_status st = CUST_OK;
  for (size_t i = 0; i < len && st == CUST_OK; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '<':
        st = cust_buf_puts(b, "&lt;");
        break;
      case '>':
        st = cust_buf_puts(b, "&gt;");
        break;
      case '&':
        st = cust_buf_puts(b, "&amp;");
        break;
      case '"':
        st = cust_buf_puts(b, "&quot;");
        break;
      default:
        /* characters XML 1.0 cannot carry at all are written as U+FFFD */
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
          st = cust_buf_puts(b, "\xEF\xBF\xBD");
        } else if (c == '\r') {
          st = cust_buf_puts(b, "&#13;");
        } else {
          st = cust_buf_putc(b, (char)c);
        }
    }
  }
  return st;
}

static cust_status csv_field(cust_buf *b, const char *s, size_t len) {
  int needs = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r') {
      needs = 1;
      break;
    }
  }
  if (!needs) {
    return cust_buf_append(b, s, len);
  }
  cust_status st = cust_buf_putc(b, '"');
  for (size_t i = 0; i < len && st == CUST_OK; i++) {
    st = s[i] == '"' ? cust_buf_puts(b, "\"\"") : cust_buf_putc(b, s[i]);
  }
  return st == CUST_OK ? cust_buf_putc(b, '"') : st;
}

/* A term in N-Triples syntax with the tab escaped as well, for TSV. */
static cust_status tsv_term(cust_buf *b, const cust_term *t) {
  cust_buf tmp;
  cust_buf_init(&tmp);
  cust_status st = cust_term_write_nt(&tmp, t);
  for (size_t i = 0; i < tmp.len && st == CUST_OK; i++) {
    st = tmp.data[i] == '\t' ? cust_buf_puts(b, "\\t") : cust_buf_putc(b, tmp.data[i]);
  }
  cust_buf_release(&tmp);
  return st;
}

/* ---- writers -------------------------------------------------------------------------- */

static cust_status json_term(cust_buf *b, const cust_term *t) {
  cust_status st;
  const char *type = t->kind == CUST_TERM_IRI     ? "uri"
                     : t->kind == CUST_TERM_BLANK ? "bnode"
                                                  : "literal";
  st = cust_buf_printf(b, "{\"type\": \"%s\", \"value\": ", type);
  if (st == CUST_OK) {
    st = cust_json_string(b, t->value, t->len);
  }
  if (st == CUST_OK && t->kind == CUST_TERM_LITERAL && t->lang != NULL) {
    st = cust_buf_puts(b, ", \"xml:lang\": ");
    if (st == CUST_OK) {
      st = cust_json_string(b, t->lang, strlen(t->lang));
    }
  } else if (st == CUST_OK && t->kind == CUST_TERM_LITERAL && t->datatype != NULL) {
    st = cust_buf_puts(b, ", \"datatype\": ");
    if (st == CUST_OK) {
      st = cust_json_string(b, t->datatype, strlen(t->datatype));
    }
  }
  return st == CUST_OK ? cust_buf_putc(b, '}') : st;
}

static cust_status xml_term(cust_buf *b, const cust_term *t) {
  cust_status st;
  if (t->kind == CUST_TERM_IRI) {
    st = cust_buf_puts(b, "<uri>");
  } else if (t->kind == CUST_TERM_BLANK) {
    st = cust_buf_puts(b, "<bnode>");
  } else if (t->lang != NULL) {
    st = cust_buf_puts(b, "<literal xml:lang=\"");
    if (st == CUST_OK) {
      st = xml_text(b, t->lang, strlen(t->lang));
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, "\">");
    }
  } else if (t->datatype != NULL) {
    st = cust_buf_puts(b, "<literal datatype=\"");
    if (st == CUST_OK) {
      st = xml_text(b, t->datatype, strlen(t->datatype));
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, "\">");
    }
  } else {
    st = cust_buf_puts(b, "<literal>");
  }
  if (st == CUST_OK) {
    st = xml_text(b, t->value, t->len);
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, t->kind == CUST_TERM_IRI     ? "</uri>"
                          : t->kind == CUST_TERM_BLANK ? "</bnode>"
                                                       : "</literal>");
  }
  return st;
}

#define XML_HEAD                                                                                   \
  "<?xml version=\"1.0\"?>\n<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n"

static cust_status write_json(cust_buf *b, const sq_table *t) {
  cust_status st = cust_buf_puts(b, "{\"head\": {\"vars\": [");
  for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
    st = i ? cust_buf_puts(b, ", ") : CUST_OK;
    if (st == CUST_OK) {
      st = cust_json_string(b, t->vars[i], strlen(t->vars[i]));
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "]},\n\"results\": {\"bindings\": [");
  }
  for (size_t r = 0; r < t->nrows && st == CUST_OK; r++) {
    const cust_term *row = t->cells + r * t->nvars;
    int first = 1;
    st = cust_buf_puts(b, r ? ",\n  {" : "\n  {");
    for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
      if (row[i].kind == CUST_TERM_NONE) {
        continue;
      }
      st = first ? CUST_OK : cust_buf_puts(b, ", ");
      first = 0;
      if (st == CUST_OK) {
        st = cust_json_string(b, t->vars[i], strlen(t->vars[i]));
      }
      if (st == CUST_OK) {
        st = cust_buf_puts(b, ": ");
      }
      if (st == CUST_OK) {
        st = json_term(b, &row[i]);
      }
    }
    if (st == CUST_OK) {
      st = cust_buf_putc(b, '}');
    }
  }
  return st == CUST_OK ? cust_buf_puts(b, "\n]}}\n") : st;
}

static cust_status write_xml(cust_buf *b, const sq_table *t) {
  cust_status st = cust_buf_puts(b, XML_HEAD "  <head>\n");
  for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
    st = cust_buf_puts(b, "    <variable name=\"");
    if (st == CUST_OK) {
      st = xml_text(b, t->vars[i], strlen(t->vars[i]));
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, "\"/>\n");
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, "  </head>\n  <results>\n");
  }
  for (size_t r = 0; r < t->nrows && st == CUST_OK; r++) {
    const cust_term *row = t->cells + r * t->nvars;
    st = cust_buf_puts(b, "    <result>\n");
    for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
      if (row[i].kind == CUST_TERM_NONE) {
        continue;
      }
      st = cust_buf_puts(b, "      <binding name=\"");
      if (st == CUST_OK) {
        st = xml_text(b, t->vars[i], strlen(t->vars[i]));
      }
      if (st == CUST_OK) {
        st = cust_buf_puts(b, "\">");
      }
      if (st == CUST_OK) {
        st = xml_term(b, &row[i]);
      }
      if (st == CUST_OK) {
        st = cust_buf_puts(b, "</binding>\n");
      }
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, "    </result>\n");
    }
  }
  return st == CUST_OK ? cust_buf_puts(b, "  </results>\n</sparql>\n") : st;
}

static cust_status write_sv(cust_buf *b, const sq_table *t, int is_tsv) {
  cust_status st = CUST_OK;
  const char *sep = is_tsv ? "\t" : ",";
  const char *eol = is_tsv ? "\n" : "\r\n";
  for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
    st = i ? cust_buf_puts(b, sep) : CUST_OK;
    if (st == CUST_OK) {
      st = is_tsv ? cust_buf_printf(b, "?%s", t->vars[i])
                  : csv_field(b, t->vars[i], strlen(t->vars[i]));
    }
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, eol);
  }
  for (size_t r = 0; r < t->nrows && st == CUST_OK; r++) {
    const cust_term *row = t->cells + r * t->nvars;
    for (size_t i = 0; i < t->nvars && st == CUST_OK; i++) {
      st = i ? cust_buf_puts(b, sep) : CUST_OK;
      if (st != CUST_OK || row[i].kind == CUST_TERM_NONE) {
        continue;
      }
      if (is_tsv) {
        st = tsv_term(b, &row[i]);
      } else if (row[i].kind == CUST_TERM_BLANK) {
        st = cust_buf_printf(b, "_:%s", row[i].value);
      } else {
        st = csv_field(b, row[i].value, row[i].len);
      }
    }
    if (st == CUST_OK) {
      st = cust_buf_puts(b, eol);
    }
  }
  return st;
}

cust_status sq_write_table(cust_buf *b, sq_format f, const sq_table *t) {
  switch (f) {
    case SQ_FMT_JSON:
      return write_json(b, t);
    case SQ_FMT_XML:
      return write_xml(b, t);
    case SQ_FMT_CSV:
      return write_sv(b, t, 0);
    case SQ_FMT_TSV:
      return write_sv(b, t, 1);
    default:
      return CUST_ERR_INVALID;
  }
}

cust_status sq_write_boolean(cust_buf *b, sq_format f, int value) {
  const char *v = value ? "true" : "false";
  switch (f) {
    case SQ_FMT_JSON:
      return cust_buf_printf(b, "{\"head\": {}, \"boolean\": %s}\n", v);
    case SQ_FMT_XML:
      return cust_buf_printf(b, XML_HEAD "  <head/>\n  <boolean>%s</boolean>\n</sparql>\n", v);
    case SQ_FMT_CSV:
      return cust_buf_printf(b, "_askResult\r\n%s\r\n", v);
    case SQ_FMT_TSV:
      return cust_buf_printf(b, "?_askResult\n%s\n", v);
    default:
      return CUST_ERR_INVALID;
  }
}

/* ---- RDF/XML -------------------------------------------------------------------------- */

/* RDF/XML names a predicate as an XML element: a namespace and a local name
 * that is an NCName. Bytes of UTF-8 sequences count as name characters (the
 * letters beyond ASCII); '.' and '-' and digits may not start a name. */
static int is_name_char(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.';
}

static int is_name_start(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Where the local name of `iri` starts (the longest NCName suffix), or `len`
 * when it has none. The names that RDF/XML reserves in its own namespace
 * (rdf:li is renumbered by readers, rdf:about and the like are syntax) have
 * none either. */
static size_t local_name_at(const char *iri, size_t len) {
  size_t i = len;
  while (i > 0 && is_name_char((unsigned char)iri[i - 1])) {
    i--;
  }
  while (i < len && !is_name_start((unsigned char)iri[i])) {
    i++;
  }
  static const char rdf_ns[] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
  static const char *const reserved[] = {
    "RDF",      "Description", "ID",       "about", "bagID",     "parseType",
    "resource", "nodeID",      "datatype", "li",    "aboutEach", "aboutEachPrefix"
  };
  if (i == sizeof rdf_ns - 1 && memcmp(iri, rdf_ns, i) == 0) {
    for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
      if (strlen(reserved[k]) == len - i && memcmp(iri + i, reserved[k], len - i) == 0) {
        return len;
      }
    }
  }
  return i;
}

/* Text and attribute values; a character XML 1.0 cannot carry makes the
 * graph unwritable (CUST_ERR_UNSUPPORTED) rather than silently changed. */
static cust_status xml_exact(cust_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      return CUST_ERR_UNSUPPORTED;
    }
  }
  return xml_text(b, s, len);
}

/* A blank node label as an rdf:nodeID (an NCName): "b", then the label with
 * every byte that is not a name character (and '_') as "_HH". */
static cust_status node_id(cust_buf *b, const char *label, size_t len) {
  cust_status st = cust_buf_putc(b, 'b');
  for (size_t i = 0; i < len && st == CUST_OK; i++) {
    unsigned char c = (unsigned char)label[i];
    st = is_name_char(c) && c != '_' ? cust_buf_putc(b, (char)c) : cust_buf_printf(b, "_%02X", c);
  }
  return st;
}

static cust_status rdfxml_triple(cust_buf *b, const cust_quad *q) {
  size_t plen = q->p.len;
  size_t at = local_name_at(q->p.value, plen);
  if (q->p.kind != CUST_TERM_IRI || at == plen) {
    return CUST_ERR_UNSUPPORTED;
  }
  cust_status st;
  if (q->s.kind == CUST_TERM_BLANK) {
    st = cust_buf_puts(b, "  <rdf:Description rdf:nodeID=\"");
    st = st ? st : node_id(b, q->s.value, q->s.len);
  } else {
    st = cust_buf_puts(b, "  <rdf:Description rdf:about=\"");
    st = st ? st : xml_exact(b, q->s.value, q->s.len);
  }
  st = st ? st : cust_buf_puts(b, "\">\n    <p:");
  st = st ? st : cust_buf_append(b, q->p.value + at, plen - at);
  st = st ? st : cust_buf_puts(b, " xmlns:p=\"");
  st = st ? st : xml_exact(b, q->p.value, at);
  st = st ? st : cust_buf_putc(b, '"');
  if (st != CUST_OK) {
    return st;
  }
  switch (q->o.kind) {
    case CUST_TERM_IRI:
      st = cust_buf_puts(b, " rdf:resource=\"");
      st = st ? st : xml_exact(b, q->o.value, q->o.len);
      st = st ? st : cust_buf_puts(b, "\"/>\n");
      break;
    case CUST_TERM_BLANK:
      st = cust_buf_puts(b, " rdf:nodeID=\"");
      st = st ? st : node_id(b, q->o.value, q->o.len);
      st = st ? st : cust_buf_puts(b, "\"/>\n");
      break;
    case CUST_TERM_LITERAL:
      if (q->o.lang != NULL) {
        st = cust_buf_puts(b, " xml:lang=\"");
        st = st ? st : xml_exact(b, q->o.lang, strlen(q->o.lang));
        st = st ? st : cust_buf_putc(b, '"');
      } else if (q->o.datatype != NULL && strcmp(q->o.datatype, XSD_STRING) != 0) {
        st = cust_buf_puts(b, " rdf:datatype=\"");
        st = st ? st : xml_exact(b, q->o.datatype, strlen(q->o.datatype));
        st = st ? st : cust_buf_putc(b, '"');
      }
      st = st ? st : cust_buf_putc(b, '>');
      st = st ? st : xml_exact(b, q->o.value, q->o.len);
      st = st ? st : cust_buf_puts(b, "</p:");
      st = st ? st : cust_buf_append(b, q->p.value + at, plen - at);
      st = st ? st : cust_buf_puts(b, ">\n");
      break;
    default:
      return CUST_ERR_UNSUPPORTED;
  }
  return st ? st : cust_buf_puts(b, "  </rdf:Description>\n");
}

/* One rdf:Description per triple, the predicate's namespace declared on its
 * own element: plain, and readable by every RDF/XML parser. */
static cust_status write_rdfxml(cust_buf *b, const cust_quad *q, size_t n) {
  cust_status st = cust_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/"
                                    "22-rdf-syntax-ns#\">\n");
  for (size_t i = 0; i < n && st == CUST_OK; i++) {
    st = rdfxml_triple(b, &q[i]);
  }
  return st ? st : cust_buf_puts(b, "</rdf:RDF>\n");
}

int sq_rdfxml_check(const cust_quad *q, size_t n, char *why, size_t whylen) {
  cust_buf scratch;
  cust_buf_init(&scratch);
  int ok = 1;
  for (size_t i = 0; i < n && ok; i++) {
    cust_buf_reset(&scratch);
    if (rdfxml_triple(&scratch, &q[i]) != CUST_ERR_UNSUPPORTED) {
      continue;
    }
    ok = 0;
    int no_name =
        q[i].p.kind != CUST_TERM_IRI || local_name_at(q[i].p.value, q[i].p.len) == q[i].p.len;
    snprintf(why, whylen,
             no_name ? "RDF/XML cannot write the predicate <%.200s>: it ends in no XML name"
                     : "RDF/XML cannot write a triple of predicate <%.200s>: it holds a control "
                       "character that XML 1.0 cannot carry",
             q[i].p.kind == CUST_TERM_IRI ? q[i].p.value : "");
  }
  cust_buf_release(&scratch);
  return ok;
}

cust_status sq_write_graph(cust_buf *b, sq_format f, const cust_quad *q, size_t n) {
  cust_status st = CUST_OK;
  if (f == SQ_FMT_RDFXML) {
    return write_rdfxml(b, q, n);
  }
  if (f != SQ_FMT_TURTLE && f != SQ_FMT_NTRIPLES && f != SQ_FMT_NQUADS) {
    return CUST_ERR_INVALID;
  }
  for (size_t i = 0; i < n && st == CUST_OK; i++) {
    cust_quad t = q[i];
    t.g.kind = CUST_TERM_NONE;
    st = cust_quad_write_nq(b, &t);
  }
  /* an empty body is a valid empty graph; b->data must exist all the same */
  return st == CUST_OK ? cust_buf_append(b, "", 0) : st;
}

cust_status sq_error_body(cust_buf *b, const char *error, const char *detail) {
  cust_status st = cust_buf_puts(b, "{\"error\": ");
  if (st == CUST_OK) {
    st = cust_json_string(b, error, strlen(error));
  }
  if (st == CUST_OK) {
    st = cust_buf_puts(b, ", \"detail\": ");
  }
  if (st == CUST_OK) {
    st = cust_json_string(b, detail ? detail : "", detail ? strlen(detail) : 0);
  }
  return st == CUST_OK ? cust_buf_puts(b, "}\n") : st;
}

cust_status sq_fail(cust_sparql_result *r, int status, const char *error, const char *detail) {
  cust_buf_reset(&r->body);
  r->http_status = status;
  r->content_type = "application/json";
  return sq_error_body(&r->body, error, detail);
}
