// Values that only the words before them reveal: a date of birth ("né le 12 mars 1985",
// "geboren am 3.4.1990", "DOB: 1990-04-03") and a person's name after a title ("Madame
// Anne-Marie Schmit", "Herr Jürgen Müller", "Här Jang Weber").
#include <algorithm>
#include <iterator>
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

// Particles inside names ("Jean de la Fontaine", "Ursula von der Leyen"). Right after the
// title only those that cannot start a function title are taken: "Madame la Ministre" and
// "Monsieur le Maire" are not names.
constexpr std::string_view kParticles[] = {"de",  "du",  "des", "la", "le", "von", "van",
                                           "der", "den", "zu",  "da", "di", "dos", "del"};
constexpr std::string_view kLeadingParticles[] = {"de", "von", "van", "zu",
                                                  "da", "di",  "dos", "del"};

// Up to two particles, each followed by one space, at `pos`; the position after them (`pos`
// itself when there are none).
size_t match_particles(std::string_view text, size_t pos, bool right_after_title) {
    size_t at = pos;
    for (int n = 0; n < 2; ++n) {
        bool matched = false;
        for (std::string_view particle : kParticles) {
            if (n == 0 && right_after_title &&
                std::find(std::begin(kLeadingParticles), std::end(kLeadingParticles), particle) ==
                    std::end(kLeadingParticles)) {
                continue;
            }
            if (text.substr(at, particle.size()) == particle &&
                at + particle.size() < text.size() && text[at + particle.size()] == ' ') {
                at += particle.size() + 1;
                matched = true;
                break;
            }
        }
        if (!matched) break;
    }
    return at;
}

bool ends_with_letter(std::string_view word) {
    return !word.empty() && word.back() != '.' && word.back() != ')';
}

// "né à Esch-sur-Alzette le 3 mars 1980": a place may stand between the trigger and the date.
// After a place preposition, skips at most 48 bytes without digits or sentence punctuation
// up to a connector; returns `pos` unchanged when that is not what follows.
size_t skip_birth_place(std::string_view text, size_t pos) {
    static constexpr std::string_view kPrepositions[] = {"à ", "a ", "in ", "zu ", "at "};
    size_t at = pos;
    for (std::string_view preposition : kPrepositions) {
        if (matches_ascii_ci(text, pos, preposition)) at = pos + preposition.size();
    }
    if (at == pos) return pos;
    const size_t limit = std::min(text.size(), at + 48);
    for (; at < limit; ++at) {
        const char c = text[at];
        if (is_digit(c) || c == '.' || c == ';' || c == '\n' || c == '(' || c == ')') return pos;
        if (c != ' ' && c != ',') continue;
        const size_t next = skip_blanks(text, at + (c == ',' ? 1 : 0));
        for (std::string_view connector : kConnectors) {
            if (next > at && matches_ascii_ci(text, next, connector)) return next;
        }
    }
    return pos;
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
        size_t at = skip_birth_place(text, skip_blanks(text, trigger_end));
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
            // Nobiliary particles belong to the name when a capitalised word follows them.
            const size_t particles_end = match_particles(text, at, n_words == 0);
            const size_t word_end = match_name_word(text, particles_end);
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
