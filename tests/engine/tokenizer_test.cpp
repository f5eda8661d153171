// The tokenizer algorithms on small hand-built vocabularies (GGUF bytes built here, parsed by
// GgufFile::from_memory), hostile metadata, the pre-tokenizer matchers and the UTF-8 helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/gguf.h"
#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"
#include "engine/vocab.h"

namespace souverain {
namespace {

const std::string SP = "\xE2\x96\x81";  // U+2581, the escaped space / word prefix

// Writes GGUF v3 metadata (no tensors) the way the format lays it out, little-endian.
class GgufBuilder {
public:
    void add_string(const std::string& key, const std::string& value) {
        begin(key, 8);
        put_string(value);
    }
    void add_u32(const std::string& key, uint32_t value) {
        begin(key, 4);
        put(value);
    }
    void add_i32(const std::string& key, int32_t value) {
        begin(key, 5);
        put(value);
    }
    void add_bool(const std::string& key, bool value) {
        begin(key, 7);
        put(static_cast<uint8_t>(value ? 1 : 0));
    }
    void add_strings(const std::string& key, const std::vector<std::string>& values) {
        begin(key, 9);
        put(static_cast<uint32_t>(8));
        put(static_cast<uint64_t>(values.size()));
        for (const std::string& value : values) put_string(value);
    }
    void add_f32s(const std::string& key, const std::vector<float>& values) {
        begin(key, 9);
        put(static_cast<uint32_t>(6));
        put(static_cast<uint64_t>(values.size()));
        for (const float value : values) put(value);
    }
    void add_i32s(const std::string& key, const std::vector<int32_t>& values) {
        begin(key, 9);
        put(static_cast<uint32_t>(5));
        put(static_cast<uint64_t>(values.size()));
        for (const int32_t value : values) put(value);
    }

    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
        auto append = [&](const auto& value) {
            const auto* raw = reinterpret_cast<const uint8_t*>(&value);
            out.insert(out.end(), raw, raw + sizeof(value));
        };
        append(static_cast<uint32_t>(3));
        append(static_cast<uint64_t>(0));  // tensors
        append(n_kv_);
        out.insert(out.end(), body_.begin(), body_.end());
        while (out.size() % 32 != 0) out.push_back(0);
        return out;
    }

private:
    template <typename T>
    void put(T value) {
        const auto* raw = reinterpret_cast<const uint8_t*>(&value);
        body_.insert(body_.end(), raw, raw + sizeof(value));
    }
    void put_string(const std::string& value) {
        put(static_cast<uint64_t>(value.size()));
        body_.insert(body_.end(), value.begin(), value.end());
    }
    void begin(const std::string& key, uint32_t type) {
        ++n_kv_;
        put_string(key);
        put(type);
    }

    std::vector<uint8_t> body_;
    uint64_t n_kv_ = 0;
};

// Keeps the bytes and the parsed file alive together.
struct BuiltVocab {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> gguf;
    Result<std::shared_ptr<const Vocab>> vocab = make_error(ErrorCode::INTERNAL, "not loaded");
};

std::unique_ptr<BuiltVocab> load_built(const GgufBuilder& builder) {
    auto built = std::make_unique<BuiltVocab>();
    built->bytes = builder.bytes();
    Result<std::unique_ptr<GgufFile>> gguf =
        GgufFile::from_memory(built->bytes.data(), built->bytes.size());
    EXPECT_TRUE(gguf.ok()) << (gguf.ok() ? "" : gguf.error().message);
    if (!gguf.ok()) return built;
    built->gguf = std::move(*gguf);
    built->vocab = Vocab::load(*built->gguf);
    return built;
}

// A small SentencePiece vocabulary: specials, byte tokens for 0xC3/0xA9, pieces with scores.
GgufBuilder spm_builder(const std::vector<std::string>& pieces, const std::vector<float>& scores) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "<0xC3>", "<0xA9>"};
    std::vector<float> all_scores = {0, 0, 0, 0, 0};
    std::vector<int32_t> types = {2, 3, 3, 6, 6};
    for (size_t idx = 0; idx < pieces.size(); ++idx) {
        tokens.push_back(pieces[idx]);
        all_scores.push_back(scores[idx]);
        types.push_back(1);
    }
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "llama");
    builder.add_strings("tokenizer.ggml.tokens", tokens);
    builder.add_f32s("tokenizer.ggml.scores", all_scores);
    builder.add_i32s("tokenizer.ggml.token_type", types);
    builder.add_bool("tokenizer.ggml.add_space_prefix", false);
    return builder;
}

