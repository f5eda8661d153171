#pragma once
// The public register of assistants. An assistant is a named deployment: a model, the
// knowledge bases it answers from, its system prompt, and what a public body must say about
// it (purpose, legal basis, human oversight, AI Act risk class, contact, status...).
//
// The register is published in the fields of the public algorithm registers: the Dutch
// Algoritmeregister (publication standard, API v1.0 field names) and the UK Algorithmic
// Transparency Recording Standard (ATRS v3.0 attribute names). Each published assistant
// carries its own fields plus an "algoritmeregister" and an "atrs" object; the mapping is
// documented in src/governance/README.md. The HTML page for citizens is register_page.h.
//
// Validation (parse_assistant, validate_assistant) refuses, with every problem named:
//   - a missing name, organisation, model, purpose, legal basis, human oversight, contact;
//   - risk class "prohibited" (AI Act Article 5 practices cannot be deployed) or an unknown
//     one; an unknown status;
//   - an assistant in use without impact, data used, risks and mitigations or start date;
//   - a high-risk assistant without risks and mitigations or an impact assessment;
//   - an end date unless retired, a retired one without it, an end before the start;
//   - a contact that is neither an e-mail address nor an http(s) URL; a website that is not
//     an http(s) URL; dates that are not real YYYY-MM-DD dates; malformed language tags;
//   - unknown fields, wrong types, over-long texts, control characters.
//
// Thread-safety: pure functions over plain values.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "governance/model_card.h"

namespace souverain::governance {

// The AI Act's risk levels an assistant may have (Article 5 practices are refused).
enum class RiskClass { MINIMAL, LIMITED, HIGH };
enum class AssistantStatus { IN_DEVELOPMENT, IN_USE, RETIRED };

const char* risk_class_name(RiskClass risk);                // "minimal", "limited", "high"
const char* assistant_status_name(AssistantStatus status);  // "in_development", "in_use", "retired"

struct Assistant {
    std::string name;  // unique in a tenant's register
    std::string organisation;
    std::string model;  // the served model's name (its card is looked up by this name)
    std::vector<std::string> knowledge_bases;
    std::string system_prompt;
    bool publish_system_prompt = true;  // false: the register says it is not published
    std::string purpose;
    std::string impact;  // what it means for the people who use it or are affected
    std::string legal_basis;
    std::string human_oversight;
    RiskClass risk_class = RiskClass::MINIMAL;
    std::string risks_and_mitigations;
    std::string impact_assessment;  // DPIA, fundamental-rights impact assessment... with links
    std::string data_used;
    std::string contact;  // e-mail address or http(s) URL
    std::string website;  // optional page with more information
    AssistantStatus status = AssistantStatus::IN_DEVELOPMENT;
    std::vector<std::string> languages;  // BCP 47 tags: "lb", "fr", "de", "en"
    std::string version;
    std::string start_date;  // YYYY-MM-DD: in use since
    std::string end_date;    // YYYY-MM-DD: retired on
    // Set by the store (ISO 8601 UTC); read-only for administrators.
    std::string registered_at;
    std::string updated_at;
};

// Reads and validates an assistant written by an administrator (registered_at and
// updated_at are accepted and ignored).
Result<Assistant> parse_assistant(const nlohmann::json& json);
// The rules above for an assistant however it was made; every violation in one message.
Status validate_assistant(const Assistant& assistant);

// The assistant's own fields. `for_publication`: the system prompt is left out (null) when
// it is not to be published.
nlohmann::ordered_json assistant_json(const Assistant& assistant, bool for_publication);

// One published assistant with the card of its model, when one is known.
struct RegisterEntry {
    Assistant assistant;
    std::optional<ModelCard> model_card;
};

struct RegisterDocument {
    std::string tenant = "default";
    std::string generated_at;            // ISO 8601 UTC
    std::vector<RegisterEntry> entries;  // in the order they are shown (by name)
};

// The two standards' views of one entry (README: "Mapping to the public registers").
nlohmann::ordered_json algoritmeregister_json(const RegisterEntry& entry);
nlohmann::ordered_json atrs_json(const RegisterEntry& entry);

// The whole register as published by `register export --format json` and GET /v1/register.
nlohmann::ordered_json register_json(const RegisterDocument& document);

// One line describing the model for people who read registers ("Language model ... llama
// architecture, 1.1 billion parameters, Q4_K_M ..."); used by both standards' views.
std::string model_summary(const RegisterEntry& entry);

}  // namespace souverain::governance
