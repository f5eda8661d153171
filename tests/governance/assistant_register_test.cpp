#include "governance/assistant_register.h"

#include <gtest/gtest.h>

#include "engine/unicode.h"

namespace souverain::governance {
namespace {

// An assistant in use that passes every rule.
nlohmann::json guichet() {
    return {
        {"name", "Guichet assistant"},
        {"organisation", "Commune de Beispilldorf"},
        {"model", "mistral"},
        {"knowledge_bases", {"procedures", "reglements"}},
        {"system_prompt", "Answer from the procedures.\nCite them."},
        {"purpose", "Answers residents' questions about procedures."},
        {"impact", "No decision is taken about anyone."},
        {"legal_basis", "Loi communale, art. 28."},
        {"human_oversight", "Residents can ask for a person at any time."},
        {"risk_class", "limited"},
        {"risks_and_mitigations", "Wrong answers: every answer cites its source."},
        {"impact_assessment", "DPIA of 2025-02-10."},
        {"data_used", "Published procedures; what residents type."},
        {"contact", "assistant@beispilldorf.lu"},
        {"website", "https://www.beispilldorf.lu/assistant"},
        {"status", "in_use"},
        {"languages", {"lb", "fr", "de-LU"}},
        {"version", "1.2"},
        {"start_date", "2025-03-01"},
    };
}

std::string error_of(const nlohmann::json& json) {
    auto parsed = parse_assistant(json);
    return parsed.ok() ? std::string() : parsed.error().message;
}

bool mentions(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

TEST(AssistantRegister, AValidAssistantIsReadWithEveryField) {
    auto a = parse_assistant(guichet());
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->name, "Guichet assistant");
    EXPECT_EQ(a->risk_class, RiskClass::LIMITED);
    EXPECT_EQ(a->status, AssistantStatus::IN_USE);
    EXPECT_EQ(a->knowledge_bases, (std::vector<std::string>{"procedures", "reglements"}));
    EXPECT_EQ(a->languages, (std::vector<std::string>{"lb", "fr", "de-LU"}));
    EXPECT_TRUE(a->publish_system_prompt);
}

TEST(AssistantRegister, JsonRoundTripGivesTheSameRecord) {
    auto a = parse_assistant(guichet());
    ASSERT_TRUE(a.ok());
    const nlohmann::ordered_json json = assistant_json(*a, /*for_publication=*/false);
    auto back = parse_assistant(nlohmann::json::parse(json.dump()));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(assistant_json(*back, false), json);
}

TEST(AssistantRegister, MissingRequiredFieldsAreAllNamedInOneMessage) {
    const std::string message = error_of({{"name", "Bare"}});
    for (const char* field : {"organisation", "model", "purpose", "legal_basis", "human_oversight",
                              "contact", "risk_class", "status"}) {
        EXPECT_TRUE(mentions(message, std::string("'") + field + "' is required"))
            << field << message;
    }
    EXPECT_TRUE(mentions(message, "assistant 'Bare' is not valid")) << message;
    nlohmann::json blank = guichet();
    blank["purpose"] = "  \n ";
    EXPECT_TRUE(mentions(error_of(blank), "'purpose' is required"));
}

TEST(AssistantRegister, ProhibitedPracticesCannotBeRegistered) {
    nlohmann::json a = guichet();
    a["risk_class"] = "prohibited";
    const std::string message = error_of(a);
    EXPECT_TRUE(mentions(message, "Article 5 of the AI Act")) << message;
    a["risk_class"] = "medium";
    EXPECT_TRUE(mentions(error_of(a), "must be minimal, limited or high (got 'medium')"));
    a["risk_class"] = "high";
    EXPECT_EQ(error_of(a), "");
}

TEST(AssistantRegister, AnAssistantInUseMustSayWhatItMeansWhatItUsesAndItsRisks) {
    nlohmann::json a = guichet();
    for (const char* field : {"impact", "data_used", "risks_and_mitigations", "start_date"}) {
        a.erase(field);
    }
    const std::string message = error_of(a);
    for (const char* field : {"impact", "data_used", "risks_and_mitigations", "start_date"}) {
        EXPECT_TRUE(
            mentions(message, std::string("'") + field + "' is required for an assistant in use"))
            << field << ": " << message;
    }
    a["status"] = "in_development";
    EXPECT_EQ(error_of(a), "");
    a["status"] = "live";
    EXPECT_TRUE(mentions(error_of(a), "in_development, in_use or retired (got 'live')"));
}

TEST(AssistantRegister, AHighRiskAssistantNeedsAnImpactAssessment) {
    nlohmann::json a = guichet();
    a["risk_class"] = "high";
    a.erase("impact_assessment");
    EXPECT_TRUE(mentions(error_of(a), "'impact_assessment' is required for a high-risk"));
    a["status"] = "in_development";
    a.erase("risks_and_mitigations");
    const std::string message = error_of(a);
    EXPECT_TRUE(mentions(message, "'risks_and_mitigations' is required for a high-risk"));
}

TEST(AssistantRegister, DatesFollowTheStatus) {
    nlohmann::json a = guichet();
    a["end_date"] = "2025-06-30";
    EXPECT_TRUE(mentions(error_of(a), "'end_date' is only for a retired assistant"));
    a["status"] = "retired";
    EXPECT_EQ(error_of(a), "");
    a.erase("end_date");
    EXPECT_TRUE(mentions(error_of(a), "'end_date' is required for a retired assistant"));
    a["end_date"] = "2024-12-31";
    EXPECT_TRUE(mentions(error_of(a), "'end_date' is before 'start_date'"));
    a["end_date"] = "2025-02-30";
    EXPECT_TRUE(mentions(error_of(a), "must be a date written YYYY-MM-DD (got '2025-02-30')"));
    a["start_date"] = "1 March 2025";
    EXPECT_TRUE(mentions(error_of(a), "(got '1 March 2025')"));
}

TEST(AssistantRegister, ContactAndWebsiteMustBeReachable) {
    nlohmann::json a = guichet();
    a["contact"] = "https://www.beispilldorf.lu/contact";
    EXPECT_EQ(error_of(a), "");
    a["contact"] = "call the town hall";
    EXPECT_TRUE(mentions(error_of(a), "'contact' must be an e-mail address or an http(s) URL"));
    a["contact"] = "someone@localhost";
    EXPECT_FALSE(error_of(a).empty());
    a["contact"] = "assistant@beispilldorf.lu";
    a["website"] = "javascript:alert(1)";
    EXPECT_TRUE(mentions(error_of(a), "'website' must be an http(s) URL"));
    a["website"] = "https://example.lu/\"onmouseover=x";
    EXPECT_FALSE(error_of(a).empty());
}

TEST(AssistantRegister, LanguagesAreTags) {
    nlohmann::json a = guichet();
    a["languages"] = {"fr", "french!"};
    EXPECT_TRUE(mentions(error_of(a), "'french!', which is not a language tag"));
    a["languages"] = {"fr", "fr"};
    EXPECT_TRUE(mentions(error_of(a), "lists 'fr' twice"));
    a["languages"] = "fr";
    EXPECT_TRUE(mentions(error_of(a), "'languages' must be a list of strings"));
}

TEST(AssistantRegister, UnknownFieldsWrongTypesAndControlCharactersAreRefused) {
    nlohmann::json a = guichet();
    a["legal_base"] = "typo";
    const std::string message = error_of(a);
    EXPECT_TRUE(mentions(message, "unknown field 'legal_base'")) << message;
    EXPECT_TRUE(mentions(message, "legal_basis")) << message;  // the accepted keys are listed

    a = guichet();
    a["publish_system_prompt"] = "no";
    EXPECT_TRUE(mentions(error_of(a), "'publish_system_prompt' must be true or false"));
    a = guichet();
    a["name"] = "two\nlines";
    EXPECT_TRUE(mentions(error_of(a), "'name' must be one line"));
    a["name"] = std::string(101, 'n');
    EXPECT_TRUE(mentions(error_of(a), "at most 100 are accepted"));
    a = guichet();
    a["purpose"] = 42;
    EXPECT_TRUE(mentions(error_of(a), "'purpose' must be a string"));
    EXPECT_FALSE(parse_assistant(nlohmann::json::array()).ok());
    // Fields the store sets are accepted and ignored, so an exported record can be re-added.
    a = guichet();
    a["registered_at"] = "2025-01-01T00:00:00Z";
    EXPECT_EQ(error_of(a), "");
}

RegisterEntry entry_with_card(nlohmann::json json) {
    RegisterEntry entry;
    entry.assistant = *parse_assistant(json);
    ModelCard card;
    card.name = "mistral";
    card.facts.file_name = "mistral-7b-q4_k_m.gguf";
    card.facts.sha256 = std::string(64, 'c');
    card.facts.architecture = "llama";
    card.facts.n_parameters = 7241732096;
    card.facts.file_type = "Q4_K_M";
    card.facts.gguf.name = "Mistral 7B Instruct v0.3";
    card.facts.gguf.license = "apache-2.0";
    card.admin = ModelCardAdmin{};
    card.admin->openness_level = OpennessLevel::OPEN_WEIGHTS;
    card.admin->training_data = "Not disclosed.";
    entry.model_card = card;
    return entry;
}

TEST(AssistantRegister, AlgoritmeregisterViewUsesItsFieldNamesAndVocabulary) {
    nlohmann::json json = guichet();
    json["purpose"] = std::string(500, 'a') + " end";
    json["contact"] = "https://www.beispilldorf.lu/contact";
    json.erase("website");
    const nlohmann::ordered_json ar = algoritmeregister_json(entry_with_card(json));
    EXPECT_EQ(ar["name"], "Guichet assistant");
    EXPECT_EQ(ar["organization"], "Commune de Beispilldorf");
    EXPECT_EQ(ar["status"], "In gebruik");
    EXPECT_EQ(ar["begin_date"], "2025-03");
    EXPECT_TRUE(ar["end_date"].is_null());
    EXPECT_EQ(ar["publication_category"], "Overige algoritmes");
    EXPECT_TRUE(ar["contact_email"].is_null());  // a URL contact becomes the website
    EXPECT_EQ(ar["website"], "https://www.beispilldorf.lu/contact");
    EXPECT_EQ(ar["lawful_basis"], "Loi communale, art. 28.");
    EXPECT_EQ(ar["human_intervention"], "Residents can ask for a person at any time.");
    EXPECT_EQ(ar["risks"], "Wrong answers: every answer cites its source.");
    EXPECT_EQ(ar["impacttoetsen"], "DPIA of 2025-02-10.");
    // "Doel en impact": the purpose, then the impact.
    EXPECT_EQ(ar["goal"], std::string(500, 'a') + " end\n\nNo decision is taken about anyone.");
    const std::string short_text = ar["description_short"];
    EXPECT_LE(unicode::utf8_to_codepoints(short_text).size(), 350u);
    EXPECT_EQ(short_text.substr(short_text.size() - 3), "\u2026");
    const std::string source = ar["source_data"];
    EXPECT_TRUE(mentions(source, "Knowledge bases: procedures, reglements."));
    const std::string methods = ar["methods_and_models"];
    EXPECT_TRUE(mentions(methods, "SHA-256 " + std::string(64, 'c'))) << methods;
    EXPECT_TRUE(mentions(methods, "7,241,732,096 parameters")) << methods;
    EXPECT_TRUE(mentions(methods, "Openness: open-weights")) << methods;

    json["risk_class"] = "high";
    json["status"] = "retired";
    json["end_date"] = "2025-09-30";
    const nlohmann::ordered_json high = algoritmeregister_json(entry_with_card(json));
    EXPECT_EQ(high["publication_category"], "Hoog-risico AI-systeem");
    EXPECT_EQ(high["status"], "Buiten gebruik");
    EXPECT_EQ(high["end_date"], "2025-09");
}

TEST(AssistantRegister, AtrsViewUsesItsAttributeNames) {
    RegisterEntry entry = entry_with_card(guichet());
    entry.assistant.registered_at = "2025-02-01T08:00:00Z";
    entry.assistant.updated_at = "2025-03-12T09:30:00Z";
    const nlohmann::ordered_json atrs = atrs_json(entry);
    EXPECT_EQ(atrs["name"], "Guichet assistant");
    EXPECT_EQ(atrs["organisation_or_department"], "Commune de Beispilldorf");
    EXPECT_EQ(atrs["phase"], "Production");
    EXPECT_EQ(atrs["contact_email"], "assistant@beispilldorf.lu");
    EXPECT_EQ(atrs["website_url"], "https://www.beispilldorf.lu/assistant");
    EXPECT_EQ(atrs["human_decisions_and_review"], "Residents can ask for a person at any time.");
    EXPECT_EQ(atrs["process_integration"], "No decision is taken about anyone.");
    EXPECT_EQ(atrs["source_data_name"], "procedures, reglements");
    EXPECT_EQ(atrs["data_description"], "Published procedures; what residents type.");
    EXPECT_EQ(atrs["risks_and_mitigations"], "Wrong answers: every answer cites its source.");
    EXPECT_EQ(atrs["model_name"], "Mistral 7B Instruct v0.3");
    EXPECT_EQ(atrs["model_version"], "SHA-256 " + std::string(64, 'c'));
    EXPECT_EQ(atrs["datasets"], "Not disclosed.");
    EXPECT_EQ(atrs["date_of_completion"], "2025-02-01");
    EXPECT_EQ(atrs["date_updated"], "2025-03-12");
    EXPECT_EQ(atrs["one_sentence_description"], "Answers residents' questions about procedures.");
    EXPECT_EQ(atrs["tags"], "AI Act risk class: limited");

    entry.model_card.reset();
    const nlohmann::ordered_json bare = atrs_json(entry);
    EXPECT_EQ(bare["model_name"], "mistral");
    EXPECT_EQ(bare["model_version"], "1.2");
    EXPECT_TRUE(bare["datasets"].is_null());
}

TEST(AssistantRegister, AnUnpublishedSystemPromptStaysOutOfTheRegister) {
    nlohmann::json json = guichet();
    json["publish_system_prompt"] = false;
    json["system_prompt"] = "internal instructions 7f3a";
    RegisterDocument document;
    document.generated_at = "2025-03-12T09:30:00Z";
    document.entries.push_back(entry_with_card(json));
    const std::string published = register_json(document).dump();
    EXPECT_FALSE(mentions(published, "internal instructions 7f3a"));
    const nlohmann::ordered_json item = register_json(document)["assistants"][0];
    EXPECT_TRUE(item["system_prompt"].is_null());
    EXPECT_EQ(item["publish_system_prompt"], false);
    EXPECT_EQ(item["model_card"]["file"]["sha256"], std::string(64, 'c'));
    EXPECT_EQ(item["algoritmeregister"]["status"], "In gebruik");
    EXPECT_EQ(item["atrs"]["phase"], "Production");
    // The administrators' own view keeps it.
    EXPECT_EQ(assistant_json(document.entries[0].assistant, false)["system_prompt"],
              "internal instructions 7f3a");
}

}  // namespace
}  // namespace souverain::governance
