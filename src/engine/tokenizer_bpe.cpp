// Byte-level BPE (GPT-2 family): the pre-tokenizer regex splits the text into words, each word's
// bytes are mapped to the GPT-2 alphabet, and adjacent tokens are merged lowest rank first.
#include <queue>

#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"

namespace souverain {

namespace {

// The text decoded once for the matchers: code point, category flags and byte offset per
// character. Positions past the end read as a sentinel with no category at all.
class CodepointText {
public:
    static constexpr uint32_t OUT_OF_RANGE = 0xFFFFFFFF;

    explicit CodepointText(std::string_view text) {
        cpts_.reserve(text.size());
        flags_.reserve(text.size());
        offsets_.reserve(text.size() + 1);
        for (size_t pos = 0; pos < text.size();) {
            const unicode::Utf8Step step = unicode::utf8_decode(text, pos);
            cpts_.push_back(step.cpt);  // invalid bytes read as U+FFFD
            flags_.push_back(unicode::codepoint_flags(step.cpt));
            offsets_.push_back(pos);
            pos += step.n_bytes;
        }
        offsets_.push_back(text.size());
    }

    size_t size() const { return cpts_.size(); }
    uint32_t cpt(size_t pos) const { return pos < cpts_.size() ? cpts_[pos] : OUT_OF_RANGE; }
    unicode::CodepointFlags flags(size_t pos) const {
        return pos < flags_.size() ? flags_[pos] : unicode::CodepointFlags{};
    }
    size_t offset(size_t pos) const { return offsets_[pos]; }

private:
    std::vector<uint32_t> cpts_;
    std::vector<unicode::CodepointFlags> flags_;
    std::vector<size_t> offsets_;  // size() + 1 entries
};

bool is_newline(uint32_t cpt) {
    return cpt == '\r' || cpt == '\n';
}

// [^\s\p{L}\p{N}] for a real character (the out-of-range sentinel matches nothing).
bool is_other(const CodepointText& text, size_t pos) {
    if (pos >= text.size()) return false;
    const unicode::CodepointFlags flags = text.flags(pos);
    return !flags.is_whitespace && !flags.is_letter && !flags.is_number;
}

uint32_t ascii_lower(uint32_t cpt) {
    return (cpt >= 'A' && cpt <= 'Z') ? cpt + 32 : cpt;
}

// Length (2 or 3) of a contraction 's 't 'm 'd 're 've 'll starting at `pos`, or 0.
size_t match_contraction(const CodepointText& text, size_t pos, bool ignore_case) {
    if (text.cpt(pos) != '\'' || pos + 1 >= text.size()) return 0;
    auto fold = [&](uint32_t cpt) { return ignore_case ? ascii_lower(cpt) : cpt; };
    const uint32_t first = fold(text.cpt(pos + 1));
    if (first == 's' || first == 't' || first == 'm' || first == 'd') return 2;
    if (pos + 2 >= text.size()) return 0;
    const uint32_t second = fold(text.cpt(pos + 2));
    if ((first == 'r' && second == 'e') || (first == 'v' && second == 'e') ||
        (first == 'l' && second == 'l')) {
        return 3;
    }
    return 0;
}

// End of the whitespace alternatives at `pos`. with_newlines adds \s*[\r\n]+ in front of
// \s+(?!\S)|\s+. Returns pos + 1 when nothing matches (the character stands alone).
size_t match_whitespace(const CodepointText& text, size_t pos, bool with_newlines) {
    size_t n_spaces = 0;
    size_t newline_end = 0;  // \s*[\r\n]+ ends after the last newline of the run
    while (text.flags(pos + n_spaces).is_whitespace) {
        if (is_newline(text.cpt(pos + n_spaces))) newline_end = pos + n_spaces + 1;
        ++n_spaces;
    }
    if (with_newlines && newline_end > 0) return newline_end;
    // \s+(?!\S): before a non-space, the run gives its last space to the next piece.
    if (n_spaces > 1 && pos + n_spaces < text.size()) return pos + n_spaces - 1;
    if (n_spaces > 0) return pos + n_spaces;
    return pos + 1;
}

size_t match_gpt2(const CodepointText& text, size_t pos) {
    if (const size_t n = match_contraction(text, pos, /*ignore_case=*/false)) return pos + n;
    const size_t body = pos + (text.cpt(pos) == ' ' ? 1 : 0);  // the optional leading space
    size_t end = body;
    if (text.flags(body).is_letter) {
        while (text.flags(end).is_letter) ++end;
        return end;
    }
    if (text.flags(body).is_number) {
        while (text.flags(end).is_number) ++end;
        return end;
    }
    if (is_other(text, body)) {
        while (is_other(text, end)) ++end;
        return end;
    }
    return match_whitespace(text, pos, /*with_newlines=*/false);
}

size_t match_llama3(const CodepointText& text, size_t pos, size_t n_digits_max) {
    if (const size_t n = match_contraction(text, pos, /*ignore_case=*/true)) return pos + n;
    const uint32_t cpt = text.cpt(pos);
    const unicode::CodepointFlags flags = text.flags(pos);
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!is_newline(cpt) && !flags.is_number &&
        (flags.is_letter || text.flags(pos + 1).is_letter)) {
        size_t end = pos + 1;
        while (text.flags(end).is_letter) ++end;
        return end;
    }
    // \p{N}{1,3} (or \p{N})
    if (flags.is_number) {
        size_t end = pos + 1;
        while (end - pos < n_digits_max && text.flags(end).is_number) ++end;
        return end;
    }
    // ' '?[^\s\p{L}\p{N}]+[\r\n]*
    const size_t body = pos + (cpt == ' ' ? 1 : 0);
    if (is_other(text, body)) {
        size_t end = body;
        while (is_other(text, end)) ++end;
        while (is_newline(text.cpt(end))) ++end;
        return end;
    }
    return match_whitespace(text, pos, /*with_newlines=*/true);
}

// A symbol of the word being merged: a run of the mapped word, linked to its neighbours.
struct BpeSymbol {
    int32_t prev = -1;
    int32_t next = -1;
    size_t start = 0;
    size_t n_bytes = 0;  // 0 once merged into its left neighbour
    int32_t id = -1;     // token of the run; -1 for a character outside the vocabulary
};

struct BpeBigram {
    int32_t rank = 0;
    int32_t left = 0;
    int32_t right = 0;
    int32_t left_id = 0;  // the sides' tokens when queued: detects pairs that changed since
    int32_t right_id = 0;
};

// Orders the queue so that top() is the lowest rank, then the leftmost pair.
struct BpeBigramLess {
    bool operator()(const BpeBigram& lhs, const BpeBigram& rhs) const {
        return lhs.rank > rhs.rank || (lhs.rank == rhs.rank && lhs.left > rhs.left);
    }
};

void merge_word(const VocabData& vocab, std::string_view word, std::vector<int32_t>& out) {
    std::vector<BpeSymbol> symbols;
    for (size_t pos = 0; pos < word.size();) {
        const size_t n_bytes = unicode::utf8_decode(word, pos).n_bytes;
        BpeSymbol symbol;
        symbol.start = pos;
        symbol.n_bytes = n_bytes;
        symbol.id = vocab.find(word.substr(pos, n_bytes));
        symbol.prev = static_cast<int32_t>(symbols.size()) - 1;
        pos += n_bytes;
        symbol.next = pos == word.size() ? -1 : static_cast<int32_t>(symbols.size()) + 1;
        symbols.push_back(symbol);
    }

    std::priority_queue<BpeBigram, std::vector<BpeBigram>, BpeBigramLess> queue;
    auto try_add_bigram = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const int32_t left_id = symbols[left].id;
        const int32_t right_id = symbols[right].id;
        if (left_id < 0 || right_id < 0) return;
        const BpeMerge* merge = vocab.find_merge(left_id, right_id);
        if (merge == nullptr) return;
        queue.push(BpeBigram{merge->rank, left, right, left_id, right_id});
    };
    for (int32_t right = 1; right < static_cast<int32_t>(symbols.size()); ++right) {
        try_add_bigram(right - 1, right);
    }

