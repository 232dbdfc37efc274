/* The one vocabulary the code relies on: W3C terms and Custodian's own
 * normalised terms (cust:, prov:). Everything that depends on an ontology
 * version (OKP4 v3, Axone v4, v5 ...) is data: see ontology/\*.profile and
 * src/mapper/profile.c. Queries, custody, rewards and the dashboard speak
 * only what is defined here. */
#ifndef CUST_VOCAB_H
#define CUST_VOCAB_H

#define CUST_V_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define CUST_V_XSD "http://www.w3.org/2001/XMLSchema#"
#define CUST_V_CRED "https://www.w3.org/2018/credentials#"
#define CUST_V_SEC "https://w3id.org/security#"
#define CUST_V_PROV "http://www.w3.org/ns/prov#"
#define CUST_V_DCT "http://purl.org/dc/terms/"
#define CUST_V_CUST "https://w3id.org/custodian/ns#"

#define CUST_V_TYPE CUST_V_RDF "type"
#define CUST_V_XSD_INTEGER CUST_V_XSD "integer"
#define CUST_V_XSD_DATETIME CUST_V_XSD "dateTime"
#define CUST_V_VC CUST_V_CRED "VerifiableCredential"
#define CUST_V_SUBJECT CUST_V_CRED "credentialSubject"
#define CUST_V_ISSUER CUST_V_CRED "issuer"
#define CUST_V_ISSUANCE CUST_V_CRED "issuanceDate"
#define CUST_V_PROOF CUST_V_SEC "proof"

/* PROV-O, as the mapper derives it for every profile */
#define CUST_V_ACTIVITY CUST_V_PROV "Activity"
#define CUST_V_USED CUST_V_PROV "used"
#define CUST_V_GENERATED CUST_V_PROV "generated"
#define CUST_V_GENERATED_BY CUST_V_PROV "wasGeneratedBy"
#define CUST_V_DERIVED_FROM CUST_V_PROV "wasDerivedFrom"
#define CUST_V_ASSOCIATED CUST_V_PROV "wasAssociatedWith"
#define CUST_V_ATTRIBUTED CUST_V_PROV "wasAttributedTo"
#define CUST_V_STARTED CUST_V_PROV "startedAtTime"
#define CUST_V_ENDED CUST_V_PROV "endedAtTime"
#define CUST_V_TITLE CUST_V_DCT "title"
#define CUST_V_LICENSE CUST_V_DCT "license"

/* Custodian's normalised classes and properties */
#define CUST_V_DATASET CUST_V_CUST "Dataset"
#define CUST_V_SERVICE CUST_V_CUST "DigitalService"
#define CUST_V_STORAGE_SERVICE CUST_V_CUST "StorageService"
#define CUST_V_ZONE CUST_V_CUST "Zone"
#define CUST_V_ORDER CUST_V_CUST "ExecutionOrder"
#define CUST_V_EXECUTION CUST_V_CUST "Execution"
#define CUST_V_EXECUTION_OF CUST_V_CUST "executionOf"
#define CUST_V_PART_OF CUST_V_CUST "partOfExecution"
#define CUST_V_EVIDENCE CUST_V_CUST "evidence"
#define CUST_V_IN_ZONE CUST_V_CUST "inZone"
#define CUST_V_SERVED_BY CUST_V_CUST "servedBy"
#define CUST_V_CATEGORY CUST_V_CUST "category"
#define CUST_V_PAYER CUST_V_CUST "payer"
#define CUST_V_STATUS CUST_V_CUST "status"
#define CUST_V_REPORTED_STATUS CUST_V_CUST "reportedStatus"
#define CUST_V_REPORTED_AT CUST_V_CUST "reportedAt"
#define CUST_V_PARAMETER CUST_V_CUST "parameter"
#define CUST_V_PROFILE CUST_V_CUST "profile"
#define CUST_V_IN_EXECUTION CUST_V_CUST "InExecution"
#define CUST_V_DELIVERED CUST_V_CUST "Delivered"
#define CUST_V_FAILED CUST_V_CUST "Failed"
#define CUST_V_CANCELLED CUST_V_CUST "Cancelled"

/* the ledger */
#define CUST_V_TRANSACTION CUST_V_CUST "Transaction"
#define CUST_V_SUBMITTED_IN CUST_V_CUST "submittedIn"
#define CUST_V_REVOKED_IN CUST_V_CUST "revokedIn"
#define CUST_V_REJECTION CUST_V_CUST "Rejection"
#define CUST_V_FAILED_SUBMISSION CUST_V_CUST "FailedSubmission"
#define CUST_V_HEIGHT CUST_V_CUST "height"
#define CUST_V_TX_INDEX CUST_V_CUST "txIndex"
#define CUST_V_MSG_INDEX CUST_V_CUST "msgIndex"
#define CUST_V_INNER_INDEX CUST_V_CUST "innerIndex"
#define CUST_V_BLOCK_TIME CUST_V_CUST "blockTime"
#define CUST_V_CONTRACT CUST_V_CUST "contract"
#define CUST_V_SENDER CUST_V_CUST "sender"
#define CUST_V_LOCKED_AMOUNT CUST_V_CUST "lockedAmount"
#define CUST_V_LOCKED_DENOM CUST_V_CUST "lockedDenom"

/* IRIs under this prefix belong to the project: no credential may use them. */
#define CUST_V_RESERVED "https://w3id.org/custodian/"

#endif
