/* The devnet's fixed parameters: the PRNG, contract addresses (bech32), block
 * times from a fixed genesis, and what the embedded OKP4 credentials say. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "devnet_int.h"

/* 2024-05-22T10:00:00Z: block 1; blocks are 5 s apart plus a sub-second
 * jitter, so times never depend on the wall clock. */
#define GENESIS_UNIX 1716372000
#define BLOCK_SECONDS 5

uint64_t cust_devnet_mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t cust_devnet_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  uint64_t h = cust_devnet_mix(seed ^ 0x6375737464657631ull);
  h = cust_devnet_mix(h ^ a);
  h = cust_devnet_mix(h ^ b);
  h = cust_devnet_mix(h ^ c);
  return cust_devnet_mix(h ^ d);
}

void cust_devnet_bech32(const char *hrp, const unsigned char *data, size_t n, char *out,
                        size_t outlen) {
  cust_buf b;
  cust_buf_init(&b);
  if (outlen == 0) {
    return;
  }
  out[0] = '\0';
  if (cust_bech32_encode(&b, hrp, data, n) == CUST_OK && b.len < outlen) {
    memcpy(out, b.data, b.len + 1);
  }
  cust_buf_release(&b);
}

void cust_devnet_block_instant(const cust_devnet_world *w, uint64_t height, int64_t *sec,
                               uint32_t *nsec) {
  uint64_t h = height == 0 ? 1 : height;
  *sec = (int64_t)GENESIS_UNIX + (int64_t)((h - 1) * BLOCK_SECONDS);
  *nsec = (uint32_t)(cust_devnet_hash(w->seed, 0x74696d65, h, 0, 0) % 1000000000u);
}

void cust_devnet_block_time(const cust_devnet_world *w, uint64_t height, char out[40]) {
  int64_t sec = 0;
  uint32_t nsec = 0;
  cust_devnet_block_instant(w, height, &sec, &nsec);
  time_t t = (time_t)sec;
  struct tm tm;
  gmtime_r(&t, &tm);
  char day[24] = "";
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 40, "%.20s.%09uZ", day, nsec % 1000000000u);
}

int cust_devnet_is_proof_line(const char *line, size_t n) {
  static const char tail[] = " _:b0 .";
  static const char link[] = "security#proof> _:b0 .";
  size_t tl = sizeof tail - 1, ll = sizeof link - 1;
  if (n < tl || memcmp(line + n - tl, tail, tl) != 0) {
    return 0;
  }
  return !(n >= ll && memcmp(line + n - ll, link, ll) == 0);
}

static void contract_address(const cust_devnet_world *w, const char *what, char *out,
                             size_t outlen) {
  char in[256];
  unsigned char digest[32];
  int n = snprintf(in, sizeof in, "custodian-devnet:%s:%s", what, w->chain_id);
  cust_sha256((const unsigned char *)in, (size_t)n, digest);
  cust_devnet_bech32(w->prefix, digest, sizeof digest, out, outlen);
}

static const char *const contract_names[] = { "okp4-dataverse-v5", "axone-dataverse-v6",
                                              "axone-dataverse-v8" };

cust_status cust_devnet_contract_parse(const char *name, cust_devnet_contract *out) {
  for (int i = 0; i < 3; i++) {
    if (name != NULL && strcmp(name, contract_names[i]) == 0) {
      *out = (cust_devnet_contract)i;
      return CUST_OK;
    }
  }
  return CUST_ERR_INVALID;
}

const char *cust_devnet_contract_name(cust_devnet_contract c) {
  return (unsigned)c < 3 ? contract_names[c] : "unknown";
}

void cust_devnet_world_contract(cust_devnet_world *w, cust_devnet_contract contract) {
  w->contract = contract;
  w->prefix = contract == CUST_CONTRACT_OKP4_V5 ? "okp4" : "axone";
  w->denom = contract == CUST_CONTRACT_OKP4_V5 ? "uknow" : "uaxone";
  contract_address(w, "dataverse", w->dataverse, sizeof w->dataverse);
  contract_address(w, "cognitarium", w->cognitarium, sizeof w->cognitarium);
  contract_address(w, "dataverse-2", w->decoy, sizeof w->decoy);
  contract_address(w, "cw20", w->cw20, sizeof w->cw20);
  contract_address(w, "law-stone", w->lawstone, sizeof w->lawstone);
}

