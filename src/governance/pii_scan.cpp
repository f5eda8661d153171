#include "governance/pii_scan.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <tuple>

#include "governance/pii_detectors.h"

namespace souverain::governance {

namespace {

int evidence_rank(PiiType type) {
    switch (type) {
        case PiiType::IBAN:
        case PiiType::LU_NATIONAL_ID:
        case PiiType::FR_NIR:
        case PiiType::DE_TAX_ID:
        case PiiType::PAYMENT_CARD:
            return 0;
        case PiiType::EMAIL:
        case PiiType::IP_ADDRESS:
            return 1;
        case PiiType::PHONE:
        case PiiType::DATE_OF_BIRTH:
            return 2;
        case PiiType::PERSON:
            return 3;
    }
    return 4;
}

}  // namespace

const char* pii_type_name(PiiType type) {
    switch (type) {
        case PiiType::IBAN:
            return "IBAN";
        case PiiType::LU_NATIONAL_ID:
            return "LU_NATIONAL_ID";
        case PiiType::FR_NIR:
            return "FR_NIR";
        case PiiType::DE_TAX_ID:
            return "DE_TAX_ID";
        case PiiType::PAYMENT_CARD:
            return "PAYMENT_CARD";
        case PiiType::EMAIL:
            return "EMAIL";
        case PiiType::IP_ADDRESS:
            return "IP_ADDRESS";
        case PiiType::PHONE:
            return "PHONE";
        case PiiType::DATE_OF_BIRTH:
            return "DATE_OF_BIRTH";
        case PiiType::PERSON:
            return "PERSON";
    }
    return "UNKNOWN";
}

std::optional<PiiType> parse_pii_type(std::string_view name) {
    for (PiiType type : kAllPiiTypes) {
        if (name == pii_type_name(type)) return type;
    }
    return std::nullopt;
}

std::vector<PiiEntity> find_pii_candidates(std::string_view text) {
    std::vector<PiiEntity> candidates;
    detect_ibans(text, candidates);
    detect_payment_cards(text, candidates);
    detect_lu_national_ids(text, candidates);
    detect_fr_nirs(text, candidates);
    detect_de_tax_ids(text, candidates);
    detect_emails(text, candidates);
    detect_ip_addresses(text, candidates);
    detect_phones(text, candidates);
    detect_dates_of_birth(text, candidates);
    detect_persons(text, candidates);
    const std::vector<std::pair<size_t, size_t>> bad_ibans = find_invalid_iban_shapes(text);
    if (!bad_ibans.empty()) {
        std::erase_if(candidates, [&](const PiiEntity& entity) {
            // Both lists are small next to the text; spans are sorted by start.
            auto it = std::upper_bound(bad_ibans.begin(), bad_ibans.end(),
                                       std::make_pair(entity.start, SIZE_MAX));
            if (it != bad_ibans.end() && it->first < entity.end) return true;
            return it != bad_ibans.begin() && std::prev(it)->second > entity.start;
        });
    }
    std::sort(candidates.begin(), candidates.end(), [](const PiiEntity& a, const PiiEntity& b) {
        return std::tie(a.start, a.end, a.type) < std::tie(b.start, b.end, b.type);
    });
    return candidates;
}

std::vector<PiiEntity> resolve_pii_overlaps(std::vector<PiiEntity> candidates) {
    std::sort(candidates.begin(), candidates.end(), [](const PiiEntity& a, const PiiEntity& b) {
        const int rank_a = evidence_rank(a.type), rank_b = evidence_rank(b.type);
        if (rank_a != rank_b) return rank_a < rank_b;
        const size_t len_a = a.end - a.start, len_b = b.end - b.start;
        if (len_a != len_b) return len_a > len_b;
        if (a.type != b.type) return a.type < b.type;
        return a.start < b.start;
    });
    // Kept spans are disjoint, so only the kept spans just before and just after a
    // candidate's start can overlap it: an ordered map keeps this O(n log n).
    std::map<size_t, size_t> kept_spans;  // start -> end
    std::vector<PiiEntity> kept;
    for (PiiEntity& candidate : candidates) {
        auto next = kept_spans.lower_bound(candidate.start);
        if (next != kept_spans.end() && next->first < candidate.end) continue;
        if (next != kept_spans.begin() && std::prev(next)->second > candidate.start) continue;
        kept_spans.emplace(candidate.start, candidate.end);
        kept.push_back(std::move(candidate));
    }
    std::sort(kept.begin(), kept.end(),
              [](const PiiEntity& a, const PiiEntity& b) { return a.start < b.start; });
    return kept;
}

std::vector<PiiEntity> scan_pii(std::string_view text) {
    return resolve_pii_overlaps(find_pii_candidates(text));
}

}  // namespace souverain::governance
