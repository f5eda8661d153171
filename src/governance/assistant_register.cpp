#include "governance/assistant_register.h"

#include <cctype>
#include <cstdio>

#include "engine/unicode.h"
#include "governance/pii_check_digits.h"
#include "governance/record_reader.h"

namespace souverain::governance {

namespace {

using ojson = nlohmann::ordered_json;

constexpr size_t kNameMax = 100;  // the Algoritmeregister's limit for a name
constexpr size_t kLineMax = 200;
constexpr size_t kTextMax = 5000;
constexpr size_t kLongTextMax = 20000;
constexpr size_t kSystemPromptMax = 100000;
constexpr size_t kUrlMax = 2000;
constexpr size_t kDescriptionShortChars = 350;  // Algoritmeregister: "Korte omschrijving"

bool blank(const std::string& text) {
    for (unsigned char c : text) {
        if (!std::isspace(c)) return false;
    }
    return true;
}

bool has_space(const std::string& text) {
    for (unsigned char c : text) {
        if (std::isspace(c)) return true;
    }
    return false;
}

bool is_email(const std::string& text) {
    const size_t at = text.find('@');
    if (at == std::string::npos || at == 0 || text.find('@', at + 1) != std::string::npos) {
        return false;
    }
    if (has_space(text)) return false;
    const std::string domain = text.substr(at + 1);
    const size_t dot = domain.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == domain.size()) return false;
    for (unsigned char c : domain) {
        if (!(std::isalnum(c) || c == '.' || c == '-' || c >= 0x80)) return false;
    }
    return true;
}

bool is_http_url(const std::string& text) {
    for (const char* scheme : {"https://", "http://"}) {
        const std::string prefix = scheme;
        if (text.rfind(prefix, 0) == 0 && text.size() > prefix.size() && !has_space(text) &&
            text.find_first_of("<>\"'`") == std::string::npos) {
            return true;
        }
    }
    return false;
}

bool is_date(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (size_t idx : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (!std::isdigit((unsigned char)text[idx])) return false;
    }
    return is_valid_date(std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)),
                         std::stoi(text.substr(8, 2)));
}

// A BCP 47 tag as registers use them: a 2-3 letter language, then subtags ("de-LU").
bool is_language_tag(const std::string& tag) {
    size_t pos = 0;
    size_t primary = 0;
    while (pos < tag.size() && std::isalpha((unsigned char)tag[pos])) ++pos, ++primary;
    if (primary < 2 || primary > 3) return false;
    while (pos < tag.size()) {
        if (tag[pos] != '-') return false;
        size_t length = 0;
        ++pos;
        while (pos < tag.size() && std::isalnum((unsigned char)tag[pos])) ++pos, ++length;
        if (length < 1 || length > 8) return false;
    }
    return true;
}

std::string month_of(const std::string& date) {
    return date.size() >= 7 ? date.substr(0, 7) : std::string();
}

std::string date_of(const std::string& timestamp) {
    return timestamp.size() >= 10 ? timestamp.substr(0, 10) : timestamp;
}

ojson text_or_null(const std::string& text) {
    return blank(text) ? ojson(nullptr) : ojson(text);
}

// At most `max_chars` characters, cut after a whole word with an ellipsis when shortened.
std::string shorten(const std::string& text, size_t max_chars) {
    std::vector<uint32_t> cpts = unicode::utf8_to_codepoints(text);
    if (cpts.size() <= max_chars) return text;
    size_t cut = max_chars - 1;
    while (cut > max_chars / 2 && cpts[cut] != ' ' && cpts[cut] != '\n') --cut;
    if (cpts[cut] != ' ' && cpts[cut] != '\n') cut = max_chars - 1;  // one very long word
    while (cut > 0 && (cpts[cut - 1] == ' ' || cpts[cut - 1] == '\n' || cpts[cut - 1] == ',')) {
        --cut;
    }
    std::string out;
    for (size_t idx = 0; idx < cut; ++idx) unicode::utf8_append(out, cpts[idx]);
    return out + "\u2026";
}

