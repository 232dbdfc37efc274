/* libFuzzer target of the native SPARQL parser: sq_parse on the input as
 * query text, then the SSE writer and a substitution on what parses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sparql/algebra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  sq_query *q = NULL;
  sq_parse_error err;
  if (text == NULL) {
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  if (sq_parse(text, "http://example.org/base/", &q, &err) == CUST_OK) {
    cust_buf b;
    cust_term v = cust_term_literal("1", NULL, "http://www.w3.org/2001/XMLSchema#integer");
    cust_buf_init(&b);
    sq_query_write_sse(&b, q);
    cust_buf_release(&b);
    for (size_t k = 0; k < q->nvars; k++) {
      if (!q->vars[k].is_hidden) {
        sq_query_substitute(q, q->vars[k].name, &v);
        break;
      }
    }
  } else if (err.line == 0 || err.col == 0 || err.message[0] == '\0') {
    abort(); /* every refusal says where and why */
  }
  sq_query_free(q);
  free(text);
  return 0;
}
