// SentencePiece BPE as llama.cpp runs it: start from single characters and repeatedly merge
// the adjacent pair whose concatenation is the vocabulary token with the highest score (ties:
// leftmost pair), then emit tokens, falling back to <0xXX> byte tokens for what is left.
#include <queue>

#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"

namespace souverain {

namespace {

// A run of bytes of the text, linked to its neighbours; n_bytes == 0 once merged away.
struct SpmSymbol {
    int32_t prev = -1;
    int32_t next = -1;
    size_t start = 0;
    size_t n_bytes = 0;
};

struct SpmBigram {
    float score = 0.0f;
    int32_t left = 0;
    int32_t right = 0;
    size_t n_bytes = 0;  // size of the pair when queued: detects pairs that changed since
};

// Orders the queue so that top() is the highest score, then the leftmost pair.
struct SpmBigramLess {
    bool operator()(const SpmBigram& lhs, const SpmBigram& rhs) const {
        return lhs.score < rhs.score || (lhs.score == rhs.score && lhs.left > rhs.left);
    }
};

}  // namespace

void spm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out) {
    if (text.empty()) return;

    std::vector<SpmSymbol> symbols;
    symbols.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t n_bytes = unicode::utf8_decode(text, pos).n_bytes;
        SpmSymbol symbol;
        symbol.start = pos;
        symbol.n_bytes = n_bytes;
        symbol.prev = static_cast<int32_t>(symbols.size()) - 1;
        pos += n_bytes;
        symbol.next = pos == text.size() ? -1 : static_cast<int32_t>(symbols.size()) + 1;
        symbols.push_back(symbol);
    }

    std::priority_queue<SpmBigram, std::vector<SpmBigram>, SpmBigramLess> queue;
    auto try_add_bigram = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const size_t n_bytes = symbols[left].n_bytes + symbols[right].n_bytes;
        // Neighbours are adjacent in the text, so the pair is one contiguous view.
        const int32_t id = vocab.find(text.substr(symbols[left].start, n_bytes));
        if (id < 0) return;
        queue.push(SpmBigram{vocab.scores[id], left, right, n_bytes});
    };

    for (int32_t right = 1; right < static_cast<int32_t>(symbols.size()); ++right) {
        try_add_bigram(right - 1, right);
    }

    while (!queue.empty()) {
        const SpmBigram bigram = queue.top();
        queue.pop();
        SpmSymbol& left = symbols[bigram.left];
        SpmSymbol& right = symbols[bigram.right];
        // Symbols only grow, so a stale pair shows as a merged-away side or a changed size.
        if (left.n_bytes == 0 || right.n_bytes == 0 ||
            left.n_bytes + right.n_bytes != bigram.n_bytes) {
            continue;
        }
        left.n_bytes += right.n_bytes;
        right.n_bytes = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = bigram.left;
        try_add_bigram(left.prev, bigram.left);
        try_add_bigram(bigram.left, left.next);
    }

    for (int32_t idx = 0; idx != -1; idx = symbols[idx].next) {
        const std::string_view piece = text.substr(symbols[idx].start, symbols[idx].n_bytes);
        const int32_t id = vocab.find(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        // Every merged symbol is a token, so only single characters get here: spell them out.
        for (const char byte : piece) {
            const int32_t byte_id = vocab.byte_to_id[static_cast<uint8_t>(byte)];
            if (byte_id >= 0) {
                out.push_back(byte_id);
            } else if (vocab.unk_id >= 0) {
                out.push_back(vocab.unk_id);
            }
        }
    }
}

}  // namespace souverain
