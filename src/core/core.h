/* The core: status codes, logging, arenas, buffers and the RDF term and quad
 * types that every other module speaks. No outside library is used here. */
#ifndef CUST_CORE_H
#define CUST_CORE_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fault injection ------------------------------------------------------ */

/* Every file that includes this header allocates through these wrappers
 * (the macros below), so a test can make the Nth allocation of Custodian's
 * own code fail; outside libraries keep their allocator. Unarmed, a wrapper
 * costs one branch. Thread-safe (atomic counters). */
void *cust_fault_malloc(size_t n);
void *cust_fault_calloc(size_t n, size_t size);
void *cust_fault_realloc(void *p, size_t n);
char *cust_fault_strdup(const char *s);
char *cust_fault_strndup(const char *s, size_t n);
/* Arms the countdown: the `n`th allocation from now (n >= 1) fails; the ones
 * before it succeed, and so do the ones after it unless `is_persistent`
 * (then every later one fails too, until cust_fault_disarm). n = 0 disarms. */
void cust_fault_arm(unsigned long n, int is_persistent);
/* Disarms; returns 1 when the armed allocation failed, 0 when the code
 * never reached it. *count (may be NULL) is the number of allocations
 * counted since cust_fault_arm: up to the failed one, or all of them. */
int cust_fault_disarm(unsigned long *count);
/* `hook` (NULL: none) runs inside the allocation that fails, before it
 * returns NULL: a test prints the stack from there. */
void cust_fault_set_hook(void (*hook)(void));

#ifndef CUST_FAULT_NO_WRAP
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup
#define malloc(n) cust_fault_malloc(n)
#define calloc(n, size) cust_fault_calloc((n), (size))
#define realloc(p, n) cust_fault_realloc((p), (n))
#define strdup(s) cust_fault_strdup(s)
#define strndup(s, n) cust_fault_strndup((s), (n))
#endif

/* ---- status ------------------------------------------------------------ */

typedef enum cust_status {
  CUST_OK = 0,
  CUST_ERR_NOMEM,       /* out of memory */
  CUST_ERR_INVALID,     /* bad argument or malformed input */
  CUST_ERR_IO,          /* a read or write failed */
  CUST_ERR_FULL,        /* disk full */
  CUST_ERR_READONLY,    /* the file or store is read-only */
  CUST_ERR_NOTFOUND,    /* no such thing */
  CUST_ERR_FORMAT,      /* a file is not what it should be */
  CUST_ERR_VERSION,     /* a file of another schema version */
  CUST_ERR_MISMATCH,    /* chain id or block link does not match */
  CUST_ERR_LIMIT,       /* a configured limit was reached */
  CUST_ERR_TIMEOUT,     /* a time limit was reached */
  CUST_ERR_NETWORK,     /* a transient network failure */
  CUST_ERR_REMOTE,      /* the remote side answered with an error */
  CUST_ERR_UNSUPPORTED, /* a construct this build refuses */
  CUST_ERR_STOPPED,     /* interrupted by a signal */
  CUST_ERR_BUSY,        /* the resource is locked by another process */
  CUST_ERR_INTERNAL     /* a bug: a library misbehaved */
} cust_status;

/* A short lowercase name for `st`; never NULL, static storage. */
const char *cust_strerror(cust_status st);

/* ---- logging ----------------------------------------------------------- */

typedef enum cust_log_level {
  CUST_LOG_ERROR = 0,
  CUST_LOG_WARN,
  CUST_LOG_INFO,
  CUST_LOG_DEBUG
} cust_log_level;

/* The logger: owned by the process context, borrowed by every module. A NULL
 * logger is valid and discards everything. Not thread-safe by itself: lines
 * are written with one fprintf each, which stdio locks. */
typedef enum cust_log_format {
  CUST_LOG_TEXT = 0, /* "custodian: LEVEL: message" */
  CUST_LOG_STAMPED,  /* the same after an RFC 3339 UTC time (for files and journals) */
  CUST_LOG_JSON      /* {"time","level","msg"} per line, for collectors */
} cust_log_format;

typedef struct cust_logger {
  FILE *out;            /* borrowed; stderr by default */
  cust_log_level level; /* messages above this level are dropped */
  const char *prefix;   /* borrowed, e.g. "custodian" */
  cust_log_format format;
} cust_logger;

/* A text logger without timestamps. */
void cust_logger_init(cust_logger *log, FILE *out, cust_log_level level);
/* The current UTC time as "2026-01-02T03:04:05.678Z" into out (of at least
 * 25 bytes). Returns out. */
