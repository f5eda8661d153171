#pragma once
// Private to the tokenizer (vocab.cpp, tokenizer_*.cpp and their tests): the loaded vocabulary
// and the three segmentation algorithms. Each algorithm turns one fragment of plain text
// (special tokens already split out, no BOS/EOS) into token ids.
//
// Thread-safety: VocabData is immutable once built; the functions keep their state on the stack.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/vocab.h"

namespace souverain {

// Pre-tokenizer regexes of byte-level BPE, implemented as hand-written matchers.
enum class PreTokenizer {
    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    GPT2,
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    // \s*[\r\n]+|\s+(?!\S)|\s+
    LLAMA3,
    // As LLAMA3 with \p{N} (one digit per piece) instead of \p{N}{1,3}.
    QWEN2,
};

// A BPE merge of two tokens, keyed by (left id << 32 | right id).
struct BpeMerge {
    int32_t rank = 0;       // position in tokenizer.ggml.merges: lower merges first
    int32_t result_id = 0;  // the token the concatenation is
};

inline uint64_t bpe_merge_key(int32_t left_id, int32_t right_id) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left_id)) << 32) |
           static_cast<uint32_t>(right_id);
}

// Open-addressing tables (linear probing, capacity a power of two at least twice the entries):
// no allocation per entry, so Llama 3's 128k tokens and 280k merges index in milliseconds.
struct TextSlot {
    uint32_t hash = 0;  // low bits of the text's hash, checked before comparing texts
    int32_t id = -1;    // -1: empty slot
};

struct MergeSlot {
    uint64_t key = UINT64_MAX;  // bpe_merge_key(); ids are below 2^31, so never all ones
    BpeMerge merge;
};

inline size_t table_capacity(size_t n_entries) {
    size_t capacity = 16;
    while (capacity < 2 * n_entries) capacity *= 2;
    return capacity;
}

inline size_t text_hash(std::string_view text) {
    return std::hash<std::string_view>{}(text);
}

inline size_t merge_hash(uint64_t key) {  // splitmix64 finalizer: spreads the id bits
    key ^= key >> 30;
    key *= 0xBF58476D1CE4E5B9ULL;
    key ^= key >> 27;
    key *= 0x94D049BB133111EBULL;
    key ^= key >> 31;
    return static_cast<size_t>(key);
}

struct VocabData {
    VocabKind kind = VocabKind::SPM;
    PreTokenizer pre = PreTokenizer::GPT2;
    int32_t n_tokens = 0;

    // Token texts, concatenated; token id's text is [text_offsets[id], text_offsets[id + 1]).
    std::string text_arena;
    std::vector<size_t> text_offsets;  // n_tokens + 1
    std::vector<float> scores;         // n_tokens (0 when the file has none)
    std::vector<TokenType> types;      // n_tokens
    std::vector<uint8_t> eog;          // n_tokens, 1 for end-of-generation tokens
    // Text -> id over text_arena. First id wins on duplicate texts; empty texts are not indexed.
    std::vector<TextSlot> text_slots;
    // (left id, right id) -> merge; BPE only (empty otherwise).
    std::vector<MergeSlot> merge_slots;
    std::array<int32_t, 256> byte_to_id{};  // SPM "<0xXX>" tokens, -1 when absent
    // Control, user-defined and unknown tokens, longest text first (ties: lower id first):
    // the order in which they are split out of the input.
    std::vector<int32_t> special_ids_by_length;
    size_t max_token_bytes = 0;

    int32_t bos_id = -1;
    int32_t eos_id = -1;
    int32_t eot_id = -1;
    int32_t unk_id = -1;
    int32_t pad_id = -1;
    int32_t cls_id = -1;
    int32_t sep_id = -1;
    int32_t mask_id = -1;
    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;
    bool ignore_merges = false;        // BPE: a pre-token that is a whole token skips merging
    bool strip_leading_space = false;  // decoding: drop the first piece's leading space
    // UGM: collapse runs of spaces (tokenizer.ggml.remove_extra_whitespaces), and the score of
    // a character no piece covers (the lowest normal score minus 10).
    bool remove_extra_whitespaces = false;
    double ugm_unknown_score = -10.0;

    std::string_view text(int32_t id) const {
        return std::string_view(text_arena)
            .substr(text_offsets[id], text_offsets[id + 1] - text_offsets[id]);
    }
    // Id of the token whose text is `text`; -1 when none.
    int32_t find(std::string_view text) const {
        if (text_slots.empty()) return -1;
        const size_t hash = text_hash(text);
        const size_t mask = text_slots.size() - 1;
        for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            const TextSlot& entry = text_slots[slot];
            if (entry.id < 0) return -1;
            if (entry.hash == static_cast<uint32_t>(hash) && this->text(entry.id) == text) {
                return entry.id;
            }
        }
    }
    // The merge of two adjacent tokens; nullptr when they do not merge.
    const BpeMerge* find_merge(int32_t left_id, int32_t right_id) const {
        if (merge_slots.empty()) return nullptr;
        const uint64_t key = bpe_merge_key(left_id, right_id);
        const size_t mask = merge_slots.size() - 1;
        for (size_t slot = merge_hash(key) & mask;; slot = (slot + 1) & mask) {
            const MergeSlot& entry = merge_slots[slot];
            if (entry.key == key) return &entry.merge;
            if (entry.key == UINT64_MAX) return nullptr;
        }
    }
};

// SentencePiece BPE over `text`, which already has its spaces escaped to U+2581 (and the
// prefix space added). Characters that no merge covers fall back to <0xXX> byte tokens.
void spm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out);

// Splits `text` into pre-tokens (views into `text`) with the given regex. Invalid UTF-8 bytes
// are kept as they are and classified like U+FFFD.
std::vector<std::string_view> bpe_pre_split(PreTokenizer pre, std::string_view text);

// Byte-level BPE: pre-split, map bytes to the GPT-2 alphabet, merge by rank.
void bpe_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out);

// WordPiece normalization and word split: NFD, drop control characters, accents, U+0000 and
// U+FFFD, lowercase, split on whitespace; punctuation, ASCII symbols and CJK ideographs become
// one-character words.
std::vector<std::string> wpm_split_words(std::string_view text);

// WordPiece: each word, prefixed with U+2581, is split greedily by longest match; a word that
// cannot be covered entirely becomes the unknown token.
void wpm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out);

// SentencePiece-unigram normalization of one text fragment: spaces escaped to U+2581, the
// dummy prefix, and with remove_extra_whitespaces runs of spaces collapsed and trailing ones
// dropped. Invalid UTF-8 bytes become U+FFFD.
std::string ugm_normalize(const VocabData& vocab, std::string_view text);

// SentencePiece unigram: normalize, then the segmentation with the highest sum of piece scores.
void ugm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace souverain