// The first sentence (up to ". "), or the text shortened.
std::string first_sentence(const std::string& text, size_t max_chars) {
    const size_t end = text.find_first_of(".\n");
    std::string sentence = end == std::string::npos ? text : text.substr(0, end + 1);
    while (!sentence.empty() && (sentence.back() == '\n' || sentence.back() == ' ')) {
        sentence.pop_back();
    }
    return shorten(sentence, max_chars);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

std::string group_digits(uint64_t value) {
    std::string digits = std::to_string(value);
    std::string out;
    for (size_t idx = 0; idx < digits.size(); ++idx) {
        if (idx > 0 && (digits.size() - idx) % 3 == 0) out += ',';
        out += digits[idx];
    }
    return out;
}

}  // namespace

const char* risk_class_name(RiskClass risk) {
    switch (risk) {
        case RiskClass::LIMITED:
            return "limited";
        case RiskClass::HIGH:
            return "high";
        case RiskClass::MINIMAL:
            break;
    }
    return "minimal";
}

const char* assistant_status_name(AssistantStatus status) {
    switch (status) {
        case AssistantStatus::IN_USE:
            return "in_use";
        case AssistantStatus::RETIRED:
            return "retired";
        case AssistantStatus::IN_DEVELOPMENT:
            break;
    }
    return "in_development";
}

Result<Assistant> parse_assistant(const nlohmann::json& json) {
    if (!json.is_object()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "assistant: expected a JSON object");
    }
    RecordReader reader(json, "assistant");
    Assistant a;
    SOUVERAIN_TRY(reader.text("name", a.name, kNameMax, false));
    SOUVERAIN_TRY(reader.text("organisation", a.organisation, kLineMax, false));
    SOUVERAIN_TRY(reader.text("model", a.model, kLineMax, false));
    SOUVERAIN_TRY(reader.text_list("knowledge_bases", a.knowledge_bases, 64, kLineMax));
    SOUVERAIN_TRY(reader.text("system_prompt", a.system_prompt, kSystemPromptMax, true));
    SOUVERAIN_TRY(reader.boolean("publish_system_prompt", a.publish_system_prompt));
    SOUVERAIN_TRY(reader.text("purpose", a.purpose, kTextMax, true));
    SOUVERAIN_TRY(reader.text("impact", a.impact, kTextMax, true));
    SOUVERAIN_TRY(reader.text("legal_basis", a.legal_basis, kTextMax, true));
    SOUVERAIN_TRY(reader.text("human_oversight", a.human_oversight, kTextMax, true));
    std::string risk;
    SOUVERAIN_TRY(reader.text("risk_class", risk, 64, false));
    SOUVERAIN_TRY(
        reader.text("risks_and_mitigations", a.risks_and_mitigations, kLongTextMax, true));
    SOUVERAIN_TRY(reader.text("impact_assessment", a.impact_assessment, kTextMax, true));
    SOUVERAIN_TRY(reader.text("data_used", a.data_used, kTextMax, true));
    SOUVERAIN_TRY(reader.text("contact", a.contact, 320, false));
    SOUVERAIN_TRY(reader.text("website", a.website, kUrlMax, false));
    std::string status;
    SOUVERAIN_TRY(reader.text("status", status, 64, false));
    SOUVERAIN_TRY(reader.text_list("languages", a.languages, 32, 35));
    SOUVERAIN_TRY(reader.text("version", a.version, kNameMax, false));
    SOUVERAIN_TRY(reader.text("start_date", a.start_date, 64, false));
    SOUVERAIN_TRY(reader.text("end_date", a.end_date, 64, false));
    reader.ignore("registered_at");
    reader.ignore("updated_at");
    SOUVERAIN_TRY(reader.finish());

    std::vector<std::string> problems;
    if (risk == "prohibited") {
        problems.push_back(
            "risk_class 'prohibited': AI practices prohibited by Article 5 of the AI Act cannot "
            "be deployed, so they cannot be registered");
    } else if (risk == "minimal") {
        a.risk_class = RiskClass::MINIMAL;
    } else if (risk == "limited") {
        a.risk_class = RiskClass::LIMITED;
    } else if (risk == "high") {
        a.risk_class = RiskClass::HIGH;
    } else if (risk.empty()) {
        problems.push_back("field 'risk_class' is required (minimal, limited or high)");
    } else {
        problems.push_back("field 'risk_class' must be minimal, limited or high (got '" + risk +
                           "')");
    }
    if (status == "in_development") {
        a.status = AssistantStatus::IN_DEVELOPMENT;
    } else if (status == "in_use") {
        a.status = AssistantStatus::IN_USE;
    } else if (status == "retired") {
        a.status = AssistantStatus::RETIRED;
    } else if (status.empty()) {
        problems.push_back("field 'status' is required (in_development, in_use or retired)");
    } else {
        problems.push_back("field 'status' must be in_development, in_use or retired (got '" +
                           status + "')");
    }
    Status rules = validate_assistant(a);
    if (!rules) problems.push_back(rules.error().message);
    if (!problems.empty()) {
        std::string label = blank(a.name) ? "assistant" : "assistant '" + a.name + "'";
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          label + " is not valid: " + join(problems, "; "));
    }
    return a;
}

