#include "governance/register_page.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

namespace souverain::governance {

namespace {

// Everything the page says in its own voice, per language. Administrators' texts are never
// translated.
struct Labels {
    const char* lang;
    const char* title;
    const char* eyebrow;
    const char* intro;
    const char* standards_note;
    const char* assistant_one;
    const char* assistant_many;
    const char* generated;
    const char* contents;
    const char* empty;
    const char* not_stated;
    // Topics (h3) and facts.
    const char* purpose;
    const char* impact;
    const char* legal_basis;
    const char* human_oversight;
    const char* data_used;
    const char* knowledge_bases;
    const char* risks;
    const char* impact_assessment;
    const char* status;
    const char* risk_class;
    const char* organisation;
    const char* contact;
    const char* website;
    const char* languages;
    const char* version;
    const char* start_date;
    const char* end_date;
    const char* model;
    const char* updated;
    // Values.
    const char* status_names[3];  // in development, in use, retired
    const char* risk_names[3];    // minimal, limited, high
    const char* risk_explained[3];
    const char* openness_names[5];  // unspecified, open-source-ai, open-weights, restricted, closed
    // Technical details.
    const char* technical;
    const char* no_model_card;
    const char* fingerprint_hint;
    const char* model_file;
    const char* sha256;
    const char* sha256_pending;
    const char* name_in_file;
    const char* architecture;
    const char* parameters;
    const char* quantization;
    const char* context_length;
    const char* tokens;
    const char* licence;
    const char* source;
    const char* openness;
    const char* provenance;
    const char* training_data;
    const char* intended_use;
    const char* known_limits;
    const char* system_prompt;
    const char* system_prompt_hidden;
    const char* months[12];
    const char* million_one;
    const char* million_many;
    const char* billion_one;
    const char* billion_many;
    const char* decimal_point;
    const char* group_separator;
    const char* colon;  // French sets a space before it
};

const Labels kEnglish = {
    "en",
    "Register of AI assistants",
    "Public transparency register",
    "This register lists the artificial intelligence (AI) assistants that are in use or being "
    "developed: what each one does, the law that allows it, how people stay in control of it, "
    "its risks and how they are limited, and whom to contact with a question or a complaint.",
    "The information follows the Dutch Algoritmeregister and the UK Algorithmic Transparency "
    "Recording Standard. A machine-readable version is available at /v1/register.",
    "assistant",
    "assistants",
    "Updated on",
    "Assistants in this register",
    "No assistant is registered yet.",
    "Not stated",
    "What it does",
    "What it means for you",
    "The law that allows it",
    "How people stay in control",
    "Information it uses",
    "Document collections it answers from",
    "Risks and how they are limited",
    "Impact assessments",
    "Status",
    "Risk level under the EU AI Act",
    "Responsible organisation",
    "Questions or complaints",
    "More information",
    "Languages",
    "Version",
    "In use since",
    "Retired on",
    "AI model",
    "Last updated",
    {"In development", "In use", "Retired"},
    {"Minimal risk", "Limited risk", "High risk"},
    {"No specific obligations under the AI Act.",
     "People must be told that they are dealing with an AI system.",
     "Strict requirements apply, including human oversight and risk management."},
    {"Not assessed", "Open source AI (OSI definition)", "Open weights",
     "Weights under a restrictive licence", "Closed"},
    "Technical details",
    "No model card has been recorded for this model.",
    "The SHA-256 fingerprint identifies the exact model file: anyone who has the file can check "
    "that it is the one described here.",
    "Model file",
    "SHA-256 fingerprint",
    "Being computed",
    "Name in the file",
    "Architecture",
    "Parameters",
    "Quantization",
    "Context length",
    "tokens",
    "Licence",
    "Source",
    "Openness",
    "Provenance",
    "Training data",
    "Intended use",
    "Known limits",
    "Instructions given to the model",
    "The instructions given to the model are not published.",
    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"},
    "million",
    "million",
    "billion",
    "billion",
    ".",
    ",",
    ": ",
};

const Labels kFrench = {
    "fr",
    "Registre des assistants d\u2019intelligence artificielle",
    "Registre public de transparence",
    "Ce registre pr\u00e9sente les assistants d\u2019intelligence artificielle (IA) utilis\u00e9s "
    "ou "
    "en cours de d\u00e9veloppement\u00a0: ce que fait chacun d\u2019eux, la loi qui "
    "l\u2019autorise, "
    "comment des personnes en gardent le contr\u00f4le, ses risques et la mani\u00e8re de les "
    "limiter, et qui contacter pour une question ou une r\u00e9clamation.",
    "Les informations suivent l\u2019Algoritmeregister n\u00e9erlandais et la norme britannique "
    "de transparence algorithmique (ATRS). Une version lisible par machine est disponible \u00e0 "
    "l\u2019adresse /v1/register.",
    "assistant",
    "assistants",
    "Mis \u00e0 jour le",
    "Assistants de ce registre",
    "Aucun assistant n\u2019est encore enregistr\u00e9.",
    "Non pr\u00e9cis\u00e9",
    "Ce qu\u2019il fait",
    "Ce que cela signifie pour vous",
    "Base l\u00e9gale",
    "Comment des personnes gardent le contr\u00f4le",
    "Informations utilis\u00e9es",
    "Collections de documents consult\u00e9es",
    "Risques et mesures pour les limiter",
    "Analyses d\u2019impact",
    "Statut",
    "Niveau de risque selon le r\u00e8glement europ\u00e9en sur l\u2019IA",
    "Organisation responsable",
    "Questions ou r\u00e9clamations",
    "Plus d\u2019informations",
    "Langues",
    "Version",
    "En service depuis le",
    "Retir\u00e9 le",
    "Mod\u00e8le d\u2019IA",
    "Derni\u00e8re mise \u00e0 jour",
    {"En d\u00e9veloppement", "En service", "Retir\u00e9"},
    {"Risque minimal", "Risque limit\u00e9", "Haut risque"},
    {"Pas d\u2019obligation particuli\u00e8re au titre du r\u00e8glement sur l\u2019IA.",
     "Les personnes doivent \u00eatre inform\u00e9es qu\u2019elles ont affaire \u00e0 un "
     "syst\u00e8me d\u2019IA.",
     "Des exigences strictes s\u2019appliquent, dont le contr\u00f4le humain et la gestion des "
     "risques."},
    {"Non \u00e9valu\u00e9", "IA open source (d\u00e9finition de l\u2019OSI)", "Poids ouverts",
     "Poids sous licence restrictive", "Ferm\u00e9"},
    "D\u00e9tails techniques",
    "Aucune fiche de mod\u00e8le n\u2019a \u00e9t\u00e9 enregistr\u00e9e pour ce mod\u00e8le.",
    "L\u2019empreinte SHA-256 identifie exactement le fichier du mod\u00e8le\u00a0: toute personne "
    "qui dispose du fichier peut v\u00e9rifier qu\u2019il s\u2019agit bien de celui d\u00e9crit "
    "ici.",
    "Fichier du mod\u00e8le",
    "Empreinte SHA-256",
    "En cours de calcul",
    "Nom dans le fichier",
    "Architecture",
    "Param\u00e8tres",
    "Quantification",
    "Longueur de contexte",
    "jetons",
    "Licence",
    "Source",
    "Ouverture",
    "Provenance",
    "Donn\u00e9es d\u2019entra\u00eenement",
    "Usage pr\u00e9vu",
    "Limites connues",
    "Instructions donn\u00e9es au mod\u00e8le",
    "Les instructions donn\u00e9es au mod\u00e8le ne sont pas publi\u00e9es.",
    {"janvier", "f\u00e9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\u00fbt", "septembre",
     "octobre", "novembre", "d\u00e9cembre"},
    "million",
    "millions",
    "milliard",
    "milliards",
    ",",
    "\u202f",
    "\u00a0: ",
};

const Labels kGerman = {
    "de",
    "Register der KI-Assistenten",
    "\u00d6ffentliches Transparenzregister",
    "Dieses Register f\u00fchrt die Assistenten mit k\u00fcnstlicher Intelligenz (KI) auf, die "
    "eingesetzt oder entwickelt werden: was jeder von ihnen tut, welches Gesetz den Einsatz "
    "erlaubt, wie Menschen die Kontrolle behalten, welche Risiken bestehen und wie sie begrenzt "
    "werden, und an wen Sie sich mit Fragen oder Beschwerden wenden k\u00f6nnen.",
    "Die Angaben folgen dem niederl\u00e4ndischen Algoritmeregister und dem britischen "
    "Algorithmic Transparency Recording Standard (ATRS). Eine maschinenlesbare Fassung ist unter "
    "/v1/register abrufbar.",
    "Assistent",
    "Assistenten",
    "Stand vom",
    "Assistenten in diesem Register",
    "Noch ist kein Assistent eingetragen.",
    "Keine Angabe",
    "Was er tut",
    "Was das f\u00fcr Sie bedeutet",
    "Rechtsgrundlage",
    "Wie Menschen die Kontrolle behalten",
    "Verwendete Informationen",
    "Dokumentensammlungen, aus denen er antwortet",
    "Risiken und wie sie begrenzt werden",
    "Folgenabsch\u00e4tzungen",
    "Status",
    "Risikostufe nach der KI-Verordnung der EU",
    "Verantwortliche Organisation",
    "Fragen oder Beschwerden",
    "Weitere Informationen",
    "Sprachen",
    "Version",
    "In Betrieb seit",
    "Au\u00dfer Betrieb seit",
    "KI-Modell",
    "Zuletzt aktualisiert",
    {"In Entwicklung", "In Betrieb", "Au\u00dfer Betrieb"},
    {"Minimales Risiko", "Begrenztes Risiko", "Hohes Risiko"},
    {"Keine besonderen Pflichten nach der KI-Verordnung.",
     "Menschen m\u00fcssen erfahren, dass sie es mit einem KI-System zu tun haben.",
     "Es gelten strenge Anforderungen, darunter menschliche Aufsicht und Risikomanagement."},
    {"Nicht bewertet", "Open-Source-KI (OSI-Definition)", "Offene Gewichte",
     "Gewichte unter einschr\u00e4nkender Lizenz", "Geschlossen"},
    "Technische Angaben",
    "F\u00fcr dieses Modell ist keine Modellkarte hinterlegt.",
    "Der SHA-256-Fingerabdruck bezeichnet die Modelldatei eindeutig: Wer die Datei hat, kann "
    "nachpr\u00fcfen, dass es die hier beschriebene ist.",
    "Modelldatei",
    "SHA-256-Fingerabdruck",
    "Wird berechnet",
    "Name in der Datei",
    "Architektur",
    "Parameter",
    "Quantisierung",
    "Kontextl\u00e4nge",
    "Token",
    "Lizenz",
    "Quelle",
    "Offenheit",
    "Herkunft",
    "Trainingsdaten",
    "Vorgesehene Verwendung",
    "Bekannte Grenzen",
    "Anweisungen an das Modell",
    "Die Anweisungen an das Modell werden nicht ver\u00f6ffentlicht.",
    {"Januar", "Februar", "M\u00e4rz", "April", "Mai", "Juni", "Juli", "August", "September",
     "Oktober", "November", "Dezember"},
    "Million",
    "Millionen",
    "Milliarde",
    "Milliarden",
    ",",
    ".",
    ": ",
};

const Labels& labels_for(PageLanguage language) {
    switch (language) {
        case PageLanguage::FR:
            return kFrench;
        case PageLanguage::DE:
            return kGerman;
        case PageLanguage::EN:
            break;
    }
    return kEnglish;
}

// Names of the languages assistants usually speak here, in the page's language.
std::string language_name(const std::string& tag, PageLanguage page) {
    static const std::map<std::string, std::array<const char*, 3>> kNames = {
        {"lb", {"Luxembourgish", "luxembourgeois", "Luxemburgisch"}},
        {"fr", {"French", "fran\u00e7ais", "Franz\u00f6sisch"}},
        {"de", {"German", "allemand", "Deutsch"}},
        {"en", {"English", "anglais", "Englisch"}},
        {"pt", {"Portuguese", "portugais", "Portugiesisch"}},
        {"nl", {"Dutch", "n\u00e9erlandais", "Niederl\u00e4ndisch"}},
        {"it", {"Italian", "italien", "Italienisch"}},
        {"es", {"Spanish", "espagnol", "Spanisch"}},
    };
    std::string primary = tag.substr(0, tag.find('-'));
    for (char& c : primary) c = (char)std::tolower((unsigned char)c);
    auto it = kNames.find(primary);
    if (it == kNames.end()) return tag;
    std::string name = it->second[(size_t)page];
    if (primary.size() != tag.size()) name += " (" + tag + ")";
    return name;
}

bool blank(const std::string& text) {
    return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool is_http_url(const std::string& text) {
    return (text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0) &&
           text.find_first_of(" \t\r\n") == std::string::npos;
}

bool is_email(const std::string& text) {
    const size_t at = text.find('@');
    return at != std::string::npos && at > 0 && at + 1 < text.size() &&
           text.find_first_of(" \t\r\n:/") == std::string::npos;
}

std::string group(uint64_t value, const Labels& l) {
    const std::string digits = std::to_string(value);
    std::string out;
    for (size_t idx = 0; idx < digits.size(); ++idx) {
        if (idx > 0 && (digits.size() - idx) % 3 == 0) out += l.group_separator;
        out += digits[idx];
    }
    return out;
}

std::string one_decimal(double value, const Labels& l) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", value);
    std::string out = buf;
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
    const size_t dot = out.find('.');
    if (dot != std::string::npos) out.replace(dot, 1, l.decimal_point);
    return out;
}

// "1.1 billion (1,100,048,384)": the magnitude for people, the exact count for checking.
std::string count_text(uint64_t value, const Labels& l) {
    const double v = (double)value;
    if (v < 1e6) return group(value, l);
    const bool billions = v >= 1e9;
    const double n = std::round(v / (billions ? 1e8 : 1e5)) / 10;
    // French keeps the singular below two ("1,5 milliard"); German only for exactly one.
    const bool singular = std::string(l.lang) == "fr" ? n < 2 : n == 1.0;
    const char* unit = billions ? (singular ? l.billion_one : l.billion_many)
                                : (singular ? l.million_one : l.million_many);
    return one_decimal(n, l) + " " + unit + " (" + group(value, l) + ")";
}

std::string bytes_text(uint64_t bytes, const Labels& l) {
    const double v = (double)bytes;
    if (v >= 1e9) return one_decimal(v / 1e9, l) + "\u00a0GB";
    if (v >= 1e6) return one_decimal(v / 1e6, l) + "\u00a0MB";
    if (v >= 1e3) return one_decimal(v / 1e3, l) + "\u00a0kB";
    return std::to_string(bytes) + "\u00a0B";
}

// "2025-03-12" (or a longer ISO 8601 timestamp) as "12 March 2025", "12 mars 2025",
// "12. März 2025"; anything else is shown as written.
std::string date_text(const std::string& iso, const Labels& l) {
    if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return iso;
    const int year = std::atoi(iso.substr(0, 4).c_str());
    const int month = std::atoi(iso.substr(5, 2).c_str());
    const int day = std::atoi(iso.substr(8, 2).c_str());
    if (month < 1 || month > 12 || day < 1 || day > 31) return iso;
    const std::string separator = l.lang == std::string("de") ? ". " : " ";
    std::string day_text = std::to_string(day);
    if (l.lang == std::string("fr") && day == 1) day_text = "1er";
    return day_text + separator + l.months[month - 1] + " " + std::to_string(year);
}

class PageWriter {
public:
    PageWriter(const RegisterDocument& document, PageLanguage language)
        : document_(document), language_(language), l_(labels_for(language)) {}

