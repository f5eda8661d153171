#pragma once
// What a PII detector reports: a typed span of the input, in byte offsets into the UTF-8 text
// that was scanned (start inclusive, end exclusive), and a copy of those bytes.
//
// Thread-safety: plain values and pure functions.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace souverain::governance {

// The order is the tie-break order of overlap resolution (see pii_scan.h): earlier wins.
enum class PiiType {
    IBAN,
    LU_NATIONAL_ID,
    FR_NIR,
    DE_TAX_ID,
    PAYMENT_CARD,
    EMAIL,
    IP_ADDRESS,
    PHONE,
    DATE_OF_BIRTH,
    PERSON,
};

inline constexpr PiiType kAllPiiTypes[] = {
    PiiType::IBAN,          PiiType::LU_NATIONAL_ID, PiiType::FR_NIR,     PiiType::DE_TAX_ID,
    PiiType::PAYMENT_CARD,  PiiType::EMAIL,          PiiType::IP_ADDRESS, PiiType::PHONE,
    PiiType::DATE_OF_BIRTH, PiiType::PERSON,
};

// "EMAIL", "PHONE", ... as they appear in pseudonyms, JSON and labeled sets.
const char* pii_type_name(PiiType type);
std::optional<PiiType> parse_pii_type(std::string_view name);

struct PiiEntity {
    PiiType type;
    size_t start = 0;  // byte offset of the first byte
    size_t end = 0;    // byte offset one past the last byte
    std::string text;  // the bytes [start, end) of the input

    bool operator==(const PiiEntity&) const = default;
};

}  // namespace souverain::governance
