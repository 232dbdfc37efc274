# OKP4 ontology v3 (tag v3.0.0, 2024-03), also published as v2 and re-hosted
# as axone v3: the same schemas under three bases. Its execution model is the
# execution order and the execution result of digital-service/; it has no
# consumed/produced properties: parameters and outcomes whose schema:value is
# an IRI are read as consumed and produced, and the executed service (the
# result's subject) is consumed as well.
profile okp4-v3
base https://w3id.org/okp4/ontology/v3/
base https://w3id.org/okp4/ontology/v2/
base https://w3id.org/axone/ontology/v3/

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

class order schema/credential/digital-service/execution-order/DigitalServiceExecutionOrderCredential
role order schema/credential/digital-service/execution-order/executedBy
role zone schema/credential/digital-service/execution-order/inZone
role placed schema/credential/digital-service/execution-order/placedOn
role parameter schema/credential/digital-service/execution-order/withParameter
role value http://schema.org/value

class execution schema/credential/digital-service/execution-result/DigitalServiceExecutionResultCredential
role execution schema/credential/digital-service/execution-result/hasExecutionResult
role status schema/credential/digital-service/execution-result/hasExecutionStatus
role agent schema/credential/digital-service/execution-result/operatedBy
role execution-of schema/credential/digital-service/execution-result/relatedToExecutionOrder
role time schema/credential/digital-service/execution-result/hasExecutionTime
role parameter schema/credential/digital-service/execution-result/withParameter
role outcome schema/credential/digital-service/execution-result/withOutcome
role value http://schema.org/value
subject consumed

status Delivered thesaurus/digital-service-execution-status/Delivered
status Failed thesaurus/digital-service-execution-status/Failed
status Cancelled thesaurus/digital-service-execution-status/Cancelled
storage thesaurus/digital-service-category/Storage
