#include "governance/register_page.h"

#include <gtest/gtest.h>

namespace souverain::governance {
namespace {

Assistant sample_assistant() {
    Assistant a;
    a.name = "Guichet assistant";
    a.organisation = "Commune de Beispilldorf";
    a.model = "mistral";
    a.knowledge_bases = {"procedures"};
    a.system_prompt = "Answer from the procedures.";
    a.purpose = "Answers residents' questions about procedures.";
    a.impact = "No decision is taken about anyone.";
    a.legal_basis = "Loi communale, art. 28.";
    a.human_oversight = "Residents can ask for a person at any time.";
    a.risk_class = RiskClass::LIMITED;
    a.risks_and_mitigations = "Wrong answers: sources are cited.";
    a.data_used = "Published procedures.";
    a.contact = "assistant@beispilldorf.lu";
    a.website = "https://www.beispilldorf.lu/assistant";
    a.status = AssistantStatus::IN_USE;
    a.languages = {"lb", "fr"};
    a.start_date = "2025-03-01";
    a.updated_at = "2025-03-12T09:30:00Z";
    return a;
}

RegisterDocument document_of(std::vector<Assistant> assistants) {
    RegisterDocument document;
    document.generated_at = "2025-03-12T09:30:00Z";
    for (Assistant& a : assistants) {
        RegisterEntry entry;
        entry.assistant = std::move(a);
        document.entries.push_back(std::move(entry));
    }
    return document;
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) {
        ++n;
    }
    return n;
}

TEST(RegisterPage, HtmlEscapeCoversMarkupAndBothQuotes) {
    EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    EXPECT_EQ(html_escape("Caf\u00e9 \u2014 ok"), "Caf\u00e9 \u2014 ok");
}

TEST(RegisterPage, AScriptInANameIsShownAsTextNeverRun) {
    Assistant a = sample_assistant();
    a.name = "<script>alert('x')</script> Helper";
    const std::string html = render_register_html(document_of({a}), PageLanguage::EN);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Helper"),
              std::string::npos);
}

TEST(RegisterPage, EveryAdministratorValueIsEscaped) {
    // Each field carries markup; none of it may reach the page as markup.
    const std::string bad = "<i>\"x\"&'</i>";
    Assistant a = sample_assistant();
    for (std::string* field :
         {&a.name, &a.organisation, &a.model, &a.system_prompt, &a.purpose, &a.impact,
          &a.legal_basis, &a.human_oversight, &a.risks_and_mitigations, &a.impact_assessment,
          &a.data_used, &a.version}) {
        *field = bad;
    }
    a.knowledge_bases = {bad};
    a.languages = {bad};
    RegisterDocument document = document_of({a});
    ModelCard card;
    card.facts.file_name = bad;
    card.facts.architecture = bad;
    card.facts.file_type = bad;
    card.facts.sha256 = bad;
    card.facts.gguf.name = bad;
    card.facts.gguf.license = bad;
    card.facts.gguf.license_name = bad;
    card.admin = ModelCardAdmin{};
    card.admin->provenance = bad;
    card.admin->training_data = bad;
    card.admin->intended_use = bad;
    card.admin->known_limits = bad;
    document.entries[0].model_card = card;
    const std::string html = render_register_html(document, PageLanguage::FR);
    EXPECT_EQ(html.find("<i>"), std::string::npos);
    EXPECT_EQ(html.find("\"x\""), std::string::npos);
    EXPECT_GE(count(html, "&lt;i&gt;&quot;x&quot;&amp;&#39;&lt;/i&gt;"), 25u);
}

TEST(RegisterPage, LinksAreMadeOnlyFromWebAndMailAddresses) {
    Assistant a = sample_assistant();
    const std::string html = render_register_html(document_of({a}), PageLanguage::EN);
    EXPECT_NE(html.find("<a href=\"mailto:assistant@beispilldorf.lu\">"), std::string::npos);
    EXPECT_NE(html.find("<a href=\"https://www.beispilldorf.lu/assistant\">"), std::string::npos);
    // Values that escaped validation (a record edited in the database) are still not links.
    a.website = "javascript:alert(1)";
    a.contact = "data:text/html,<b>x</b>";
    const std::string unsafe = render_register_html(document_of({a}), PageLanguage::EN);
    EXPECT_EQ(unsafe.find("href=\"javascript"), std::string::npos);
    EXPECT_EQ(unsafe.find("href=\"data"), std::string::npos);
    EXPECT_EQ(unsafe.find("href=\"mailto:data"), std::string::npos);
}

