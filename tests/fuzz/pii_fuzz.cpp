// libFuzzer target for the PII scanner and pseudonymizer. Any bytes (invalid UTF-8 included):
// every entity lies inside the input, entities are sorted and disjoint, each text equals its
// slice of the input, and reversing a pseudonymization puts the originals back. The scanner of
// pseudonyms that reversal runs on untrusted text (pii_vault.h find_pseudonyms) finds sorted,
// disjoint spans inside the input, each "<" ... ">", and finds every pseudonym just produced.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "governance/pii_pseudonymizer.h"
#include "governance/pii_scan.h"
#include "governance/pii_vault.h"

namespace {

using namespace souverain::governance;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

const PseudonymKey& fuzz_key() {
    static const PseudonymKey key = [] {
        std::array<uint8_t, PseudonymKey::kSize> bytes{};
        for (size_t idx = 0; idx < bytes.size(); ++idx) bytes[idx] = static_cast<uint8_t>(idx);
        return PseudonymKey(bytes);
    }();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::vector<PiiEntity> entities = scan_pii(text);
    size_t previous_end = 0;
    for (const PiiEntity& entity : entities) {
        check(entity.start < entity.end);
        check(entity.end <= text.size());
        check(entity.start >= previous_end);
        check(text.substr(entity.start, entity.end - entity.start) == entity.text);
        check(parse_pii_type(pii_type_name(entity.type)) == entity.type);
        previous_end = entity.end;
    }
    // Candidates before resolution obey the same bounds.
    for (const PiiEntity& entity : find_pii_candidates(text)) {
        check(entity.start < entity.end && entity.end <= text.size());
    }
    // Reversal puts back, for every entity, the original its pseudonym maps to (the first
    // surface form of that value). The check needs an input without '<': otherwise text of
    // the input that spells a produced pseudonym would be rewritten too.
    const PseudonymizedText result = pseudonymize(text, entities, fuzz_key());
    check(result.pseudonyms.size() == entities.size());
    if (text.find('<') == std::string_view::npos) {
        std::string expected;
        size_t cursor = 0;
        for (size_t idx = 0; idx < entities.size(); ++idx) {
            expected.append(text.substr(cursor, entities[idx].start - cursor));
            expected += result.mapping.at(result.pseudonyms[idx]);
            cursor = entities[idx].end;
        }
        expected.append(text.substr(cursor));
        check(reverse(result.text, result.mapping) == expected);
        // Without '<' in the input, the pseudonyms are exactly what the scanner finds.
        check(find_pseudonyms(result.text).size() == entities.size());
    }
    size_t span_end = 0;
    for (const auto& [start, end] : find_pseudonyms(text)) {
        check(start >= span_end && start < end && end <= text.size());
        check(text[start] == '<' && text[end - 1] == '>');
        span_end = end;
    }
    return 0;
}