// A small byte-level BPE vocabulary over the letters a, b, c.
GgufBuilder bpe_builder(const std::string& pre, const std::vector<std::string>& extra_tokens,
                        const std::vector<std::string>& merges) {
    std::vector<std::string> tokens = {"a", "b", "c", "\xC4\xA0"};  // "Ġ" is the space byte
    tokens.insert(tokens.end(), extra_tokens.begin(), extra_tokens.end());
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "gpt2");
    builder.add_string("tokenizer.ggml.pre", pre);
    builder.add_strings("tokenizer.ggml.tokens", tokens);
    builder.add_strings("tokenizer.ggml.merges", merges);
    return builder;
}

std::vector<int32_t> ids_of(const Vocab& vocab, const std::vector<std::string>& texts) {
    std::vector<int32_t> ids;
    for (const std::string& text : texts) ids.push_back(vocab.find_token(text).value_or(-1));
    return ids;
}

TEST(SpmTokenizer, MergesTheHighestScoringPairFirst) {
    auto built = load_built(spm_builder({"a", "b", "c", "ab", "bc"}, {-1, -1, -1, -5, -2}));
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.tokenize("abc", false, false), ids_of(vocab, {"a", "bc"}));
}

TEST(SpmTokenizer, EqualScoresMergeTheLeftmostPair) {
    auto built = load_built(spm_builder({"a", "b", "c", "ab", "bc"}, {-1, -1, -1, -2, -2}));
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.tokenize("abc", false, false), ids_of(vocab, {"ab", "c"}));
}

TEST(SpmTokenizer, CharactersOutsideTheVocabularyFallBackToBytes) {
    auto built = load_built(spm_builder({"a", SP}, {-1, -1}));
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    // "é" = C3 A9: both byte tokens exist. "ü" = C3 BC: BC has no byte token -> <unk>.
    EXPECT_EQ(vocab.tokenize("a\xC3\xA9", false, false), ids_of(vocab, {"a", "<0xC3>", "<0xA9>"}));
    EXPECT_EQ(vocab.tokenize("\xC3\xBC", false, false), ids_of(vocab, {"<0xC3>", "<unk>"}));
    EXPECT_EQ(vocab.tokenize("a a", false, false), ids_of(vocab, {"a", SP, "a"}));
    EXPECT_EQ(vocab.detokenize(vocab.tokenize("a\xC3\xA9", false, false), true), "a\xC3\xA9");
}

TEST(SpmTokenizer, UserDefinedTokensAreMatchedEvenWithoutParseSpecial) {
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "llama");
    builder.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "x", "<tool>", SP});
    builder.add_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1, 4, 1});
    auto built = load_built(builder);
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    // The prefix space goes before "x" and again after the user-defined token.
    EXPECT_EQ(vocab.tokenize("x<tool>x", false, false),
              ids_of(vocab, {SP, "x", "<tool>", SP, "x"}));
    // Control tokens only with parse_special.
    EXPECT_EQ(vocab.tokenize("</s>", false, true), ids_of(vocab, {"</s>"}));
    EXPECT_NE(vocab.tokenize("</s>", false, false), ids_of(vocab, {"</s>"}));
}

TEST(BpeTokenizer, MergesTheLowestRankFirst) {
    auto b_c_first = load_built(bpe_builder("gpt-2", {"ab", "bc"}, {"b c", "a b"}));
    ASSERT_TRUE(b_c_first->vocab.ok()) << b_c_first->vocab.error().message;
    EXPECT_EQ((*b_c_first->vocab)->tokenize("abc", false, false),
              ids_of(**b_c_first->vocab, {"a", "bc"}));
    auto a_b_first = load_built(bpe_builder("gpt-2", {"ab", "bc"}, {"a b", "b c"}));
    ASSERT_TRUE(a_b_first->vocab.ok()) << a_b_first->vocab.error().message;
    EXPECT_EQ((*a_b_first->vocab)->tokenize("abc", false, false),
              ids_of(**a_b_first->vocab, {"ab", "c"}));
    // The space byte is mapped to "Ġ" before merging; pieces decode back to bytes.
    const Vocab& vocab = **a_b_first->vocab;
    const std::vector<int32_t> ids = vocab.tokenize("ab ab", false, false);
    EXPECT_EQ(ids, ids_of(vocab, {"ab", "\xC4\xA0", "ab"}));
    EXPECT_EQ(vocab.detokenize(ids, true), "ab ab");
}

