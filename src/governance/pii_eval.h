#pragma once
// Evaluation of the PII detectors on a labeled set: JSON Lines, one case per line,
//   {"text": "...", "entities": [{"type": "EMAIL", "text": "anne@example.lu"}, ...]}
// A prediction matches a label of the same type and exactly the same text; values that occur
// several times count several times (per case and type: true positives = the size of the
// multiset intersection). Precision is 1 when nothing was predicted, recall 1 when nothing
// was labeled (no evidence of error), F1 their harmonic mean.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace souverain::governance {

struct PiiLabeledCase {
    std::string text;
    std::vector<std::pair<std::string, std::string>> entities;  // (type name, text)
};

// Parses the whole JSONL content; blank lines are skipped. Errors name the line.
Result<std::vector<PiiLabeledCase>> parse_pii_labels(std::string_view jsonl);

struct PiiScore {
    size_t true_positives = 0;
    size_t false_positives = 0;
    size_t false_negatives = 0;

    double precision() const;
    double recall() const;
    double f1() const;
};

struct PiiEvaluation {
    size_t n_cases = 0;
    std::map<std::string, PiiScore> per_type;  // every type labeled or predicted
    PiiScore overall;
    // Up to a few examples of each error kind, for a human to read ("FP PHONE '...' in ...").
    std::vector<std::string> errors;
};

// Adds one case's comparison: `predicted` and `labeled` are (type name, text) pairs.
void add_pii_case(PiiEvaluation& evaluation,
                  const std::vector<std::pair<std::string, std::string>>& labeled,
                  const std::vector<std::pair<std::string, std::string>>& predicted,
                  std::string_view case_text);

// Runs scan_pii on every case and scores it.
PiiEvaluation evaluate_pii(const std::vector<PiiLabeledCase>& cases);

// A fixed-width table: type, labeled, predicted, TP, FP, FN, precision, recall, F1; then
// the overall line.
std::string format_pii_evaluation(const PiiEvaluation& evaluation);

// {"cases": N, "types": {"EMAIL": {"tp", "fp", "fn", "precision", "recall", "f1"}, ...},
//  "overall": {...}}
std::string pii_evaluation_json(const PiiEvaluation& evaluation);

}  // namespace souverain::governance