/* Copies the IRI between '<' and '>' that starts at p. */
static int copy_iri(const char *p, const char *end, char *out, size_t outlen) {
  if (p >= end || *p != '<') {
    return -1;
  }
  const char *q = memchr(p, '>', (size_t)(end - p));
  if (q == NULL || (size_t)(q - p - 1) >= outlen) {
    return -1;
  }
  memcpy(out, p + 1, (size_t)(q - p - 1));
  out[q - p - 1] = '\0';
  return 0;
}

#define RDF_TYPE "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
#define VC_CLASS "<https://www.w3.org/2018/credentials#VerifiableCredential>"
#define VC_SUBJECT "<https://www.w3.org/2018/credentials#credentialSubject> "
#define VC_ISSUER "<https://www.w3.org/2018/credentials#issuer> "

/* Finds the credential IRI, type, subject and issuer of a fixture, by lines. */
static int scan_fixture(const cust_devnet_fixture *fx, cust_devnet_fixinfo *fi) {
  memset(fi, 0, sizeof *fi);
  fi->fx = fx;
  const char *p = fx->text, *end = fx->text + fx->len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL) {
      eol = end;
    }
    const char *sp = memchr(p, ' ', (size_t)(eol - p));
    if (sp != NULL) {
      const char *pred = sp + 1;
      size_t rest = (size_t)(eol - pred);
      if (rest > strlen(RDF_TYPE) && memcmp(pred, RDF_TYPE, strlen(RDF_TYPE)) == 0) {
        const char *obj = pred + strlen(RDF_TYPE);
        if ((size_t)(eol - obj) >= strlen(VC_CLASS) &&
            memcmp(obj, VC_CLASS, strlen(VC_CLASS)) == 0) {
          copy_iri(p, sp, fi->iri, sizeof fi->iri);
        } else if (p[0] == '<' && fi->type[0] == '\0' &&
                   memmem(obj, (size_t)(eol - obj), "Credential>", 11) != NULL) {
          copy_iri(obj, eol, fi->type, sizeof fi->type);
        }
      } else if (rest > strlen(VC_SUBJECT) && memcmp(pred, VC_SUBJECT, strlen(VC_SUBJECT)) == 0) {
        copy_iri(pred + strlen(VC_SUBJECT), eol, fi->subject, sizeof fi->subject);
      } else if (rest > strlen(VC_ISSUER) && memcmp(pred, VC_ISSUER, strlen(VC_ISSUER)) == 0) {
        copy_iri(pred + strlen(VC_ISSUER), eol, fi->issuer, sizeof fi->issuer);
      }
      if (!cust_devnet_is_proof_line(p, (size_t)(eol - p))) {
        fi->quads++;
      }
    }
    p = eol + 1;
  }
  return fi->iri[0] && fi->type[0] && fi->subject[0] && fi->issuer[0] ? 0 : -1;
}

static int find_fixture(const cust_devnet_world *w, const char *name) {
  for (int i = 0; i < CUST_DEVNET_NFIX; i++) {
    if (w->fix[i].fx != NULL && strcmp(w->fix[i].fx->name, name) == 0) {
      return i;
    }
  }
  return -1;
}

cust_status cust_devnet_world_init(cust_devnet_world *w, uint64_t seed, uint64_t scale,
                                   const char *chain_id) {
  memset(w, 0, sizeof *w);
  w->seed = seed;
  w->scale = scale == 0 ? 1 : scale;
  snprintf(w->chain_id, sizeof w->chain_id, "%s", chain_id);
  cust_devnet_world_contract(w, CUST_CONTRACT_AXONE_V8);
  int n = 0;
  for (const cust_devnet_fixture *fx = cust_devnet_fixtures; fx->name != NULL; fx++) {
    if (n == CUST_DEVNET_NFIX || scan_fixture(fx, &w->fix[n]) != 0) {
      return CUST_ERR_INTERNAL;
    }
    n++;
  }
  if (n != CUST_DEVNET_NFIX) {
    return CUST_ERR_INTERNAL;
  }
  w->fix_zone = find_fixture(w, "collab-ai-zone-description.nq");
  w->fix_zone_gov = find_fixture(w, "collab-ai-zone-governance.nq");
  w->fix_dataset = find_fixture(w, "crime-dataset-description.nq");
  w->fix_dataset_gov = find_fixture(w, "crime-dataset-governance.nq");
  w->fix_storage = find_fixture(w, "ipfs-digital-service-description.nq");
  if (w->fix_zone < 0 || w->fix_zone_gov < 0 || w->fix_dataset < 0 || w->fix_dataset_gov < 0 ||
      w->fix_storage < 0) {
    return CUST_ERR_INTERNAL;
  }
  return CUST_OK;
}
