#pragma once
// The register of assistants as one HTML page for citizens: self-contained (inline CSS, no
// script, no font, image or other external asset), `lang` set, one h1, an h2 per assistant,
// h3 per topic, plain-language labels in English, French or German (the administrators'
// texts are shown as they wrote them). Every value is escaped: nothing an administrator or a
// model file wrote can become markup. Links are made only from http(s) URLs and e-mail
// addresses.
//
// Thread-safety: pure functions.
#include <string>
#include <string_view>

#include "common/error.h"
#include "governance/assistant_register.h"

namespace souverain::governance {

enum class PageLanguage { EN, FR, DE };

// "en", "fr" or "de".
Result<PageLanguage> parse_page_language(const std::string& code);
const char* page_language_code(PageLanguage language);

std::string render_register_html(const RegisterDocument& document, PageLanguage language);

// Text as HTML character data or a quoted attribute value (& < > " ' escaped).
std::string html_escape(std::string_view text);

}  // namespace souverain::governance