TEST(BpeTokenizer, Llama3UsesAWholeWordTokenWithoutMerging) {
    // "abc" is a token but no merge sequence reaches it from "a b c".
    auto llama3 = load_built(bpe_builder("llama-bpe", {"ab", "abc", "<|begin_of_text|>"}, {"a b"}));
    ASSERT_FALSE(llama3->vocab.ok());  // add_bos defaults to true, and there is no BOS id
    GgufBuilder with_bos = bpe_builder("llama-bpe", {"ab", "abc", "<|begin_of_text|>"}, {"a b"});
    with_bos.add_u32("tokenizer.ggml.bos_token_id", 6);
    auto loaded = load_built(with_bos);
    ASSERT_TRUE(loaded->vocab.ok()) << loaded->vocab.error().message;
    EXPECT_EQ((*loaded->vocab)->tokenize("abc", false, false), ids_of(**loaded->vocab, {"abc"}));
    EXPECT_EQ((*loaded->vocab)->tokenize("abc", true, false),
              ids_of(**loaded->vocab, {"<|begin_of_text|>", "abc"}));

    auto gpt2 = load_built(bpe_builder("default", {"ab", "abc"}, {"a b"}));
    ASSERT_TRUE(gpt2->vocab.ok()) << gpt2->vocab.error().message;
    EXPECT_EQ((*gpt2->vocab)->tokenize("abc", false, false), ids_of(**gpt2->vocab, {"ab", "c"}));
}

TEST(BpeTokenizer, DuplicateTokensAndMergesKeepTheirFirstOccurrence) {
    // Token "ab" appears at ids 4 and 6; merge "a b" at ranks 0 and 2 (after "b c").
    auto built = load_built(bpe_builder("gpt-2", {"ab", "bc", "ab"}, {"a b", "b c", "a b"}));
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.find_token("ab"), 4);
    EXPECT_EQ(vocab.tokenize("abc", false, false), (std::vector<int32_t>{4, 2}));
    EXPECT_EQ(vocab.detokenize(std::vector<int32_t>{6, 2}, true), "abc");
}

std::vector<std::string> split(PreTokenizer pre, std::string_view text) {
    std::vector<std::string> out;
    for (const std::string_view word : bpe_pre_split(pre, text)) out.emplace_back(word);
    return out;
}

using Words = std::vector<std::string>;