Status validate_assistant(const Assistant& a) {
    std::vector<std::string> problems;
    auto require = [&](const std::string& value, const char* field, const char* why = nullptr) {
        if (!blank(value)) return;
        std::string message = std::string("field '") + field + "' is required";
        if (why != nullptr) message += std::string(" ") + why;
        problems.push_back(std::move(message));
    };
    require(a.name, "name");
    require(a.organisation, "organisation");
    require(a.model, "model");
    require(a.purpose, "purpose");
    require(a.legal_basis, "legal_basis");
    require(a.human_oversight, "human_oversight");
    require(a.contact, "contact");
    if (a.status == AssistantStatus::IN_USE) {
        require(a.impact, "impact", "for an assistant in use");
        require(a.data_used, "data_used", "for an assistant in use");
        require(a.risks_and_mitigations, "risks_and_mitigations", "for an assistant in use");
        require(a.start_date, "start_date", "for an assistant in use");
    }
    if (a.risk_class == RiskClass::HIGH) {
        require(a.risks_and_mitigations, "risks_and_mitigations", "for a high-risk assistant");
        require(a.impact_assessment, "impact_assessment",
                "for a high-risk assistant (AI Act Articles 26 and 27)");
    }
    if (!blank(a.contact) && !is_email(a.contact) && !is_http_url(a.contact)) {
        problems.push_back("field 'contact' must be an e-mail address or an http(s) URL (got '" +
                           a.contact + "')");
    }
    if (!a.website.empty() && !is_http_url(a.website)) {
        problems.push_back("field 'website' must be an http(s) URL (got '" + a.website + "')");
    }
    for (auto [value, field] :
         {std::pair{&a.start_date, "start_date"}, std::pair{&a.end_date, "end_date"}}) {
        if (!value->empty() && !is_date(*value)) {
            problems.push_back(std::string("field '") + field +
                               "' must be a date written YYYY-MM-DD (got '" + *value + "')");
        }
    }
    if (a.status == AssistantStatus::RETIRED && a.end_date.empty()) {
        problems.push_back("field 'end_date' is required for a retired assistant");
    }
    if (a.status != AssistantStatus::RETIRED && !a.end_date.empty()) {
        problems.push_back("field 'end_date' is only for a retired assistant");
    }
    if (is_date(a.start_date) && is_date(a.end_date) && a.end_date < a.start_date) {
        problems.push_back("field 'end_date' is before 'start_date'");
    }
    for (const std::string& tag : a.languages) {
        if (!is_language_tag(tag)) {
            problems.push_back("field 'languages' holds '" + tag +
                               "', which is not a language tag such as \"fr\" or \"de-LU\"");
        }
    }
    if (problems.empty()) return Status::success();
    return make_error(ErrorCode::INVALID_ARGUMENT, join(problems, "; "));
}

