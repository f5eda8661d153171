#pragma once
// German compound splitting against a vocabulary of index terms (Koehn & Knight 2003): a word
// of 8+ code points splits into head + tail of 4+ each (a linking "s"/"es" dropped from the
// head: "kündigungsfrist" → "kündigung" + "frist") when the terms of both parts (through the
// analyzer: stemmed, unaccented) are in the vocabulary; of the candidate splits the one with the
// largest geometric mean of the parts' document frequencies wins.
//
// Thread-safety: like the Analyzer it is given (one per thread).
#include <optional>
#include <string>
#include <unordered_map>

#include "retrieval/analyzer.h"

namespace souverain::retrieval {

struct CompoundSplit {
    std::string head;  // index terms
    std::string tail;
};

// `folded` is a case-folded word (or an index term: splitting a stem works the same way).
std::optional<CompoundSplit> split_compound(
    const std::string& folded, Analyzer& analyzer,
    const std::unordered_map<std::string, size_t>& vocabulary);

}  // namespace souverain::retrieval
