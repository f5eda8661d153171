#pragma once
// UTF-8 and Unicode helpers for the tokenizers: decoding that never fails (invalid bytes are
// reported, not thrown), general categories, White_Space, NFD and lowercase from ICU, and the
// GPT-2 byte <-> code point table of byte-level BPE.
//
// Thread-safety: every function is pure (ICU's normalizer instance is immutable and shared).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace souverain::unicode {

constexpr uint32_t REPLACEMENT_CHARACTER = 0xFFFD;

// One step of UTF-8 decoding. An invalid or truncated sequence yields valid == false,
// cpt == U+FFFD and n_bytes == 1 (the offending byte), so a decoder always makes progress.
struct Utf8Step {
    uint32_t cpt = 0;
    uint32_t n_bytes = 1;
    bool valid = false;
};

// Decodes the character starting at text[pos] (pos < text.size()). Rejects overlong forms,
// surrogates and values above U+10FFFF, like a strict UTF-8 decoder.
Utf8Step utf8_decode(std::string_view text, size_t pos);

// Number of bytes a well-formed sequence starting with `lead` has (1..4); 0 for a byte that
// cannot start a sequence (continuation bytes, 0xC0, 0xC1, 0xF5..0xFF).
size_t utf8_sequence_length(uint8_t lead);

// Appends the UTF-8 encoding of `cpt` (values above U+10FFFF or surrogates become U+FFFD).
void utf8_append(std::string& out, uint32_t cpt);
std::string utf8_encode(uint32_t cpt);

// Whole-string decoding; invalid bytes become U+FFFD (one per byte).
std::vector<uint32_t> utf8_to_codepoints(std::string_view text);

// Length of the longest prefix of `bytes` made of complete characters, treating a trailing
// sequence that is valid so far but unfinished as incomplete (streaming decoders hold it).
// Invalid bytes before that tail count as complete: they can never become valid.
size_t utf8_complete_prefix(std::string_view bytes);

// Replaces every invalid byte with U+FFFD; valid characters pass through unchanged.
std::string utf8_sanitize(std::string_view bytes);

// Unicode general category groups as the tokenizer regexes use them (\p{L}, \p{N}, ...),
// plus the White_Space property that regex \s means. From ICU's character database.
struct CodepointFlags {
    bool is_letter = false;       // L*  (Lu Ll Lt Lm Lo)
    bool is_number = false;       // N*  (Nd Nl No)
    bool is_mark = false;         // M*  (Mn Mc Me): accents once decomposed
    bool is_punctuation = false;  // P*
    bool is_symbol = false;       // S*
    bool is_separator = false;    // Z*
    bool is_control = false;      // C*  (Cc Cf Cs Co Cn): control, format, unassigned
    bool is_whitespace = false;   // White_Space property (\t \n \v \f \r, space, U+0085, ...)
};

CodepointFlags codepoint_flags(uint32_t cpt);

// Simple (one code point to one code point) lowercase mapping.
uint32_t to_lower(uint32_t cpt);

// Canonical decomposition (NFD) of a code point sequence.
std::vector<uint32_t> normalize_nfd(const std::vector<uint32_t>& cpts);

// GPT-2 byte-level BPE alphabet: every byte has a printable stand-in code point (bytes that
// are printable Latin-1 map to themselves, the others to U+0100 onwards in byte order).
uint32_t gpt2_byte_to_codepoint(uint8_t byte);
// Inverse of gpt2_byte_to_codepoint; -1 when `cpt` is not in the table.
int gpt2_codepoint_to_byte(uint32_t cpt);

}  // namespace souverain::unicode