nlohmann::ordered_json assistant_json(const Assistant& a, bool for_publication) {
    ojson out;
    out["name"] = a.name;
    out["organisation"] = a.organisation;
    out["model"] = a.model;
    out["knowledge_bases"] = a.knowledge_bases;
    out["system_prompt"] =
        for_publication && !a.publish_system_prompt ? ojson(nullptr) : ojson(a.system_prompt);
    out["publish_system_prompt"] = a.publish_system_prompt;
    out["purpose"] = a.purpose;
    out["impact"] = a.impact;
    out["legal_basis"] = a.legal_basis;
    out["human_oversight"] = a.human_oversight;
    out["risk_class"] = risk_class_name(a.risk_class);
    out["risks_and_mitigations"] = a.risks_and_mitigations;
    out["impact_assessment"] = a.impact_assessment;
    out["data_used"] = a.data_used;
    out["contact"] = a.contact;
    out["website"] = a.website;
    out["status"] = assistant_status_name(a.status);
    out["languages"] = a.languages;
    out["version"] = a.version;
    out["start_date"] = text_or_null(a.start_date);
    out["end_date"] = text_or_null(a.end_date);
    out["registered_at"] = text_or_null(a.registered_at);
    out["updated_at"] = text_or_null(a.updated_at);
    return out;
}

std::string model_summary(const RegisterEntry& entry) {
    const Assistant& a = entry.assistant;
    if (!entry.model_card) {
        return "Language model \"" + a.model + "\" (no model card recorded).";
    }
    const ModelCard& card = *entry.model_card;
    const ModelFacts& facts = card.facts;
    std::string out = "Language model \"" + a.model + "\"";
    if (!facts.gguf.name.empty() && facts.gguf.name != a.model) out += " (" + facts.gguf.name + ")";
    out += ", served on the organisation's own servers from the file " + facts.file_name;
    if (!facts.sha256.empty()) out += " (SHA-256 " + facts.sha256 + ")";
    out += ": " + (facts.architecture.empty() ? std::string("unknown") : facts.architecture) +
           " architecture, " + group_digits(facts.n_parameters) + " parameters";
    if (!facts.file_type.empty()) out += ", quantized " + facts.file_type;
    if (facts.context_length > 0) {
        out += ", context of " + group_digits((uint64_t)facts.context_length) + " tokens";
    }
    out += ".";
    if (!facts.gguf.license.empty()) out += " Licence: " + facts.gguf.license + ".";
    if (card.admin) {
        out += std::string(" Openness: ") + openness_level_name(card.admin->openness_level) + ".";
    }
    return out;
}

nlohmann::ordered_json algoritmeregister_json(const RegisterEntry& entry) {
    const Assistant& a = entry.assistant;
    static const char* const kStatus[] = {"In ontwikkeling", "In gebruik", "Buiten gebruik"};
    std::string goal = a.purpose;
    if (!blank(a.impact)) goal += "\n\n" + a.impact;
    std::string source_data = a.data_used;
    if (!a.knowledge_bases.empty()) {
        source_data += (blank(source_data) ? "" : "\n\n") + std::string("Knowledge bases: ") +
                       join(a.knowledge_bases, ", ") + ".";
    }
    ojson out;
    out["name"] = a.name;
    out["organization"] = a.organisation;
    out["description_short"] = shorten(a.purpose, kDescriptionShortChars);
    out["status"] = kStatus[(int)a.status];
    out["begin_date"] = text_or_null(month_of(a.start_date));
    out["end_date"] = text_or_null(month_of(a.end_date));
    out["contact_email"] = is_email(a.contact) ? ojson(a.contact) : ojson(nullptr);
    std::string website = a.website;
    if (website.empty() && is_http_url(a.contact)) website = a.contact;
    out["website"] = text_or_null(website);
    out["publication_category"] =
        a.risk_class == RiskClass::HIGH ? "Hoog-risico AI-systeem" : "Overige algoritmes";
    out["goal"] = goal;
    out["human_intervention"] = a.human_oversight;
    out["risks"] = text_or_null(a.risks_and_mitigations);
    out["lawful_basis"] = a.legal_basis;
    out["impacttoetsen"] = text_or_null(a.impact_assessment);
    out["source_data"] = text_or_null(source_data);
    out["methods_and_models"] = model_summary(entry);
    return out;
}

