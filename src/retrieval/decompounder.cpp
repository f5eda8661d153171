#include "retrieval/decompounder.h"

#include <cmath>

#include "retrieval/chunker.h"

namespace souverain::retrieval {

namespace {

bool is_continuation(char ch) {
    return ((unsigned char)ch & 0xC0) == 0x80;
}

}  // namespace

std::optional<CompoundSplit> split_compound(
    const std::string& folded, Analyzer& analyzer,
    const std::unordered_map<std::string, size_t>& vocabulary) {
    constexpr size_t kMinPart = 4;
    if (count_code_points(folded) < 2 * kMinPart) return std::nullopt;
    std::optional<CompoundSplit> best;
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
                best = CompoundSplit{head, tail};
            }
        }
    }
    return best;
}

}  // namespace souverain::retrieval
