#include "governance/pii_eval.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "governance/pii_scan.h"

namespace souverain::governance {

namespace {

constexpr size_t kMaxErrorExamples = 50;

nlohmann::json score_json(const PiiScore& score) {
    return {{"tp", score.true_positives},  {"fp", score.false_positives},
            {"fn", score.false_negatives}, {"precision", score.precision()},
            {"recall", score.recall()},    {"f1", score.f1()}};
}

}  // namespace

double PiiScore::precision() const {
    const size_t predicted = true_positives + false_positives;
    return predicted == 0 ? 1.0 : static_cast<double>(true_positives) / predicted;
}

double PiiScore::recall() const {
    const size_t labeled = true_positives + false_negatives;
    return labeled == 0 ? 1.0 : static_cast<double>(true_positives) / labeled;
}

double PiiScore::f1() const {
    const double p = precision(), r = recall();
    return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

Result<std::vector<PiiLabeledCase>> parse_pii_labels(std::string_view jsonl) {
    std::vector<PiiLabeledCase> cases;
    size_t line_number = 0;
    size_t pos = 0;
    while (pos < jsonl.size()) {
        size_t newline = jsonl.find('\n', pos);
        if (newline == std::string_view::npos) newline = jsonl.size();
        const std::string_view line = jsonl.substr(pos, newline - pos);
        pos = newline + 1;
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const std::string where = "labels line " + std::to_string(line_number) + ": ";
        const nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            return make_error(ErrorCode::FORMAT, where + "not a JSON object");
        }
        if (!doc.contains("text") || !doc["text"].is_string()) {
            return make_error(ErrorCode::FORMAT, where + "\"text\" must be a string");
        }
        if (!doc.contains("entities") || !doc["entities"].is_array()) {
            return make_error(ErrorCode::FORMAT, where + "\"entities\" must be an array");
        }
        PiiLabeledCase labeled;
        labeled.text = doc["text"].get<std::string>();
        for (const nlohmann::json& entity : doc["entities"]) {
            if (!entity.is_object() || !entity.contains("type") || !entity["type"].is_string() ||
                !entity.contains("text") || !entity["text"].is_string()) {
                return make_error(ErrorCode::FORMAT,
                                  where + "each entity needs string \"type\" and \"text\"");
            }
            labeled.entities.emplace_back(entity["type"].get<std::string>(),
                                          entity["text"].get<std::string>());
        }
        cases.push_back(std::move(labeled));
    }
    return cases;
}

void add_pii_case(PiiEvaluation& evaluation,
                  const std::vector<std::pair<std::string, std::string>>& labeled,
                  const std::vector<std::pair<std::string, std::string>>& predicted,
                  std::string_view case_text) {
    ++evaluation.n_cases;
    std::map<std::pair<std::string, std::string>, long> balance;  // labeled minus predicted
    for (const auto& entity : labeled) {
        ++balance[entity];
        evaluation.per_type[entity.first];  // every labeled type gets a row
    }
    for (const auto& entity : predicted) {
        --balance[entity];
        evaluation.per_type[entity.first];
    }
    std::map<std::pair<std::string, std::string>, long> n_labeled;
    for (const auto& entity : labeled) ++n_labeled[entity];
    for (const auto& [entity, missing] : balance) {
        PiiScore& score = evaluation.per_type[entity.first];
        const long labeled_count = n_labeled[entity];
        const long predicted_count = labeled_count - missing;
        const long matched = std::min(labeled_count, predicted_count);
        const size_t fp = static_cast<size_t>(predicted_count - matched);
        const size_t fn = static_cast<size_t>(labeled_count - matched);
        score.true_positives += static_cast<size_t>(matched);
        score.false_positives += fp;
        score.false_negatives += fn;
        evaluation.overall.true_positives += static_cast<size_t>(matched);
        evaluation.overall.false_positives += fp;
        evaluation.overall.false_negatives += fn;
        if ((fp > 0 || fn > 0) && evaluation.errors.size() < kMaxErrorExamples) {
            evaluation.errors.push_back(std::string(fp > 0 ? "FP " : "FN ") + entity.first + " '" +
                                        entity.second +
                                        "' in: " + std::string(case_text.substr(0, 160)));
        }
    }
}

PiiEvaluation evaluate_pii(const std::vector<PiiLabeledCase>& cases) {
    PiiEvaluation evaluation;
    for (const PiiLabeledCase& labeled : cases) {
        std::vector<std::pair<std::string, std::string>> predicted;
        for (const PiiEntity& entity : scan_pii(labeled.text)) {
            predicted.emplace_back(pii_type_name(entity.type), entity.text);
        }
        add_pii_case(evaluation, labeled.entities, predicted, labeled.text);
    }
    return evaluation;
}

std::string format_pii_evaluation(const PiiEvaluation& evaluation) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof(line), "%-16s %8s %9s %6s %6s %6s %9s %7s %7s\n", "type", "labeled",
                  "predicted", "tp", "fp", "fn", "precision", "recall", "f1");
    out += line;
    auto row = [&](const std::string& name, const PiiScore& s) {
        std::snprintf(line, sizeof(line), "%-16s %8zu %9zu %6zu %6zu %6zu %9.3f %7.3f %7.3f\n",
                      name.c_str(), s.true_positives + s.false_negatives,
                      s.true_positives + s.false_positives, s.true_positives, s.false_positives,
                      s.false_negatives, s.precision(), s.recall(), s.f1());
        out += line;
    };
    for (const auto& [name, score] : evaluation.per_type) row(name, score);
    row("OVERALL", evaluation.overall);
    out += "cases: " + std::to_string(evaluation.n_cases) + "\n";
    return out;
}

std::string pii_evaluation_json(const PiiEvaluation& evaluation) {
    nlohmann::json doc;
    doc["cases"] = evaluation.n_cases;
    doc["types"] = nlohmann::json::object();
    for (const auto& [name, score] : evaluation.per_type) doc["types"][name] = score_json(score);
    doc["overall"] = score_json(evaluation.overall);
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace souverain::governance