TEST(BpePreSplit, Llama3RegexSplitsLikeThePattern) {
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "Hello world"), (Words{"Hello", " world"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "   Hello"), (Words{"  ", " Hello"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "12345"), (Words{"123", "45"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "I'M fine"), (Words{"I", "'M", " fine"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "a \n\n b"), (Words{"a", " \n\n", " b"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "(x) ...\n\nz"), (Words{"(x", ")", " ...\n\n", "z"}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "end  "), (Words{"end", "  "}));
    EXPECT_EQ(split(PreTokenizer::LLAMA3, "\tword"), (Words{"\tword"}));
    // An invalid byte is kept raw and classified like U+FFFD (a symbol).
    EXPECT_EQ(split(PreTokenizer::LLAMA3,
                    "a\xFF"
                    "b"),
              (Words{"a",
                     "\xFF"
                     "b"}));
    EXPECT_TRUE(split(PreTokenizer::LLAMA3, "").empty());
}

TEST(BpePreSplit, Qwen2SplitsDigitsOneByOne) {
    EXPECT_EQ(split(PreTokenizer::QWEN2, "x 2024"), (Words{"x", " ", "2", "0", "2", "4"}));
}

TEST(BpePreSplit, Gpt2RegexIsCaseSensitiveAndKeepsOneLeadingSpace) {
    EXPECT_EQ(split(PreTokenizer::GPT2, "I'M fine"), (Words{"I", "'", "M", " fine"}));
    EXPECT_EQ(split(PreTokenizer::GPT2, "it's 42!"), (Words{"it", "'s", " 42", "!"}));
    EXPECT_EQ(split(PreTokenizer::GPT2, "x  \ty"), (Words{"x", "  ", "\t", "y"}));
    EXPECT_EQ(split(PreTokenizer::GPT2, "12345"), (Words{"12345"}));
    EXPECT_EQ(split(PreTokenizer::GPT2, "a\n\nb"), (Words{"a", "\n", "\n", "b"}));
}

TEST(WpmTokenizer, NormalizesAndSplitsWords) {
    EXPECT_EQ(wpm_split_words("H\xC3\xA9llo, WORLD! \xE4\xBD\xA0\xE5\xA5\xBD"),
              (Words{"hello", ",", "world", "!", "\xE4\xBD\xA0", "\xE5\xA5\xBD"}));
    // Control and format characters, U+0000 and U+FFFD vanish; they do not split words.
    EXPECT_EQ(wpm_split_words(std::string("a\x01"
                                          "b\xE2\x80\x8B"
                                          "c\0d",
                                          9)),
              (Words{"abcd"}));
    EXPECT_EQ(wpm_split_words("x\xEF\xBF\xBDy \t\n z"), (Words{"xy", "z"}));
    // Non-ASCII symbols stay inside words; ASCII ones split.
    EXPECT_EQ(wpm_split_words("a\xE2\x82\xAC"
                              "b a$b"),
              (Words{"a\xE2\x82\xAC"
                     "b",
                     "a", "$", "b"}));
    EXPECT_TRUE(wpm_split_words(" \t ").empty());
}

TEST(WpmTokenizer, GreedyLongestMatchAndUnknownWords) {
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "bert");
    builder.add_strings("tokenizer.ggml.tokens", {"[PAD]", "[UNK]", "[CLS]", "[SEP]", SP + "un",
                                                  SP + "unbe", "believ", "able", "e", SP + "x"});
    builder.add_i32s("tokenizer.ggml.token_type", {3, 3, 3, 3, 1, 1, 1, 1, 1, 1});
    builder.add_u32("tokenizer.ggml.unknown_token_id", 1);
    builder.add_u32("tokenizer.ggml.cls_token_id", 2);
    builder.add_u32("tokenizer.ggml.seperator_token_id", 3);
    builder.add_u32("tokenizer.ggml.padding_token_id", 0);
    auto built = load_built(builder);
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    // "▁unbe" wins over "▁un"; "believ"+"able" would need "▁un" first: greedy does not backtrack.
    EXPECT_EQ(vocab.tokenize("Unbelievable", false, false), (std::vector<int32_t>{1}));
    EXPECT_EQ(vocab.tokenize("unbee x", true, false), (std::vector<int32_t>{2, 5, 8, 9, 3}));
    EXPECT_EQ(vocab.tokenize("unbee zzz x", false, false), (std::vector<int32_t>{5, 8, 1, 9}));
    EXPECT_EQ(vocab.detokenize(std::vector<int32_t>{2, 5, 8, 9, 3}, true), "unbee x");
}

// A small unigram vocabulary (XLM-R layout: <s> <pad> </s> <unk>), pieces with scores.
GgufBuilder ugm_builder(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                        bool remove_extra_whitespaces) {
    std::vector<std::string> tokens = {"<s>", "<pad>", "</s>", "<unk>"};
    std::vector<float> all_scores = {0, 0, 0, 0};
    std::vector<int32_t> types = {3, 3, 3, 2};
    for (size_t idx = 0; idx < pieces.size(); ++idx) {
        tokens.push_back(pieces[idx]);
        all_scores.push_back(scores[idx]);
        types.push_back(1);
    }
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "t5");
    builder.add_strings("tokenizer.ggml.tokens", tokens);
    builder.add_f32s("tokenizer.ggml.scores", all_scores);
    builder.add_i32s("tokenizer.ggml.token_type", types);
    builder.add_i32("tokenizer.ggml.bos_token_id", 0);
    builder.add_i32("tokenizer.ggml.eos_token_id", 2);
    builder.add_i32("tokenizer.ggml.unknown_token_id", 3);
    builder.add_bool("tokenizer.ggml.add_bos_token", true);
    builder.add_bool("tokenizer.ggml.remove_extra_whitespaces", remove_extra_whitespaces);
    return builder;
}

// The best total score wins, not the longest first piece: "▁ab" (-5) loses to "▁a" + "b" (-2).
TEST(UgmTokenizer, PicksTheSegmentationWithTheHighestTotalScore) {
    auto built =
        load_built(ugm_builder({"\u2581a", "\u2581ab", "b", "\u2581"}, {-1, -5, -1, -3}, false));
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.kind(), VocabKind::UGM);
    EXPECT_EQ(vocab.tokenize("ab", true, false), (std::vector<int32_t>{0, 4, 6, 2}));
    EXPECT_EQ(vocab.detokenize(vocab.tokenize("ab ab", true, false), true), "ab ab");
}

