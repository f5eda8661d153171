#pragma once
// Answers grounded in a knowledge base: from a question and the passages retrieved for it,
//   - the prompt a model answers from: a system message in the question's language (answer
//     only from the numbered sources, cite them as [1], [2], say so when they do not answer)
//     and a user message holding the numbered sources, then the question;
//   - the citations: one per source, numbered as in the prompt, each pointing at its passage
//     (knowledge base, document, chunk, code point offsets [start, end), passage text);
//   - the extractive answer, for use without a model: the passages themselves, best first,
//     each followed by its [n] marker.
//
// Language: the question's (retrieval/language.h); when the question is too short to tell,
// the language most of the passages are in; English when neither says.
//
// Thread-safety: pure functions.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/language.h"
#include "retrieval/search_hit.h"

namespace souverain::retrieval {

struct Citation {
    int number = 0;  // 1-based, as cited: [number]
    RetrievedPassage source;
};

struct GroundedPrompt {
    Language language = Language::EN;  // of the instructions and labels
    std::string system;                // the instructions
    std::string user;                  // "Sources:" with the numbered passages, then the question
    std::vector<Citation> citations;   // in the order of the prompt
};

Language answer_language(std::string_view question, const std::vector<RetrievedPassage>& passages);

// The passages are numbered in the order given (best first).
GroundedPrompt build_grounded_prompt(std::string_view question,
                                     const std::vector<RetrievedPassage>& passages);

// The passages with their markers ("passage [1]\n\npassage [2]"), or a sentence saying that
// the knowledge base holds nothing for the question when there are no citations.
std::string extractive_answer(const GroundedPrompt& prompt);

// [{"number", "knowledge_base", "document_id", "chunk_id", "title", "metadata", "start", "end",
//   "score", "retrieval_mode", "passage"}, ...] (retrieval_mode: lexical, dense or hybrid, the
// search that found the passage; its score is that search's: BM25, cosine or fused)
nlohmann::json citations_json(const std::vector<Citation>& citations);

// The user message for templates without a system role: the instructions, then prompt.user.
std::string merged_user_message(const GroundedPrompt& prompt);

}  // namespace souverain::retrieval
