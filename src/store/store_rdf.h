/* The store through Redland: the librdf world and model over a handle's
 * file. Apart from store.h, so that only the code that reads the store with
 * librdf includes Redland's headers. */
#ifndef CUST_STORE_RDF_H
#define CUST_STORE_RDF_H

#include <redland.h>

#include "store/store.h"

/* The librdf world and model over this handle's file. Borrowed: valid until
 * cust_store_close. Made on first call (NULL on failure, logged). librdf
 * opens the file with its own SQLite connection. */
librdf_world *cust_store_rdf_world(cust_store *s);
librdf_model *cust_store_rdf_model(cust_store *s);

#endif
