#include "retrieval/query_builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "retrieval/analyzer.h"
#include "retrieval/chunker.h"
#include "retrieval/decompounder.h"

namespace souverain::retrieval {

Result<std::vector<WeightedTerm>> build_query(std::string_view text, LexicalIndex& index,
                                              const QueryOptions& options) {
    std::vector<Language> languages = index.languages();
    if (languages.empty()) languages.push_back(Language::OTHER);
    const std::unordered_map<std::string, size_t>* vocabulary = nullptr;
    if (options.decompound_weight > 0) {
        Result<const std::unordered_map<std::string, size_t>*> vocab = index.vocabulary();
        if (!vocab) return vocab.error();
        vocabulary = *vocab;
    }
    std::map<std::string, double> weights;
    std::string folded;
    for (Language language : languages) {
        Analyzer analyzer(language);
        std::map<std::string, double> counts;
        for_each_word(text, [&](size_t begin, size_t end) {
            fold_word(text.substr(begin, end - begin), folded);
            const std::string term = analyzer.term_of_folded(folded);
            if (term.empty()) return;
            counts[term] += 1.0;
            if (vocabulary != nullptr && language == Language::DE) {
                if (std::optional<CompoundSplit> split =
                        split_compound(folded, analyzer, *vocabulary)) {
                    counts[split->head] += options.decompound_weight;
                    counts[split->tail] += options.decompound_weight;
                }
            }
        });
        for (auto& [term, count] : counts) {
            double& weight = weights[term];
            weight = std::max(weight, options.binary_tf ? std::min(count, 1.0) : count);
        }
    }
    struct Candidate {
        WeightedTerm term;
        double rank;
    };
    std::vector<Candidate> candidates;
    for (auto& [term, weight] : weights) {
        Result<size_t> df = index.document_frequency(term);
        if (!df) return df.error();
        if (*df == 0) continue;
        const double idf = index.idf(*df);
        if (idf < options.min_idf) continue;
        candidates.push_back(Candidate{WeightedTerm{term, weight}, weight * idf});
    }
    if (options.max_terms > 0 && candidates.size() > options.max_terms) {
        std::stable_sort(candidates.begin(), candidates.end(),
                         [](const Candidate& a, const Candidate& b) { return a.rank > b.rank; });
        candidates.resize(options.max_terms);
    }
    std::vector<WeightedTerm> query;
    for (Candidate& candidate : candidates) query.push_back(std::move(candidate.term));
    return query;
}

}  // namespace souverain::retrieval