// Characters no piece covers cost the lowest score minus 10; a run of them is one <unk>.
TEST(UgmTokenizer, RunsOfUnknownCharactersBecomeOneUnknownToken) {
    auto built = load_built(ugm_builder({"\u2581a", "b"}, {-1, -2}, false));
    ASSERT_TRUE(built->vocab.ok());
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.tokenize("a\u00a3\u00a3b", false, false), (std::vector<int32_t>{4, 3, 5}));
}

TEST(UgmTokenizer, RemoveExtraWhitespacesCollapsesRunsOfSpaces) {
    const std::vector<std::string> pieces = {"\u2581a", "\u2581"};
    auto keep = load_built(ugm_builder(pieces, {-1, -1}, false));
    auto merge = load_built(ugm_builder(pieces, {-1, -1}, true));
    ASSERT_TRUE(keep->vocab.ok() && merge->vocab.ok());
    // "▁" "▁" "▁a" "▁" when spaces are kept; "▁a" "▁a" when they are collapsed.
    EXPECT_EQ((*keep->vocab)->tokenize("  a  ", false, false),
              (std::vector<int32_t>{5, 5, 4, 5, 5}));
    EXPECT_EQ((*merge->vocab)->tokenize("  a   a  ", false, false), (std::vector<int32_t>{4, 4}));
}

TEST(VocabMetadata, HostileOrIncompleteMetadataIsAnErrorNamingTheKey) {
    struct Case {
        const char* what;
        GgufBuilder builder;
        ErrorCode code;
        const char* message_part;
    };
    std::vector<Case> cases;
    auto base_spm = [](int n_scores, int n_types) {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "llama");
        builder.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
        builder.add_f32s("tokenizer.ggml.scores", std::vector<float>(n_scores, 0.0f));
        builder.add_i32s("tokenizer.ggml.token_type", std::vector<int32_t>(n_types, 1));
        return builder;
    };
    {
        GgufBuilder builder;
        builder.add_strings("tokenizer.ggml.tokens", {"a"});
        cases.push_back({"no model", builder, ErrorCode::NOT_FOUND, "tokenizer.ggml.model"});
    }
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "rwkv");
        builder.add_strings("tokenizer.ggml.tokens", {"a"});
        cases.push_back({"unknown model", builder, ErrorCode::UNSUPPORTED, "'rwkv'"});
    }
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "llama");
        cases.push_back({"no tokens", builder, ErrorCode::NOT_FOUND, "tokenizer.ggml.tokens"});
    }
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "llama");
        builder.add_i32s("tokenizer.ggml.tokens", {1, 2});
        cases.push_back({"tokens not strings", builder, ErrorCode::FORMAT, "array of strings"});
    }
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "llama");
        builder.add_strings("tokenizer.ggml.tokens", {});
        cases.push_back({"no token", builder, ErrorCode::FORMAT, "empty"});
    }
    cases.push_back({"short scores", base_spm(3, 4), ErrorCode::FORMAT, "tokenizer.ggml.scores"});
    cases.push_back(
        {"short types", base_spm(4, 3), ErrorCode::FORMAT, "tokenizer.ggml.token_type"});
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "llama");
        builder.add_strings("tokenizer.ggml.tokens", {"<unk>", "a"});
        builder.add_f32s("tokenizer.ggml.scores", {0.0f, std::nanf("")});
        cases.push_back({"NaN score", builder, ErrorCode::FORMAT, "NaN"});
    }
    {
        GgufBuilder builder = base_spm(4, 4);
        builder.add_u32("tokenizer.ggml.bos_token_id", 4);
        cases.push_back({"bos out of range", builder, ErrorCode::FORMAT, "out of range"});
    }
    {
        GgufBuilder builder = base_spm(4, 4);
        builder.add_i32("tokenizer.ggml.eos_token_id", -1);
        cases.push_back({"negative eos", builder, ErrorCode::FORMAT, "eos_token_id"});
    }
    {
        GgufBuilder builder = base_spm(4, 4);
        builder.add_string("tokenizer.ggml.unknown_token_id", "0");
        cases.push_back({"unk as string", builder, ErrorCode::FORMAT, "unknown_token_id"});
    }
    {
        GgufBuilder builder = base_spm(4, 4);
        builder.add_u32("tokenizer.ggml.add_bos_token", 1);
        cases.push_back({"add_bos not bool", builder, ErrorCode::FORMAT, "add_bos_token"});
    }
    {
        GgufBuilder builder;
        builder.add_string("tokenizer.ggml.model", "gpt2");
        builder.add_strings("tokenizer.ggml.tokens", {"a", "b"});
        cases.push_back({"gpt2 without merges", builder, ErrorCode::NOT_FOUND, "merges"});
    }
    cases.push_back({"merge of unknown token", bpe_builder("gpt-2", {"ab"}, {"a b", "a z"}),
                     ErrorCode::FORMAT, "unknown token 'z'"});
    cases.push_back({"merge without space", bpe_builder("gpt-2", {"ab"}, {"ab"}), ErrorCode::FORMAT,
                     "merges[0]"});
    cases.push_back({"unknown pre-tokenizer", bpe_builder("klingon", {}, {}),
                     ErrorCode::UNSUPPORTED, "klingon"});
    {
        GgufBuilder builder = bpe_builder("gpt-2", {}, {});
        builder.add_bool("tokenizer.ggml.add_eos_token", true);
        cases.push_back({"add_eos without eos", builder, ErrorCode::FORMAT, "add_eos_token"});
    }

    for (const Case& test_case : cases) {
        auto built = load_built(test_case.builder);
        ASSERT_FALSE(built->vocab.ok()) << test_case.what;
        const Error& error = built->vocab.error();
        EXPECT_EQ(error.code, test_case.code) << test_case.what << ": " << error.message;
        EXPECT_NE(error.message.find(test_case.message_part), std::string::npos)
            << test_case.what << ": " << error.message;
        EXPECT_EQ(error.message.find('\n'), std::string::npos) << test_case.what;
    }
}