    std::string render() {
        out_ += "<!DOCTYPE html>\n<html lang=\"";
        out_ += l_.lang;
        out_ +=
            "\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"color-scheme\" content=\"light\">\n<title>";
        out_ += html_escape(l_.title);
        out_ += "</title>\n<style>\n";
        out_ += kStyle;
        out_ += "</style>\n</head>\n<body>\n";
        write_header();
        out_ += "<main class=\"wrap\">\n";
        if (document_.entries.empty()) {
            out_ += "<p class=\"empty\">" + html_escape(l_.empty) + "</p>\n";
        } else {
            write_contents();
            for (size_t idx = 0; idx < document_.entries.size(); ++idx) {
                write_assistant(document_.entries[idx], idx + 1);
            }
        }
        out_ += "</main>\n<footer class=\"wrap page-footer\">\n<p>" +
                html_escape(l_.standards_note) + "</p>\n</footer>\n</body>\n</html>\n";
        return std::move(out_);
    }

private:
    static constexpr const char* kStyle = R"css(
:root { --ink: #1c2430; --muted: #4f5b6b; --line: #d8dde5; --paper: #ffffff;
  --ground: #f3f5f8; --accent: #0b4f8a; --band: #0f3a63; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: var(--ground); color: var(--ink);
  font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif;
  font-size: 1.0625rem; line-height: 1.6; }
.wrap { max-width: 64rem; margin: 0 auto; padding: 0 1.5rem; }
.page-header { background: var(--band); color: #fff; padding: 2.5rem 0 2rem; }
.page-header .eyebrow { margin: 0 0 .25rem; text-transform: uppercase; letter-spacing: .08em;
  font-size: .8rem; font-weight: 600; color: #c9dcf0; }
.page-header h1 { margin: 0 0 .75rem; font-size: 2.25rem; line-height: 1.2; }
.page-header .lead { margin: 0 0 1rem; max-width: 48rem; font-size: 1.125rem; color: #eef4fa; }
.page-header .meta { margin: 0; font-size: .95rem; color: #c9dcf0; }
main.wrap { padding-top: 2rem; padding-bottom: 1rem; }
nav.contents { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 1.25rem 1.5rem; margin-bottom: 2rem; }
nav.contents h2 { margin: 0 0 .5rem; font-size: 1.125rem; }
nav.contents ul { margin: 0; padding: 0; list-style: none; }
nav.contents li { padding: .35rem 0; border-top: 1px solid var(--line); display: flex;
  flex-wrap: wrap; gap: .5rem; align-items: center; }
nav.contents li:first-child { border-top: 0; }
nav.contents a { color: var(--accent); font-weight: 600; margin-right: auto; }
article.assistant { background: var(--paper); border: 1px solid var(--line);
  border-radius: 10px; padding: 1.75rem 2rem; margin-bottom: 2rem;
  box-shadow: 0 1px 2px rgba(16, 32, 56, .06); }
article.assistant > header { border-bottom: 1px solid var(--line); padding-bottom: 1rem;
  margin-bottom: 1.25rem; }
article.assistant h2 { margin: 0; font-size: 1.6rem; line-height: 1.25; }
article.assistant .org { margin: .25rem 0 .75rem; color: var(--muted); }
.badges { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0; padding: 0; list-style: none; }
.badge { display: inline-block; padding: .15rem .7rem; border-radius: 999px; font-size: .85rem;
  font-weight: 600; border: 1px solid transparent; }
.status-in_use { background: #e3f3e8; color: #17602f; border-color: #b9e0c5; }
.status-in_development { background: #fff3dc; color: #7a4b00; border-color: #f1d49b; }
.status-retired { background: #eceff2; color: #3f4b58; border-color: #cfd6de; }
.risk-minimal { background: #e2f3f1; color: #0c5a4f; border-color: #b5ded8; }
.risk-limited { background: #e7effc; color: #1a4688; border-color: #bdd0f3; }
.risk-high { background: #fde9e7; color: #9c2119; border-color: #f4c1bb; }
.topics { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1.25rem 2rem; }
.topics section { border-left: 4px solid #c9d8ea; padding-left: 1rem; }
.topics h3, .facts-title { margin: 0 0 .35rem; font-size: 1rem; color: var(--accent); }
.text { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
p.purpose { font-size: 1.15rem; margin: 0 0 1.5rem; }
.kb-title { margin: .75rem 0 0; font-weight: 600; }
.missing { color: var(--muted); font-style: italic; }
ul.plain { margin: .5rem 0 0; padding-left: 1.2rem; }
dl.facts { display: grid; grid-template-columns: minmax(12rem, 16rem) 1fr; gap: .5rem 1.5rem;
  margin: 1.75rem 0 0; padding: 1.25rem 1.5rem; background: #f7f9fb; border-radius: 8px; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.hint { display: block; color: var(--muted); font-size: .9rem; }
details.technical { margin-top: 1.5rem; border-top: 1px solid var(--line); padding-top: 1rem; }
details.technical summary { cursor: pointer; font-weight: 600; color: var(--accent); }
details.technical dl.facts { background: #fbfcfd; }
.hash { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .85rem;
  overflow-wrap: anywhere; }
pre.prompt { white-space: pre-wrap; overflow-wrap: anywhere; background: #f2f4f7;
  border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem;
  font-size: .9rem; }
a { color: var(--accent); }
a:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
.page-footer { color: var(--muted); font-size: .95rem; padding-bottom: 2.5rem; }
.empty { background: var(--paper); border: 1px dashed var(--line); border-radius: 10px;
  padding: 2rem; text-align: center; color: var(--muted); }
@media (max-width: 46rem) {
  .topics { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; }
  article.assistant { padding: 1.25rem; }
}
@media print {
  body { background: #fff; }
  .page-header { background: #fff; color: #000; }
  details.technical { display: block; }
}
)css";

    void write_header() {
        const size_t n = document_.entries.size();
        out_ += "<header class=\"page-header\">\n<div class=\"wrap\">\n<p class=\"eyebrow\">" +
                html_escape(l_.eyebrow) + "</p>\n<h1>" + html_escape(l_.title) +
                "</h1>\n<p class=\"lead\">" + html_escape(l_.intro) + "</p>\n<p class=\"meta\">";
        out_ +=
            std::to_string(n) + " " + html_escape(n == 1 ? l_.assistant_one : l_.assistant_many);
        // The register changed last when its most recent record did (ISO 8601 compares as
        // text); an empty register is dated by its publication.
        std::string updated;
        for (const RegisterEntry& entry : document_.entries) {
            updated = std::max(updated, entry.assistant.updated_at);
        }
        if (updated.empty()) updated = document_.generated_at;
        if (!updated.empty()) {
            out_ +=
                " \u00b7 " + html_escape(l_.generated) + " " + html_escape(date_text(updated, l_));
        }
        out_ += "</p>\n</div>\n</header>\n";
    }

    void write_contents() {
        out_ +=
            "<nav class=\"contents\" aria-labelledby=\"contents-title\">\n"
            "<h2 id=\"contents-title\">" +
            html_escape(l_.contents) + "</h2>\n<ul>\n";
        for (size_t idx = 0; idx < document_.entries.size(); ++idx) {
            const Assistant& a = document_.entries[idx].assistant;
            out_ += "<li><a href=\"#assistant-" + std::to_string(idx + 1) + "\">" +
                    html_escape(a.name) + "</a>" + status_badge(a) + risk_badge(a) + "</li>\n";
        }
        out_ += "</ul>\n</nav>\n";
    }

    std::string status_badge(const Assistant& a) const {
        return std::string("<span class=\"badge status-") + assistant_status_name(a.status) +
               "\">" + html_escape(l_.status_names[(int)a.status]) + "</span>";
    }

    std::string risk_badge(const Assistant& a) const {
        return std::string("<span class=\"badge risk-") + risk_class_name(a.risk_class) + "\">" +
               html_escape(l_.risk_names[(int)a.risk_class]) + "</span>";
    }

    // An administrator's text, line breaks kept (CSS pre-line), or "Not stated".
    std::string text_block(const std::string& text) const {
        if (blank(text)) return "<p class=\"text missing\">" + html_escape(l_.not_stated) + "</p>";
        return "<p class=\"text\">" + html_escape(text) + "</p>";
    }

    void topic(const char* title, const std::string& body_html) {
        out_ += "<section>\n<h3>" + html_escape(title) + "</h3>\n" + body_html + "\n</section>\n";
    }

    static std::string link(const std::string& value) {
        if (is_http_url(value)) {
            return "<a href=\"" + html_escape(value) + "\">" + html_escape(value) + "</a>";
        }
        if (is_email(value)) {
            return "<a href=\"mailto:" + html_escape(value) + "\">" + html_escape(value) + "</a>";
        }
        return html_escape(value);
    }

    void fact(const char* label, const std::string& value_html) {
        out_ += "<dt>" + html_escape(label) + "</dt><dd>" + value_html + "</dd>\n";
    }

    void write_assistant(const RegisterEntry& entry, size_t number) {
        const Assistant& a = entry.assistant;
        const std::string id = "assistant-" + std::to_string(number);
        out_ += "<article class=\"assistant\" id=\"" + id + "\" aria-labelledby=\"" + id +
                "-title\">\n<header>\n<h2 id=\"" + id + "-title\">" + html_escape(a.name) +
                "</h2>\n<p class=\"org\">" + html_escape(a.organisation) +
                "</p>\n<p class=\"badges\">" + status_badge(a) + " " + risk_badge(a) +
                "</p>\n</header>\n";
        out_ += "<section>\n<h3 class=\"facts-title\">" + html_escape(l_.purpose) +
                "</h3>\n<p class=\"text purpose\">" + html_escape(a.purpose) + "</p>\n</section>\n";

        out_ += "<div class=\"topics\">\n";
        topic(l_.impact, text_block(a.impact));
        topic(l_.human_oversight, text_block(a.human_oversight));
        topic(l_.legal_basis, text_block(a.legal_basis));
        std::string data = text_block(a.data_used);
        if (!a.knowledge_bases.empty()) {
            data += "\n<p class=\"kb-title\">" + html_escape(l_.knowledge_bases) +
                    "</p>\n<ul class=\"plain\">";
            for (const std::string& kb : a.knowledge_bases)
                data += "<li>" + html_escape(kb) + "</li>";
            data += "</ul>";
        }
        topic(l_.data_used, data);
        topic(l_.risks, text_block(a.risks_and_mitigations));
        topic(l_.impact_assessment, text_block(a.impact_assessment));
        out_ += "</div>\n";

        out_ += "<dl class=\"facts\">\n";
        fact(l_.status, html_escape(l_.status_names[(int)a.status]));
        fact(l_.risk_class, "<strong>" + html_escape(l_.risk_names[(int)a.risk_class]) +
                                "</strong><span class=\"hint\">" +
                                html_escape(l_.risk_explained[(int)a.risk_class]) + "</span>");
        if (!a.start_date.empty()) fact(l_.start_date, html_escape(date_text(a.start_date, l_)));
        if (!a.end_date.empty()) fact(l_.end_date, html_escape(date_text(a.end_date, l_)));
        std::string model = html_escape(a.model);
        if (entry.model_card && entry.model_card->admin) {
            model += "<span class=\"hint\">" + html_escape(l_.openness) + html_escape(l_.colon) +
                     html_escape(l_.openness_names[(int)entry.model_card->admin->openness_level]) +
                     "</span>";
        }
        fact(l_.model, model);
        if (!a.languages.empty()) {
            std::string names;
            for (const std::string& tag : a.languages) {
                names += (names.empty() ? "" : ", ") + html_escape(language_name(tag, language_));
            }
            fact(l_.languages, names);
        }
        if (!a.version.empty()) fact(l_.version, html_escape(a.version));
        fact(l_.organisation, html_escape(a.organisation));
        fact(l_.contact, link(a.contact));
        if (!a.website.empty()) fact(l_.website, link(a.website));
        if (!a.updated_at.empty()) fact(l_.updated, html_escape(date_text(a.updated_at, l_)));
        out_ += "</dl>\n";

        write_technical(entry);
        out_ += "</article>\n";
    }

    void write_technical(const RegisterEntry& entry) {
        const Assistant& a = entry.assistant;
        out_ +=
            "<details class=\"technical\">\n<summary>" + html_escape(l_.technical) + "</summary>\n";
        if (!entry.model_card) {
            out_ += "<p class=\"missing\">" + html_escape(l_.no_model_card) + "</p>\n";
        } else {
            const ModelCard& card = *entry.model_card;
            const ModelFacts& facts = card.facts;
            out_ += "<dl class=\"facts\">\n";
            fact(l_.model_file, html_escape(facts.file_name) + " (" +
                                    html_escape(bytes_text(facts.file_bytes, l_)) + ")");
            fact(l_.sha256,
                 facts.sha256.empty()
                     ? "<span class=\"missing\">" + html_escape(l_.sha256_pending) + "</span>"
                     : "<span class=\"hash\">" + html_escape(facts.sha256) +
                           "</span><span class=\"hint\">" + html_escape(l_.fingerprint_hint) +
                           "</span>");
            if (!facts.gguf.name.empty()) fact(l_.name_in_file, html_escape(facts.gguf.name));
            if (!facts.architecture.empty()) fact(l_.architecture, html_escape(facts.architecture));
            fact(l_.parameters, html_escape(count_text(facts.n_parameters, l_)));
            if (!facts.file_type.empty()) fact(l_.quantization, html_escape(facts.file_type));
            if (facts.context_length > 0) {
                fact(l_.context_length,
                     html_escape(group((uint64_t)facts.context_length, l_) + " " + l_.tokens));
            }
            std::string licence = facts.gguf.license;
            if (!facts.gguf.license_name.empty()) {
                licence += (licence.empty() ? "" : " \u2014 ") + facts.gguf.license_name;
            }
            if (!licence.empty() || !facts.gguf.license_link.empty()) {
                std::string html = html_escape(licence);
                if (!facts.gguf.license_link.empty()) {
                    html += (html.empty() ? "" : " ") + link(facts.gguf.license_link);
                }
                fact(l_.licence, html);
            }
            const std::string& source =
                !facts.gguf.source_url.empty() ? facts.gguf.source_url : facts.gguf.url;
            if (!source.empty()) fact(l_.source, link(source));
            if (card.admin) {
                const ModelCardAdmin& admin = *card.admin;
                fact(l_.openness, html_escape(l_.openness_names[(int)admin.openness_level]));
                for (auto [label, text] : {std::pair{l_.provenance, &admin.provenance},
                                           std::pair{l_.training_data, &admin.training_data},
                                           std::pair{l_.intended_use, &admin.intended_use},
                                           std::pair{l_.known_limits, &admin.known_limits}}) {
                    if (!blank(*text)) fact(label, text_block(*text));
                }
            }
            out_ += "</dl>\n";
        }
        out_ += "<h3 class=\"facts-title\">" + html_escape(l_.system_prompt) + "</h3>\n";
        if (!a.publish_system_prompt) {
            out_ += "<p class=\"missing\">" + html_escape(l_.system_prompt_hidden) + "</p>\n";
        } else if (blank(a.system_prompt)) {
            out_ += "<p class=\"missing\">" + html_escape(l_.not_stated) + "</p>\n";
        } else {
            out_ += "<pre class=\"prompt\">" + html_escape(a.system_prompt) + "</pre>\n";
        }
        out_ += "</details>\n";
    }

    const RegisterDocument& document_;
    PageLanguage language_;
    const Labels& l_;
    std::string out_;
};

}  // namespace

Result<PageLanguage> parse_page_language(const std::string& code) {
    if (code == "en") return PageLanguage::EN;
    if (code == "fr") return PageLanguage::FR;
    if (code == "de") return PageLanguage::DE;
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "unknown page language '" + code + "' (expected en, fr or de)");
}

const char* page_language_code(PageLanguage language) {
    return labels_for(language).lang;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string render_register_html(const RegisterDocument& document, PageLanguage language) {
    return PageWriter(document, language).render();
}

}  // namespace souverain::governance
