// libFuzzer target for the records administrators write into the register: any bytes are
// either refused with a message or read into an assistant, model-card admin fields or a
// stored card whose JSON reads back to the same record, and which renders into a page with
// exactly one article per assistant (nothing in a value can open or close an element).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "governance/assistant_register.h"
#include "governance/model_card.h"
#include "governance/register_page.h"

namespace {

using namespace souverain::governance;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) {
        ++n;
    }
    return n;
}

void check_assistant(const nlohmann::json& json) {
    auto assistant = parse_assistant(json);
    if (!assistant) {
        check(!assistant.error().message.empty());
        return;
    }
    const nlohmann::ordered_json written = assistant_json(*assistant, false);
    auto again = parse_assistant(nlohmann::json::parse(written.dump()));
    check(again.ok());
    check(assistant_json(*again, false) == written);
    RegisterDocument document;
    document.generated_at = "2025-01-01T00:00:00Z";
    document.entries.push_back(RegisterEntry{*assistant, std::nullopt});
    (void)register_json(document).dump();  // throws on invalid UTF-8: must not happen
    for (PageLanguage language : {PageLanguage::EN, PageLanguage::FR, PageLanguage::DE}) {
        const std::string html = render_register_html(document, language);
        check(count(html, "<article ") == 1 && count(html, "</article>") == 1);
        check(count(html, "<script") == 0);
    }
}

void check_card(const nlohmann::json& json) {
    auto admin = parse_model_card_admin(json);
    if (!admin) check(!admin.error().message.empty());
    auto card = model_card_from_json(json);
    if (!card) return;
    const nlohmann::ordered_json written = model_card_json(*card);
    auto again = model_card_from_json(nlohmann::json::parse(written.dump()));
    check(again.ok());
    check(model_card_json(*again) == written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const nlohmann::json json =
        nlohmann::json::parse(std::string((const char*)data, size), nullptr, false);
    if (json.is_discarded()) return 0;
    check_assistant(json);
    check_card(json);
    return 0;
}
