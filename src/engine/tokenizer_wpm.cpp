// WordPiece (BERT): normalize and split into words, then cover each word greedily with the
// longest vocabulary tokens. The GGUF stores word-initial pieces with a U+2581 prefix
// ("▁hello") and continuation pieces bare ("ing", BERT's "##ing").
#include <algorithm>

#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"

namespace souverain {

namespace {

constexpr std::string_view WORD_PREFIX = "\xE2\x96\x81";  // U+2581

// CJK ideograph blocks that BERT splits into one-character words. The 0x2B920 lower bound of
// the sixth block (rather than 0x2B820) follows the reference implementation's table.
bool is_cjk_ideograph(uint32_t cpt) {
    return (cpt >= 0x4E00 && cpt <= 0x9FFF) || (cpt >= 0x3400 && cpt <= 0x4DBF) ||
           (cpt >= 0x20000 && cpt <= 0x2A6DF) || (cpt >= 0x2A700 && cpt <= 0x2B73F) ||
           (cpt >= 0x2B740 && cpt <= 0x2B81F) || (cpt >= 0x2B920 && cpt <= 0x2CEAF) ||
           (cpt >= 0xF900 && cpt <= 0xFAFF) || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
}

}  // namespace

std::vector<std::string> wpm_split_words(std::string_view text) {
    const std::vector<uint32_t> cpts = unicode::normalize_nfd(unicode::utf8_to_codepoints(text));
    std::vector<std::string> words(1);
    for (const uint32_t cpt : cpts) {
        const unicode::CodepointFlags flags = unicode::codepoint_flags(cpt);
        if (flags.is_whitespace) {
            if (!words.back().empty()) words.emplace_back();
            continue;
        }
        // Accents are marks once decomposed: dropping them strips accents ("Äpfel" -> "apfel").
        if (cpt == 0 || cpt == unicode::REPLACEMENT_CHARACTER || flags.is_control ||
            flags.is_mark) {
            continue;
        }
        const uint32_t lower = unicode::to_lower(cpt);
        if (flags.is_punctuation || (cpt < 0x7F && flags.is_symbol) || is_cjk_ideograph(cpt)) {
            if (!words.back().empty()) words.emplace_back();
            unicode::utf8_append(words.back(), lower);
            words.emplace_back();
        } else {
            unicode::utf8_append(words.back(), lower);
        }
    }
    if (words.back().empty()) words.pop_back();
    return words;
}

void wpm_tokenize(const VocabData& vocab, std::string_view text, std::vector<int32_t>& out) {
    std::string word;
    for (const std::string& bare_word : wpm_split_words(text)) {
        word.assign(WORD_PREFIX);
        word += bare_word;
        const size_t n_out_before = out.size();
        bool covered = true;
        for (size_t start = 0; start < word.size();) {
            bool matched = false;
            const size_t end_max = std::min(word.size(), start + vocab.max_token_bytes);
            for (size_t end = end_max; end > start; --end) {
                const int32_t id = vocab.find(std::string_view(word).substr(start, end - start));
                if (id >= 0) {
                    out.push_back(id);
                    start = end;
                    matched = true;
                    break;
                }
            }
            if (!matched) {
                covered = false;
                break;
            }
        }
        if (!covered) {
            out.resize(n_out_before);  // all or nothing: the whole word becomes [UNK]
            if (vocab.unk_id >= 0) out.push_back(vocab.unk_id);
        }
    }
}

}  // namespace souverain
