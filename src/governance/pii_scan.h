#pragma once
// Finding personal data in text: runs every detector of pii_detectors.h and resolves overlaps.
//
// Overlap rule (deterministic, independent of detector order): candidates are ranked by
//   1. evidence: a check-digit type (IBAN, LU_NATIONAL_ID, FR_NIR, DE_TAX_ID, PAYMENT_CARD)
//      before a structural one (EMAIL, IP_ADDRESS) before a pattern one (PHONE,
//      DATE_OF_BIRTH) before PERSON;
//   2. then the longer span; 3. then the PiiType order; 4. then the earlier start;
// and taken greedily in that order, each kept only if it overlaps no candidate kept before.
// The result is sorted by start offset (spans are disjoint). Before ranking, candidates that
// overlap a span shaped like an IBAN but failing its check digits are dropped: a mistyped IBAN
// is not a phone number.
//
// Offsets are byte offsets into `text`, which may hold any bytes (invalid UTF-8 included).
// Thread-safety: pure function.
#include <string_view>
#include <vector>

#include "governance/pii_entity.h"

namespace souverain::governance {

std::vector<PiiEntity> scan_pii(std::string_view text);

// Every detector's candidates before overlap resolution, sorted by (start, end, type).
std::vector<PiiEntity> find_pii_candidates(std::string_view text);

// The overlap rule above, applied to any candidate list.
std::vector<PiiEntity> resolve_pii_overlaps(std::vector<PiiEntity> candidates);

}  // namespace souverain::governance
