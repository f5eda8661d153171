#include "retrieval/query_builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "retrieval/analyzer.h"
#include "retrieval/chunker.h"

namespace souverain::retrieval {

namespace {

bool is_continuation(char ch) {
    return ((unsigned char)ch & 0xC0) == 0x80;
}

struct Split {
    std::string head;
    std::string tail;
};

// The best two-part split of a folded German word against the vocabulary, if any.
std::optional<Split> split_compound(const std::string& folded, Analyzer& analyzer,
                                    const std::unordered_map<std::string, size_t>& vocabulary) {
    constexpr size_t kMinPart = 4;
    if (count_code_points(folded) < 2 * kMinPart) return std::nullopt;
    std::optional<Split> best;
    double best_score = 0;
    for (size_t i = 1; i < folded.size(); ++i) {
        if (is_continuation(folded[i])) continue;
        const std::string head_word = folded.substr(0, i);
        const std::string tail_word = folded.substr(i);
        if (count_code_points(head_word) < kMinPart || count_code_points(tail_word) < kMinPart) {
            continue;
        }
        const std::string tail = analyzer.term_of_folded(tail_word);
        auto tail_df = vocabulary.find(tail);
        if (tail.empty() || tail_df == vocabulary.end()) continue;
        for (std::string_view link : {"", "s", "es"}) {
            if (head_word.size() < link.size() + kMinPart ||
                head_word.compare(head_word.size() - link.size(), link.size(), link) != 0) {
                continue;
            }
            const std::string head =
                analyzer.term_of_folded(head_word.substr(0, head_word.size() - link.size()));
            auto head_df = vocabulary.find(head);
            if (head.empty() || head_df == vocabulary.end()) continue;
            const double score = std::sqrt((double)head_df->second * (double)tail_df->second);
            if (score > best_score) {
                best_score = score;
                best = Split{head, tail};
            }
        }
    }
    return best;
}

}  // namespace

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
                if (std::optional<Split> split = split_compound(folded, analyzer, *vocabulary)) {
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