    while (!queue.empty()) {
        const BpeBigram bigram = queue.top();
        queue.pop();
        BpeSymbol& left = symbols[bigram.left];
        BpeSymbol& right = symbols[bigram.right];
        if (left.n_bytes == 0 || right.n_bytes == 0 || left.id != bigram.left_id ||
            right.id != bigram.right_id) {
            continue;
        }
        left.id = vocab.find_merge(bigram.left_id, bigram.right_id)->result_id;
        left.n_bytes += right.n_bytes;
        right.n_bytes = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = bigram.left;
        try_add_bigram(left.prev, bigram.left);
        try_add_bigram(bigram.left, left.next);
    }

    for (int32_t idx = 0; idx != -1; idx = symbols[idx].next) {
        if (symbols[idx].id >= 0) {
            out.push_back(symbols[idx].id);
        } else if (vocab.unk_id >= 0) {
            out.push_back(vocab.unk_id);  // a byte the vocabulary cannot spell
        }
    }
}

}  // namespace

std::vector<std::string_view> bpe_pre_split(PreTokenizer pre, std::string_view text) {
    const CodepointText cpts(text);
    std::vector<std::string_view> words;
    for (size_t pos = 0; pos < cpts.size();) {
        size_t end = pos + 1;
        switch (pre) {
            case PreTokenizer::GPT2:
                end = match_gpt2(cpts, pos);
                break;
            case PreTokenizer::LLAMA3:
                end = match_llama3(cpts, pos, 3);
                break;
            case PreTokenizer::QWEN2:
                end = match_llama3(cpts, pos, 1);
                break;
        }
        words.push_back(text.substr(cpts.offset(pos), cpts.offset(end) - cpts.offset(pos)));
        pos = end;
    }
    return words;
}

void bpe_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out) {
    std::string mapped;
    for (const std::string_view word : bpe_pre_split(vocab.pre, text)) {
        mapped.clear();
        for (const char byte : word) {
            unicode::utf8_append(mapped,
                                 unicode::gpt2_byte_to_codepoint(static_cast<uint8_t>(byte)));
        }
        if (vocab.ignore_merges) {
            const int32_t id = vocab.find(mapped);
            if (id >= 0) {
                out.push_back(id);
                continue;
            }
        }
        merge_word(vocab, mapped, out);
    }
}

}  // namespace souverain