const char *cust_time_rfc3339(char *out, size_t outlen);
void cust_log(const cust_logger *log, cust_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cust_logv(const cust_logger *log, cust_log_level level, const char *fmt, va_list ap);

/* ---- the stop flag ------------------------------------------------------ */

/* Set by the signal handler of main(); long loops poll it. The only global. */
extern volatile int cust_stop_requested;
/* Set by SIGHUP: the server reloads its canned queries and policies. */
extern volatile int cust_reload_requested;

/* ---- arena ------------------------------------------------------------- */

/* A bump allocator for per-block and per-request memory, freed in one go.
 * Embedded struct: cust_arena_init/cust_arena_release. */
typedef struct cust_arena_chunk cust_arena_chunk;
typedef struct cust_arena {
  cust_arena_chunk *head;
  size_t chunk_size;
  size_t total; /* bytes handed out since the last reset */
} cust_arena;

void cust_arena_init(cust_arena *a, size_t chunk_size);
/* Frees every chunk. Accepts an already-released or zeroed arena. */
void cust_arena_release(cust_arena *a);
/* Forgets everything allocated but keeps one chunk for reuse. */
void cust_arena_reset(cust_arena *a);
/* Aligned to 16 bytes; NULL when out of memory. Owned by the arena. */
void *cust_arena_alloc(cust_arena *a, size_t n);
/* A NUL-terminated copy of (s, n); NULL when out of memory. */
char *cust_arena_strndup(cust_arena *a, const char *s, size_t n);
char *cust_arena_strdup(cust_arena *a, const char *s);
char *cust_arena_printf(cust_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable arrays ---------------------------------------------------- */

/* Makes room for element n of the heap array *items (void ** passed as
 * void *; *cap elements of `size` bytes), doubling its capacity from
 * `first`. CUST_ERR_NOMEM (the array unchanged) when it cannot grow. */
cust_status cust_grow(void *items, size_t n, size_t *cap, size_t size, size_t first);

/* ---- growable buffer --------------------------------------------------- */

/* Bytes, always NUL-terminated after `len` once anything was appended.
 * Embedded struct: cust_buf_init/cust_buf_release. */
typedef struct cust_buf {
  char *data;
  size_t len;
  size_t cap;
} cust_buf;

void cust_buf_init(cust_buf *b);
void cust_buf_release(cust_buf *b);
void cust_buf_reset(cust_buf *b);
cust_status cust_buf_reserve(cust_buf *b, size_t extra);
cust_status cust_buf_append(cust_buf *b, const void *data, size_t len);
cust_status cust_buf_puts(cust_buf *b, const char *s);
cust_status cust_buf_putc(cust_buf *b, char c);
cust_status cust_buf_printf(cust_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the buffer's memory to the caller (free() it); the buffer is reset.
 * Returns an empty string rather than NULL when nothing was appended. */
char *cust_buf_steal(cust_buf *b, size_t *len);

/* ---- JSON text ----------------------------------------------------------- */

/* Appends (s, len) as a JSON string literal, quotes included: quotes,
 * backslashes and control characters are escaped, UTF-8 passes through. */
cust_status cust_json_string(cust_buf *b, const char *s, size_t len);
/* The same for a NUL-terminated string; NULL is written as null. */
cust_status cust_json_cstr(cust_buf *b, const char *s);

/* ---- encodings --------------------------------------------------------- */

/* Standard base64 (RFC 4648, with or without padding; whitespace is not
 * allowed). Decodes into a malloc'd buffer owned by the caller, NUL-terminated
 * for convenience. CUST_ERR_INVALID on any bad character or length. */
cust_status cust_base64_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len);
/* Encodes into `b` (appends). */
cust_status cust_base64_encode(cust_buf *b, const unsigned char *in, size_t in_len);
/* Uppercase hex of (in, n) into out, which must hold 2n+1 bytes. */
void cust_hex_upper(const unsigned char *in, size_t n, char *out);
/* SHA-256 of (in, n) into out[32]. */
void cust_sha256(const unsigned char *in, size_t n, unsigned char out[32]);
/* bech32 (BIP-173) of (data, n) bytes with the human-readable part `hrp`
 * (lowercase), appended to `b`. CUST_ERR_INVALID for a bad hrp. */
cust_status cust_bech32_encode(cust_buf *b, const char *hrp, const unsigned char *data, size_t n);
/* Decodes and checks the bech32 string `s`: characters, case, length (90 at
 * most), checksum and padding. The hrp (lowercased) goes to hrp[hrpcap], the
 * bytes to data[cap] and their count to *n. CUST_ERR_INVALID with the reason
 * in `err` (no subject, for the caller to prefix). */
cust_status cust_bech32_decode(const char *s, char *hrp, size_t hrpcap, unsigned char *data,
                               size_t cap, size_t *n, char *err, size_t errlen);
/* Checks a Cosmos address given by a user: bech32 (checksum, case, length),
 * 20 or 32 bytes, a prefix of lowercase letters and digits, and equal to
 * `hrp_want` when that is not NULL. Its prefix goes to hrp_out[hrpcap] (may
 * be NULL). CUST_ERR_INVALID with one line naming the address in `err`. */
cust_status cust_bech32_check_address(const char *addr, const char *hrp_want, char *hrp_out,
                                      size_t hrpcap, char *err, size_t errlen);
/* The Cosmos account of a public key (a compressed secp256k1 key, 33 bytes):
 * bech32(hrp, RIPEMD160(SHA256(key))), appended to `b`. CUST_ERR_INVALID for
 * a bad hrp, CUST_ERR_NOMEM. */
cust_status cust_bech32_account(cust_buf *b, const char *hrp, const unsigned char *key, size_t n);
/* base58btc (the Bitcoin alphabet, of did:key's multibase "z") of (in, len)
 * into out[cap]: CUST_ERR_INVALID for a character outside the alphabet,
 * CUST_ERR_LIMIT when the bytes do not fit. */
cust_status cust_base58_decode(const char *in, size_t len, unsigned char *out, size_t cap,
                               size_t *n);

/* Writes `url` to `out` (of `outlen` bytes, always NUL-terminated, cut to
 * fit) with its secrets hidden, for anything shown: status, metrics, logs,
 * errors. The user information of "scheme://user:pass@host" becomes "***@";
 * in the query string (and a path without a scheme), the value of every
 * parameter becomes "***" when `is_all` is set, else only the values of
 * parameters whose name suggests a secret (key, token, secret, pass, auth,
 * sig, credential, session). The fragment is dropped. Returns `out`. */
const char *cust_url_redact(const char *url, int is_all, char *out, size_t outlen);
/* Whether a query parameter `name` (of n bytes) suggests a secret. */
int cust_is_secret_name(const char *name, size_t n);

/* ---- hashing ------------------------------------------------------------ */

/* Mixes the bits of x (a 64-bit finaliser), for hash tables keyed by ids. */
static inline uint64_t cust_mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/* ---- time -------------------------------------------------------------- */

/* Monotonic milliseconds, for timeouts and rates. */
uint64_t cust_now_ms(void);

/* ---- RDF terms and quads ------------------------------------------------ */

typedef enum cust_term_kind {
  CUST_TERM_NONE = 0, /* absent: the default graph, or a wildcard in patterns */
  CUST_TERM_IRI,
  CUST_TERM_BLANK, /* value is the label without "_:" */
  CUST_TERM_LITERAL
} cust_term_kind;

/* A term. Strings are borrowed (usually from an arena) and NUL-terminated;
 * `len` is the byte length of `value` (literals may contain NUL bytes in
 * theory; everything here treats them as text). `lang` and `datatype` are
 * NULL for plain literals; at most one of them is set. */
typedef struct cust_term {
  cust_term_kind kind;
  const char *value;
  size_t len;
  const char *lang;
  const char *datatype;
} cust_term;

typedef struct cust_quad {
  cust_term s, p, o, g; /* g.kind == CUST_TERM_NONE: the default graph */
} cust_quad;

cust_term cust_term_iri(const char *iri);
cust_term cust_term_blank(const char *label);
cust_term cust_term_literal(const char *text, const char *lang, const char *datatype);
int cust_term_equal(const cust_term *a, const cust_term *b);
/* Total order used for sorted exports: kind, then value, then lang, datatype. */
int cust_term_compare(const cust_term *a, const cust_term *b);

/* Appends the N-Quads form of a term (`<iri>`, `_:b`, `"text"@en`,
 * `"1"^^<dt>`) with N-Triples escaping. */
cust_status cust_term_write_nt(cust_buf *b, const cust_term *t);
/* Appends one N-Quads line, with its final " .\n". */
cust_status cust_quad_write_nq(cust_buf *b, const cust_quad *q);

/* A callback that receives quads one by one; returning non-zero stops the
 * iteration (the caller then returns CUST_OK). The quad is borrowed for the
 * call only. */
typedef int (*cust_quad_fn)(void *ud, const cust_quad *q);

/* A read-only view of a graph store: `find` calls `fn` for every quad that
 * matches `pattern`, where a term of kind CUST_TERM_NONE is a wildcard (a
 * NONE graph means any graph). The store implements it; the mapper reads the
 * facts of earlier blocks through it without depending on the store. */
typedef struct cust_graph_view {
  void *ud;
  cust_status (*find)(void *ud, const cust_quad *pattern, cust_quad_fn fn, void *fn_ud);
} cust_graph_view;

/* ---- a batch of changes to the graph ------------------------------------ */

/* What the mapper produces for one block and the store applies in order, in
 * one transaction: additions, and removals of every quad matching (s, p, *, g)
 * (used for the "current" views, such as the status of an execution). */
typedef enum cust_change_kind {
  CUST_CHANGE_ADD = 0,
  CUST_CHANGE_REMOVE_SP /* remove every quad with this s, p in graph g */
} cust_change_kind;

typedef struct cust_change {
  cust_change_kind kind;
  cust_quad q;
} cust_change;

/* A list of changes whose strings live in `arena`. Embedded struct:
 * cust_changes_init/cust_changes_release. */
typedef struct cust_changes {
  cust_change *items;
  size_t len;
  size_t cap;
  cust_arena arena;
} cust_changes;

void cust_changes_init(cust_changes *c);
void cust_changes_release(cust_changes *c);
void cust_changes_reset(cust_changes *c);
/* Copies the quad's strings into the list's arena. */
cust_status cust_changes_add(cust_changes *c, const cust_quad *q);
cust_status cust_changes_remove_sp(cust_changes *c, const cust_term *s, const cust_term *p,
                                   const cust_term *g);
/* Drops every change from index `mark` on (to undo a half-mapped message). */
void cust_changes_truncate(cust_changes *c, size_t mark);

#endif