TEST(VocabMetadata, DefaultsApplyWhenKeysAreAbsent) {
    // SPM: BOS 1, EOS 2, UNK 0, add_bos, add_space_prefix.
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "llama");
    builder.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", SP + "a"});
    builder.add_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1});
    auto built = load_built(builder);
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    const Vocab& vocab = **built->vocab;
    EXPECT_EQ(vocab.bos_id(), 1);
    EXPECT_EQ(vocab.eos_id(), 2);
    EXPECT_EQ(vocab.unk_id(), 0);
    EXPECT_TRUE(vocab.add_bos());
    EXPECT_TRUE(vocab.add_space_prefix());
    EXPECT_EQ(vocab.tokenize("a", true, false), (std::vector<int32_t>{1, 3}));
    EXPECT_TRUE(vocab.is_eog(2));
}

TEST(VocabMetadata, OutOfRangePaddingAndMaskIdsMeanNoSuchToken) {
    // Published files carry bogus padding ids (llama.cpp ignores them); the model still loads.
    GgufBuilder builder;
    builder.add_string("tokenizer.ggml.model", "llama");
    builder.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", SP + "a"});
    builder.add_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1});
    builder.add_u32("tokenizer.ggml.padding_token_id", 128256);
    builder.add_u32("tokenizer.ggml.mask_token_id", 4);
    auto built = load_built(builder);
    ASSERT_TRUE(built->vocab.ok()) << built->vocab.error().message;
    EXPECT_EQ((*built->vocab)->pad_id(), -1);
    EXPECT_EQ((*built->vocab)->mask_id(), -1);
}