nlohmann::ordered_json atrs_json(const RegisterEntry& entry) {
    const Assistant& a = entry.assistant;
    static const char* const kPhase[] = {"Development", "Production", "Retired"};
    ojson out;
    // Metadata and title information (0.x)
    out["title"] = a.name;
    out["organisation_name"] = a.organisation;
    out["phase"] = kPhase[(int)a.status];
    out["one_sentence_description"] = first_sentence(a.purpose, 200);
    out["tags"] = std::string("AI Act risk class: ") + risk_class_name(a.risk_class);
    out["date_of_completion"] = text_or_null(date_of(a.registered_at));
    out["date_updated"] = text_or_null(date_of(a.updated_at));
    out["date_archived"] = text_or_null(a.end_date);
    // Tier 1 (1.x)
    out["name"] = a.name;
    out["description"] = a.purpose;
    out["website_url"] = text_or_null(a.website);
    out["contact_email"] = a.contact;
    // Tier 2: owner, rationale, decision-making process (2.1 - 2.3)
    out["organisation_or_department"] = a.organisation;
    out["scope"] = a.purpose;
    out["process_integration"] = text_or_null(a.impact);
    out["human_decisions_and_review"] = a.human_oversight;
    // Tool, model and data specification (2.4)
    out["system_architecture"] =
        "A language model served on the organisation's own infrastructure by Souverain" +
        std::string(a.knowledge_bases.empty()
                        ? "."
                        : ", answering from the knowledge bases named in source_data_name.");
    out["models"] = a.model;
    std::string model_name = a.model;
    std::string model_version = a.version;
    std::string datasets;
    if (entry.model_card) {
        const ModelCard& card = *entry.model_card;
        if (!card.facts.gguf.name.empty()) model_name = card.facts.gguf.name;
        if (!card.facts.sha256.empty()) model_version = "SHA-256 " + card.facts.sha256;
        if (card.admin) datasets = card.admin->training_data;
        if (blank(datasets)) datasets = join(card.facts.gguf.datasets, ", ");
    }
    out["model_name"] = model_name;
    out["model_version"] = text_or_null(model_version);
    out["model_task"] = "Text generation: answering questions in a conversation";
    out["model_architecture"] = model_summary(entry);
    out["datasets"] = text_or_null(datasets);
    out["source_data_name"] = text_or_null(join(a.knowledge_bases, ", "));
    out["data_description"] = text_or_null(a.data_used);
    // Risks, mitigations and impact assessments (2.5)
    out["impact_assessment"] = text_or_null(a.impact_assessment);
    out["risks_and_mitigations"] = text_or_null(a.risks_and_mitigations);
    return out;
}

nlohmann::ordered_json register_json(const RegisterDocument& document) {
    ojson assistants = ojson::array();
    for (const RegisterEntry& entry : document.entries) {
        ojson item = assistant_json(entry.assistant, /*for_publication=*/true);
        item["model_card"] = entry.model_card ? model_card_json(*entry.model_card) : ojson(nullptr);
        item["algoritmeregister"] = algoritmeregister_json(entry);
        item["atrs"] = atrs_json(entry);
        assistants.push_back(std::move(item));
    }
    ojson out;
    out["object"] = "register";
    out["format_version"] = 1;
    out["tenant"] = document.tenant;
    out["generated_at"] = document.generated_at;
    out["standards"] = {
        {"algoritmeregister", "Algoritmeregister publication standard (API v1.0 field names)"},
        {"atrs", "UK Algorithmic Transparency Recording Standard v3.0 (attribute names)"}};
    out["assistants"] = std::move(assistants);
    return out;
}

}  // namespace souverain::governance
