// SentencePiece unigram ("t5" in GGUF: T5, XLM-RoBERTa, multilingual-e5, bge-m3): the text is
// normalized (whitespace rules of the SentencePiece normalizer spec), then segmented into the
// sequence of vocabulary pieces with the highest total log-probability (Viterbi over byte
// offsets). A character no piece covers costs the lowest normal score minus 10 and becomes the
// unknown token; consecutive unknown characters collapse into one unknown token, as
// SentencePiece does.
//
// Not implemented: the precompiled character map (tokenizer.ggml.precompiled_charsmap, NFKC-like
// rewrites such as full-width to ASCII). Text the map would change segments differently from
// llama.cpp; Vocab::load says so when a file carries a non-empty map.
#include <cmath>
#include <limits>

#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"

namespace souverain {

namespace {

constexpr std::string_view ESCAPED_SPACE = "\xE2\x96\x81";  // U+2581
constexpr double kUnknownPenalty = 10.0;

// Pieces the segmentation may use: normal, user-defined and unused ones (SentencePiece keeps
// unused pieces in its trie; control, unknown and byte pieces never match text).
bool is_segment_piece(TokenType type) {
    return type == TokenType::NORMAL || type == TokenType::USER_DEFINED ||
           type == TokenType::UNUSED;
}

}  // namespace

std::string ugm_normalize(const VocabData& vocab, std::string_view text) {
    std::string out;
    out.reserve(text.size() + ESCAPED_SPACE.size());
    bool in_word = false;
    bool prefix_added = false;
    for (size_t pos = 0; pos < text.size();) {
        const unicode::Utf8Step step = unicode::utf8_decode(text, pos);
        pos += step.n_bytes;
        if (step.valid && step.cpt == ' ') {
            in_word = false;
            if (!vocab.remove_extra_whitespaces) out += ESCAPED_SPACE;
            continue;
        }
        if (!in_word) {
            in_word = true;
            // A word gets the dummy prefix when it is the first and the spec asks for one; with
            // extra whitespace removed, every word (the first included, as llama.cpp does) gets
            // exactly one space in front, whatever ran of spaces stood there.
            if ((vocab.add_space_prefix && !prefix_added) || vocab.remove_extra_whitespaces) {
                out += ESCAPED_SPACE;
                prefix_added = true;
            }
        }
        unicode::utf8_append(out, step.valid ? step.cpt : unicode::REPLACEMENT_CHARACTER);
    }
    return out;
}

void ugm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out) {
    const std::string normalized = ugm_normalize(vocab, text);
    const size_t n = normalized.size();
    if (n == 0) return;
    // best[i]: the best segmentation of normalized[0, i): its score, its last piece, where
    // that piece starts.
    struct Cell {
        double score = -std::numeric_limits<double>::infinity();
        int32_t id = -1;
        size_t start = 0;
    };
    std::vector<Cell> best(n + 1);
    best[0].score = 0.0;
    const std::string_view view(normalized);
    for (size_t start = 0; start < n;) {
        const size_t char_len = std::min<size_t>(
            std::max<size_t>(1, unicode::utf8_sequence_length((uint8_t)view[start])), n - start);
        if (best[start].score > -std::numeric_limits<double>::infinity()) {
            bool single_char_piece = false;
            const size_t end_max = std::min(n, start + vocab.max_token_bytes);
            for (size_t end = start + 1; end <= end_max; ++end) {
                const int32_t id = vocab.find(view.substr(start, end - start));
                if (id < 0 || !is_segment_piece(vocab.types[(size_t)id])) continue;
                // User-defined pieces are whole units the user asked for: they score 0.
                const double piece_score = vocab.types[(size_t)id] == TokenType::USER_DEFINED
                                               ? 0.0
                                               : (double)vocab.scores[(size_t)id];
                const double score = best[start].score + piece_score;
                if (score > best[end].score) best[end] = {score, id, start};
                if (end == start + char_len) single_char_piece = true;
            }
            if (!single_char_piece) {
                const double score = best[start].score + vocab.ugm_unknown_score;
                if (score > best[start + char_len].score) {
                    best[start + char_len] = {score, vocab.unk_id, start};
                }
            }
        }
        start += char_len;
    }
    // Back from the end; runs of unknown characters become one unknown token.
    std::vector<int32_t> reversed;
    for (size_t end = n; end > 0; end = best[end].start) {
        const int32_t id = best[end].id;
        if (id == vocab.unk_id && !reversed.empty() && reversed.back() == vocab.unk_id) continue;
        reversed.push_back(id);
    }
    for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
        if (*it >= 0) out.push_back(*it);
    }
}

}  // namespace souverain
