#pragma once
// Query text → weighted index terms, with the handling long lay questions need.
//
// The text is analyzed with the analyzer of every language the knowledge base holds (so a
// German KB gets German stems); a term's weight is its count in the query (or 1 with
// binary_tf). Then, in order:
//   decompound   for German, a word of 8+ code points that splits into two parts of 4+ whose
//                terms are both in the index vocabulary (a linking "s"/"es" dropped from the
//                head: "Kündigungsfrist" → "Kündigung" + "Frist") also contributes both parts,
//                with `decompound_weight` times its weight; the split with the largest
//                geometric mean of the parts' document frequencies wins (Koehn & Knight 2003).
//   min_idf      terms whose idf is below it are dropped (words in most chunks add noise).
//   max_terms    only the max_terms terms with the highest weight × idf are kept (0: all).
//
// Thread-safety: like the LexicalIndex it reads.
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/lexical_index.h"

namespace souverain::retrieval {

struct QueryOptions {
    bool binary_tf = false;
    double decompound_weight = 0.0;  // 0: no decompounding
    double min_idf = 0.0;
    size_t max_terms = 0;
};

Result<std::vector<WeightedTerm>> build_query(std::string_view text, LexicalIndex& index,
                                              const QueryOptions& options);

}  // namespace souverain::retrieval
