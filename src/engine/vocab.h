#pragma once
// The vocabulary of a model and its tokenizer, loaded from GGUF metadata (tokenizer.ggml.*):
// SentencePiece BPE ("llama"), byte-level BPE ("gpt2"), WordPiece ("bert") and SentencePiece
// unigram ("t5"). Tokenization reproduces llama.cpp's token ids exactly (checked against its
// test vectors) for the first three; unigram has no llama.cpp vectors here and is checked
// against tests/reference/ugm_reference.py, and it ignores the precompiled character map (text
// that NFKC would change may segment differently from llama.cpp).
//
// Ownership: load() copies what it needs out of the GgufFile; the Vocab does not reference the
// file afterwards. Thread-safety: a Vocab is immutable after load(); any number of threads may
// tokenize and decode through one shared instance. TokenDecoder holds per-stream state: one per
// stream, not shared between threads, and it must not outlive its Vocab.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "engine/gguf.h"

namespace souverain {

enum class VocabKind {
    SPM,  // tokenizer.ggml.model "llama": SentencePiece BPE with scores and byte fallback
    BPE,  // "gpt2": byte-level BPE with merges and a pre-tokenizer regex
    WPM,  // "bert": WordPiece, greedy longest match per word
    UGM,  // "t5": SentencePiece unigram, the most probable segmentation (Viterbi)
};

const char* vocab_kind_name(VocabKind kind);

// tokenizer.ggml.token_type values (llama.cpp numbering).
enum class TokenType : int32_t {
    UNDEFINED = 0,
    NORMAL = 1,
    UNKNOWN = 2,
    CONTROL = 3,       // BOS, EOS, <|eot_id|>, [CLS]...: never produced from plain text
    USER_DEFINED = 4,  // added tokens: matched verbatim in the input even without parse_special
    UNUSED = 5,
    BYTE = 6,  // SPM byte fallback <0xXX>
};

struct VocabData;  // private representation, engine/tokenizer_impl.h

class Vocab {
public:
    // Fails with a one-line message naming the key at fault on missing or malformed metadata
    // (unknown model or pre-tokenizer, arrays shorter than the token list, a special token id
    // out of range, merges naming unknown tokens, NaN scores...).
    static Result<std::shared_ptr<const Vocab>> load(const GgufFile& gguf);

    ~Vocab();
    Vocab(const Vocab&) = delete;
    Vocab& operator=(const Vocab&) = delete;

    int32_t n_tokens() const;
    VocabKind kind() const;

    // add_special: BOS (and EOS when add_eos()) for SPM/BPE/UGM as the metadata says; CLS ... SEP
    // for WPM. parse_special: the text of control and user-defined tokens in `text` becomes
    // those tokens (user-defined tokens are matched either way, as llama.cpp does). Never fails:
    // invalid UTF-8 is tokenized through byte fallback / treated as U+FFFD.
    std::vector<int32_t> tokenize(std::string_view text, bool add_special,
                                  bool parse_special) const;

    // The bytes one token stands for (control tokens: their text; out of range: empty). May be
    // part of a UTF-8 character. No leading-space rule applied (see detokenize).
    std::string token_to_piece(int32_t id) const;

    // Concatenated pieces. remove_special drops control and unknown tokens. For SPM with
    // add_space_prefix and for WPM, the leading space of the first emitted piece is dropped, so
    // detokenize(tokenize(t, true, false), true) == t for text SPM/BPE can represent. Returns
    // raw bytes (possibly invalid UTF-8 for arbitrary id sequences). Tokenization spaces are
    // not "cleaned up": the result equals what TokenDecoder streams.
    std::string detokenize(std::span<const int32_t> ids, bool remove_special) const;

    // Special token ids; -1 when the vocabulary has none.
    int32_t bos_id() const;
    int32_t eos_id() const;
    int32_t eot_id() const;
    int32_t unk_id() const;
    int32_t pad_id() const;
    int32_t cls_id() const;
    int32_t sep_id() const;
    int32_t mask_id() const;
    bool add_bos() const;
    bool add_eos() const;
    bool add_space_prefix() const;

    // End of generation: EOS, EOT and tokens whose text marks an end of turn or text
    // (<|eot_id|>, <|end_of_text|>, <|im_end|>, <end_of_turn>, <|endoftext|>...).
    bool is_eog(int32_t id) const;
    bool is_control(int32_t id) const;
    TokenType token_type(int32_t id) const;  // UNDEFINED when out of range
    // The token's text as stored in the vocabulary (e.g. "▁Hello", "Ġworld"); empty when
    // out of range. Valid as long as the Vocab.
    std::string_view token_text(int32_t id) const;
    std::optional<int32_t> find_token(std::string_view text) const;

private:
    friend class TokenDecoder;
    explicit Vocab(std::unique_ptr<VocabData> data);

    // Appends the piece of `id` as detokenize renders it; *at_start tracks whether a piece has
    // been emitted yet (leading-space rule).
    void append_piece(int32_t id, bool remove_special, bool* at_start, std::string& out) const;

    std::unique_ptr<VocabData> data_;
};

// Streaming detokenization for generated text: push() returns only complete UTF-8
// characters; bytes of a character split across several tokens (SPM <0xE4><0xBD><0xA0>,
// byte-level BPE) are held until it completes. Bytes that can never form a valid character
// are emitted as U+FFFD. The output concatenated over push() calls and flush() equals
// detokenize() of the same ids (with invalid bytes replaced by U+FFFD).
class TokenDecoder {
public:
    explicit TokenDecoder(const Vocab& vocab, bool remove_special = true);

    std::string push(int32_t id);
    // Emits what is held back (an unfinished character becomes U+FFFD per byte).
    std::string flush();

private:
    const Vocab* vocab_;
    bool remove_special_;
    bool at_start_ = true;
    std::string pending_;  // bytes of an unfinished UTF-8 character
};

}  // namespace souverain
