#pragma once
// The individual PII detectors. Each appends every candidate it finds in `text` to `out`
// (possibly overlapping candidates of other detectors; pii_scan.h resolves overlaps). A
// candidate always satisfies its type's checks: check digits, date validity, ranges.
//
// Boundaries: a candidate never starts or ends inside a longer run of letters or digits (a
// Unicode letter or digit next to it disqualifies it), and digit identifiers are not cut out
// of a longer number written with separators ("12 345 678 903 4" is not a DE_TAX_ID).
//
// Thread-safety: pure functions.
#include <string_view>
#include <utility>
#include <vector>

#include "governance/pii_entity.h"

namespace souverain::governance {

// pii_id_detectors.cpp: numbers with check digits.
void detect_ibans(std::string_view text, std::vector<PiiEntity>& out);
// Spans shaped like an IBAN of a known country whose check digits fail: a typo'd IBAN. Parts
// of it must not be reported as other types (its digit groups look like phone numbers).
std::vector<std::pair<size_t, size_t>> find_invalid_iban_shapes(std::string_view text);
void detect_payment_cards(std::string_view text, std::vector<PiiEntity>& out);
void detect_lu_national_ids(std::string_view text, std::vector<PiiEntity>& out);
void detect_fr_nirs(std::string_view text, std::vector<PiiEntity>& out);
void detect_de_tax_ids(std::string_view text, std::vector<PiiEntity>& out);

// pii_network_detectors.cpp
void detect_emails(std::string_view text, std::vector<PiiEntity>& out);
void detect_ip_addresses(std::string_view text, std::vector<PiiEntity>& out);

// pii_phone_detector.cpp
void detect_phones(std::string_view text, std::vector<PiiEntity>& out);

// pii_context_detectors.cpp: values recognized by the words before them.
void detect_dates_of_birth(std::string_view text, std::vector<PiiEntity>& out);
void detect_persons(std::string_view text, std::vector<PiiEntity>& out);

}  // namespace souverain::governance
