// Values that only the words before them reveal: a date of birth ("né le 12 mars 1985",
// "geboren am 3.4.1990", "DOB: 1990-04-03") and a person's name after a title ("Madame
// Anne-Marie Schmit", "Herr Jürgen Müller", "Här Jang Weber").
#include <string>

#include "governance/pii_dates.h"
#include "governance/pii_detectors.h"
#include "governance/pii_text.h"

namespace souverain::governance {

namespace {

using namespace pii_text;

// Words that announce a date of birth, matched case-insensitively (ASCII letters), at a word
// boundary. A connector ("le", "am", "on", ...) and a ':' may stand between them and the date.
constexpr std::string_view kBirthTriggers[] = {
    "né(e)",
    "né",
    "née",
    "nee",
    "date de naissance",
    "date of birth",
    "birth date",
    "birthdate",
    "born",
    "dob",
    "d.o.b.",
    "geboren",
    "geb.",
    "geburtsdatum",
    "gebuer",
    "gebuertsdatum",
    "gebuerendatum",
};

constexpr std::string_view kConnectors[] = {"le ", "am ", "den ", "de ", "on ", "the "};

// Titles that precede a name, matched exactly (case matters: "Frau" is a title, "frau" is
// not a word anyone writes before a name). Those ending in a letter need a space after them.
constexpr std::string_view kTitles[] = {
    "Monsieur", "monsieur", "Madame", "madame", "Mademoiselle", "M.",  "Mme",
    "Mme.",     "Mlle",     "Herr",   "Herrn",  "Frau",         "Här", "Madamm",
    "Mr.",      "Mr",       "Mrs.",   "Mrs",    "Ms.",          "Ms",
};

// Academic titles that may stand between the title and the name ("Frau Dr. Schmitt").
constexpr std::string_view kDegrees[] = {"Dr. ", "Prof. ", "Dr ", "Prof "};

bool ends_with_letter(std::string_view word) {
    return !word.empty() && word.back() != '.' && word.back() != ')';
}

// The end of the birth trigger at `pos`, or 0.
size_t match_birth_trigger(std::string_view text, size_t pos) {
    size_t best = 0;
    for (std::string_view trigger : kBirthTriggers) {
        if (trigger.size() <= best || !matches_ascii_ci(text, pos, trigger)) continue;
        if (ends_with_letter(trigger) && !word_boundary_at(text, pos + trigger.size())) continue;
        best = trigger.size();
    }
    return best == 0 ? 0 : pos + best;
}

// A capitalised name word at `pos`: an upper-case letter then letters, optionally further
// capitalised parts after '-' or an apostrophe ("Jean-Pierre", "O'Neill"). Its end, or 0.
size_t match_name_word(std::string_view text, size_t pos) {
    CharAt c = char_at(text, pos);
    if (!c.valid || !is_upper_codepoint(c.cpt)) return 0;
    size_t end = pos + c.n_bytes;
    size_t n_letters = 1;
    while (true) {
        c = char_at(text, end);
        if (c.valid && is_letter_codepoint(c.cpt)) {
            end += c.n_bytes;
            ++n_letters;
            continue;
        }
        // '-', "'" or U+2019 followed by an upper-case letter continues the name.
        size_t joiner = 0;
        if (end < text.size() && (text[end] == '-' || text[end] == '\'')) joiner = 1;
        if (text.substr(end, 3) == "\xE2\x80\x99") joiner = 3;
        if (joiner == 0) break;
        const CharAt next = char_at(text, end + joiner);
        if (!next.valid || !is_upper_codepoint(next.cpt)) break;
        end += joiner;
    }
    if (n_letters < 2 || !word_boundary_at(text, end)) return 0;
    return end;
}

}  // namespace

void detect_dates_of_birth(std::string_view text, std::vector<PiiEntity>& out) {
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const char c = lower_ascii(text[pos]);
        if (c != 'n' && c != 'd' && c != 'b' && c != 'g') continue;
        if (!word_boundary_before(text, pos)) continue;
        const size_t trigger_end = match_birth_trigger(text, pos);
        if (trigger_end == 0) continue;
        size_t at = skip_blanks(text, trigger_end);
        if (at < text.size() && (text[at] == ':' || text[at] == ',')) {
            at = skip_blanks(text, at + 1);
        }
        for (std::string_view connector : kConnectors) {
            if (matches_ascii_ci(text, at, connector)) {
                at = skip_blanks(text, at + connector.size());
                break;
            }
        }
        if (at < text.size() && text[at] == ':') at = skip_blanks(text, at + 1);
        if (!word_boundary_before(text, at)) continue;
        const std::optional<ParsedDate> date = parse_date_at(text, at);
        if (!date) continue;
        out.push_back(PiiEntity{PiiType::DATE_OF_BIRTH, at, at + date->length,
                                std::string(text.substr(at, date->length))});
        pos = at + date->length - 1;
    }
}

void detect_persons(std::string_view text, std::vector<PiiEntity>& out) {
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c != 'M' && c != 'm' && c != 'H' && c != 'F') continue;
        if (!word_boundary_before(text, pos)) continue;
        size_t title_end = 0;
        for (std::string_view title : kTitles) {
            if (title.size() > title_end && text.substr(pos, title.size()) == title) {
                title_end = title.size();
            }
        }
        if (title_end == 0) continue;
        size_t at = pos + title_end;
        if (at >= text.size() || text[at] != ' ') continue;
        at = skip_blanks(text, at);
        for (std::string_view degree : kDegrees) {
            if (text.substr(at, degree.size()) == degree) {
                at = skip_blanks(text, at + degree.size());
                break;
            }
        }
        const size_t start = at;
        size_t end = 0;
        for (int n_words = 0; n_words < 3; ++n_words) {
            const size_t word_end = match_name_word(text, at);
            if (word_end == 0) break;
            end = word_end;
            // Name words are separated by one space (no line break, no punctuation).
            if (word_end + 1 >= text.size() || text[word_end] != ' ') break;
            at = word_end + 1;
        }
        if (end == 0) continue;
        out.push_back(
            PiiEntity{PiiType::PERSON, start, end, std::string(text.substr(start, end - start))});
        pos = end - 1;
    }
}

}  // namespace souverain::governance