TEST(RegisterPage, ThePageIsSelfContained) {
    const std::string html =
        render_register_html(document_of({sample_assistant()}), PageLanguage::EN);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    for (const char* external :
         {"<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "<object"}) {
        EXPECT_EQ(html.find(external), std::string::npos) << external;
    }
    EXPECT_NE(html.find("<style>"), std::string::npos);
    EXPECT_EQ(count(html, "<h1>"), 1u);
    EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
}

TEST(RegisterPage, LanguageSetsTheLangAttributeAndTheLabels) {
    const RegisterDocument document = document_of({sample_assistant()});
    const std::string en = render_register_html(document, PageLanguage::EN);
    const std::string fr = render_register_html(document, PageLanguage::FR);
    const std::string de = render_register_html(document, PageLanguage::DE);
    EXPECT_NE(en.find("<html lang=\"en\">"), std::string::npos);
    EXPECT_NE(fr.find("<html lang=\"fr\">"), std::string::npos);
    EXPECT_NE(de.find("<html lang=\"de\">"), std::string::npos);
    EXPECT_NE(en.find("How people stay in control"), std::string::npos);
    EXPECT_NE(fr.find("Comment des personnes gardent le contr\u00f4le"), std::string::npos);
    EXPECT_NE(de.find("Wie Menschen die Kontrolle behalten"), std::string::npos);
    EXPECT_NE(en.find("Limited risk"), std::string::npos);
    EXPECT_NE(fr.find("Risque limit\u00e9"), std::string::npos);
    EXPECT_NE(de.find("Begrenztes Risiko"), std::string::npos);
    // Dates and language names in the page's language; administrators' texts unchanged.
    EXPECT_NE(en.find("1 March 2025"), std::string::npos);
    EXPECT_NE(fr.find("1er mars 2025"), std::string::npos);
    EXPECT_NE(de.find("1. M\u00e4rz 2025"), std::string::npos);
    EXPECT_NE(fr.find("luxembourgeois, fran\u00e7ais"), std::string::npos);
    EXPECT_NE(de.find("Luxemburgisch, Franz\u00f6sisch"), std::string::npos);
    EXPECT_NE(de.find("Loi communale, art. 28."), std::string::npos);

    EXPECT_EQ(*parse_page_language("de"), PageLanguage::DE);
    auto unknown = parse_page_language("es");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("en, fr or de"), std::string::npos);
}

TEST(RegisterPage, TheRegisterIsDatedByItsLatestChange) {
    Assistant older = sample_assistant();
    older.name = "Older";
    older.updated_at = "2024-11-05T10:00:00Z";
    Assistant newer = sample_assistant();
    newer.updated_at = "2025-01-20T10:00:00Z";
    RegisterDocument document = document_of({older, newer});
    document.generated_at = "2025-06-30T10:00:00Z";
    const std::string html = render_register_html(document, PageLanguage::EN);
    EXPECT_NE(html.find("2 assistants \u00b7 Updated on 20 January 2025"), std::string::npos);
    EXPECT_NE(render_register_html(document_of({}), PageLanguage::EN)
                  .find("Updated on 12 March 2025"),  // generated_at
              std::string::npos);
}

TEST(RegisterPage, EmptyFieldsAndAnEmptyRegisterAreSaidPlainly) {
    Assistant a = sample_assistant();
    a.impact_assessment.clear();
    const std::string html = render_register_html(document_of({a}), PageLanguage::EN);
    EXPECT_NE(html.find("Not stated"), std::string::npos);
    EXPECT_NE(html.find("No model card has been recorded for this model."), std::string::npos);

    const std::string empty = render_register_html(document_of({}), PageLanguage::FR);
    EXPECT_NE(empty.find("Aucun assistant n\u2019est encore enregistr\u00e9."), std::string::npos);
    EXPECT_NE(empty.find("0 assistants"), std::string::npos);
}

TEST(RegisterPage, AHiddenSystemPromptIsNotOnThePage) {
    Assistant a = sample_assistant();
    a.system_prompt = "internal instructions 7f3a";
    a.publish_system_prompt = false;
    const std::string html = render_register_html(document_of({a}), PageLanguage::EN);
    EXPECT_EQ(html.find("internal instructions 7f3a"), std::string::npos);
    EXPECT_NE(html.find("are not published"), std::string::npos);
    a.publish_system_prompt = true;
    EXPECT_NE(
        render_register_html(document_of({a}), PageLanguage::EN).find("internal instructions 7f3a"),
        std::string::npos);
}

TEST(RegisterPage, TheModelCardShowsItsFingerprintAndCounts) {
    RegisterDocument document = document_of({sample_assistant()});
    ModelCard card;
    card.facts.file_name = "mistral.gguf";
    card.facts.file_bytes = 4'368'438'976;
    card.facts.sha256 = std::string(64, 'e');
    card.facts.n_parameters = 7'241'732'096;
    card.facts.context_length = 32768;
    card.admin = ModelCardAdmin{};
    card.admin->openness_level = OpennessLevel::OPEN_WEIGHTS;
    document.entries[0].model_card = card;
    const std::string en = render_register_html(document, PageLanguage::EN);
    EXPECT_NE(en.find(std::string(64, 'e')), std::string::npos);
    EXPECT_NE(en.find("7.2 billion (7,241,732,096)"), std::string::npos);
    EXPECT_NE(en.find("4.4\u00a0GB"), std::string::npos);
    EXPECT_NE(en.find("32,768 tokens"), std::string::npos);
    EXPECT_NE(en.find("Open weights"), std::string::npos);
    const std::string fr = render_register_html(document, PageLanguage::FR);
    EXPECT_NE(fr.find("7,2 milliards (7\u202f241\u202f732\u202f096)"), std::string::npos);
    const std::string de = render_register_html(document, PageLanguage::DE);
    EXPECT_NE(de.find("7,2 Milliarden (7.241.732.096)"), std::string::npos);

    document.entries[0].model_card->facts.sha256.clear();
    EXPECT_NE(render_register_html(document, PageLanguage::EN).find("Being computed"),
              std::string::npos);
}

}  // namespace
}  // namespace souverain::governance
