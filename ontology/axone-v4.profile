# Axone ontology v4 (tag v4.0.0, 2024-08) and axone vnext, what the Axone
# testnet carries: the okp4 vnext schemas under the axone base, plus zone
# memberships and governance declarations (axone vnext).
profile axone-v4
base https://w3id.org/axone/ontology/v4/
base https://w3id.org/axone/ontology/vnext/

class dataset schema/credential/dataset/description/DatasetDescriptionCredential
role title schema/credential/dataset/description/hasTitle
role description schema/credential/dataset/description/hasDescription

class service schema/credential/digital-service/description/DigitalServiceDescriptionCredential
role title schema/credential/digital-service/description/hasTitle
role description schema/credential/digital-service/description/hasDescription
role category schema/credential/digital-service/description/hasCategory

class zone schema/credential/zone/description/ZoneDescriptionCredential
role title schema/credential/zone/description/hasTitle
role description schema/credential/zone/description/hasDescription

class rights schema/credential/digital-resource/rights/DigitalResourceRightsCredential
role licence schema/credential/digital-resource/rights/hasLicense

class governance schema/credential/governance/text/GovernanceTextCredential
role governed-by schema/credential/governance/text/isGovernedBy

class publication schema/credential/digital-resource/publication/DigitalResourcePublicationCredential
role served-by schema/credential/digital-resource/publication/servedBy
role identifier schema/credential/digital-resource/publication/hasIdentifier

class authentication schema/credential/digital-service/authentication/DigitalServiceAuthenticationCredential
role to-service schema/credential/digital-service/authentication/toService

class order schema/credential/orchestration-service/execution-order/OrchestrationServiceExecutionOrderCredential
role order schema/credential/orchestration-service/execution-order/hasExecutionOrder
role zone schema/credential/orchestration-service/execution-order/inZone
role placed schema/credential/orchestration-service/execution-order/placedOn
role parameter schema/credential/orchestration-service/execution-order/withParameter
role value http://schema.org/value

# early okp4 vnext (2024-03-22 to 03-27) put executionOf and the status on
# the subject: the mapper looks on the execution first, then on the subject
class execution schema/credential/orchestration-service/execution/OrchestrationServiceExecutionCredential
role execution schema/credential/orchestration-service/execution/hasExecution
role execution-of schema/credential/orchestration-service/execution/executionOf
role consumed schema/credential/orchestration-service/execution/hasConsumedResource
role produced schema/credential/orchestration-service/execution/hasProducedResource
role status schema/credential/orchestration-service/execution/hasExecutionStatus
role time schema/credential/orchestration-service/execution/hasExecutionTime
role evidence schema/credential/orchestration-service/execution/hasExecutionEvidence
role part-of schema/credential/orchestration-service/execution/partOfExecution

class membership schema/credential/zone/membership/ZoneMembershipCredential
role member schema/credential/zone/membership/forResource
role zone schema/credential/zone/membership/inZone
role membership schema/credential/zone/membership/hasMembershipRole

class governance schema/credential/governance/declaration/GovernanceDeclarationCredential
role governed-by schema/credential/governance/declaration/isGovernedBy

status InExecution thesaurus/digital-service-execution-status/InExecution
status Delivered thesaurus/digital-service-execution-status/Delivered
status Failed thesaurus/digital-service-execution-status/Failed
status Cancelled thesaurus/digital-service-execution-status/Cancelled
storage thesaurus/digital-service-category/Storage
