# Axone ontology v5 (tag v5.0.0, 2026-06): two classes under schema/core/.
# An assertion is one statement (subject, predicate, object) within a scope;
# Custodian writes it as the triple itself, gives PROV-O predicates their
# custody role and reads the scope as the zone. A profile only labels its
# subject. Classes under axone vnext's schema/core/ are v5 as well.
profile axone-v5
base https://w3id.org/axone/ontology/v5/
base https://w3id.org/axone/ontology/vnext/

class assertion schema/core/assertion/AssertionCredential
role subject schema/core/assertion/subject
role predicate schema/core/assertion/predicate
role object schema/core/assertion/object
role scope schema/core/assertion/scope
role evidence schema/core/assertion/supportingEvidence

class profile schema/core/profile/ProfileCredential
role title http://schema.org/name
role description http://schema.org/description

# Custodian's reading: an asserted rdf:type among these makes the subject a
# dataset, a service, a storage service or a zone
# (schema.org and DCAT classes, and Custodian's own) for custody and rewards
type dataset http://www.w3.org/ns/dcat#Dataset
type dataset http://schema.org/Dataset
type service http://schema.org/SoftwareApplication
type service http://schema.org/Service
type storage http://schema.org/DataCatalog
type dataset https://w3id.org/custodian/ns#Dataset
type service https://w3id.org/custodian/ns#DigitalService
type storage https://w3id.org/custodian/ns#StorageService
type zone https://w3id.org/custodian/ns#Zone

# v5 has no status thesaurus; reports may use schema.org's action statuses
status InExecution http://schema.org/ActiveActionStatus
status Delivered http://schema.org/CompletedActionStatus
status Failed http://schema.org/FailedActionStatus