TEST(Unicode, Utf8DecodingRejectsMalformedSequences) {
    EXPECT_TRUE(unicode::utf8_decode("\xF0\x9F\xA6\x99", 0).valid);
    EXPECT_EQ(unicode::utf8_decode("\xF0\x9F\xA6\x99", 0).cpt, 0x1F999u);
    EXPECT_EQ(unicode::utf8_decode("\xF0\x9F\xA6\x99", 0).n_bytes, 4u);
    EXPECT_FALSE(unicode::utf8_decode("\xC0\xAF", 0).valid);          // overlong
    EXPECT_FALSE(unicode::utf8_decode("\xED\xA0\x80", 0).valid);      // surrogate
    EXPECT_FALSE(unicode::utf8_decode("\xF4\x90\x80\x80", 0).valid);  // past U+10FFFF
    EXPECT_FALSE(unicode::utf8_decode("\xE4\xBD", 0).valid);          // truncated
    EXPECT_EQ(unicode::utf8_decode("\xE4\xBD", 0).n_bytes, 1u);
    EXPECT_EQ(unicode::utf8_to_codepoints("a\x80"
                                          "b"),
              (std::vector<uint32_t>{'a', 0xFFFD, 'b'}));
    EXPECT_EQ(unicode::utf8_encode(0x1F999), "\xF0\x9F\xA6\x99");
    EXPECT_EQ(unicode::utf8_encode(0xD800), "\xEF\xBF\xBD");
}

TEST(Unicode, CompletePrefixHoldsOnlyAnUnfinishedTail) {
    EXPECT_EQ(unicode::utf8_complete_prefix("a\xE4\xBD"), 1u);
    EXPECT_EQ(unicode::utf8_complete_prefix("a\xE4\xBD\xA0"), 4u);
    EXPECT_EQ(unicode::utf8_complete_prefix("a\xE4"
                                            "A"),
              3u);  // can never complete
    EXPECT_EQ(unicode::utf8_complete_prefix("\xF0\x9F"), 0u);
    EXPECT_EQ(unicode::utf8_complete_prefix("\xED\xA0"), 2u);  // would be a surrogate
    EXPECT_EQ(unicode::utf8_complete_prefix("\xFF"), 1u);
    EXPECT_EQ(unicode::utf8_sanitize("a\xFF\xE4\xBD\xA0"), "a\xEF\xBF\xBD\xE4\xBD\xA0");
}

TEST(Unicode, CategoriesAndWhitespaceFollowTheUnicodeDatabase) {
    EXPECT_TRUE(unicode::codepoint_flags('A').is_letter);
    EXPECT_TRUE(unicode::codepoint_flags(0x4F60).is_letter);  // 你
    EXPECT_TRUE(unicode::codepoint_flags('5').is_number);
    EXPECT_TRUE(unicode::codepoint_flags(0xBD).is_number);  // ½
    EXPECT_TRUE(unicode::codepoint_flags('!').is_punctuation);
    EXPECT_TRUE(unicode::codepoint_flags('$').is_symbol);
    EXPECT_TRUE(unicode::codepoint_flags(0x301).is_mark);
    EXPECT_TRUE(unicode::codepoint_flags(0x200B).is_control);  // ZWSP is Cf
    EXPECT_TRUE(unicode::codepoint_flags('\n').is_whitespace);
    EXPECT_TRUE(unicode::codepoint_flags('\n').is_control);
    EXPECT_TRUE(unicode::codepoint_flags(0x3000).is_whitespace);
    EXPECT_FALSE(unicode::codepoint_flags(0x1C).is_whitespace);  // not White_Space
    EXPECT_FALSE(unicode::codepoint_flags(0x200B).is_whitespace);
    EXPECT_EQ(unicode::to_lower('A'), uint32_t{'a'});
    EXPECT_EQ(unicode::to_lower(0xC4), 0xE4u);
    EXPECT_EQ(unicode::normalize_nfd({0xC4}), (std::vector<uint32_t>{'A', 0x308}));
}

TEST(Unicode, Gpt2ByteAlphabetIsABijection) {
    std::vector<bool> seen(0x200, false);
    for (int byte = 0; byte < 256; ++byte) {
        const uint32_t cpt = unicode::gpt2_byte_to_codepoint(static_cast<uint8_t>(byte));
        ASSERT_LT(cpt, 0x200u);
        EXPECT_FALSE(seen[cpt]);
        seen[cpt] = true;
        EXPECT_EQ(unicode::gpt2_codepoint_to_byte(cpt), byte);
    }
    EXPECT_EQ(unicode::gpt2_byte_to_codepoint(' '), 0x120u);   // "Ġ"
    EXPECT_EQ(unicode::gpt2_byte_to_codepoint('\n'), 0x10Au);  // "Ċ"
    EXPECT_EQ(unicode::gpt2_byte_to_codepoint('a'), uint32_t{'a'});
    EXPECT_EQ(unicode::gpt2_codepoint_to_byte(0x4F60), -1);
}

}  // namespace
}  // namespace souverain
