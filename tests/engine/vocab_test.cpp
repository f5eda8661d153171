// The tokenizers against llama.cpp's test vectors (three real vocabularies), and the public
// Vocab API on those vocabularies: special tokens, decoding, streaming, load time.
#include "engine/vocab.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "engine/gguf.h"
#include "engine/unicode.h"
#include "test_paths.h"

namespace souverain {
namespace {

std::string vocab_path(const std::string& name) {
    return test::shared_dir() + "/testdata/vocab/ggml-vocab-" + name + ".gguf";
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// The .inp inputs: each followed by "\n__ggml_vocab_test__\n", never split by lines.
std::vector<std::string> read_inputs(const std::string& path) {
    const std::string content = read_file(path);
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<std::string> inputs;
    size_t start = 0;
    for (size_t end = content.find(separator); end != std::string::npos;
         end = content.find(separator, start)) {
        inputs.push_back(content.substr(start, end - start));
        start = end + separator.size();
    }
    return inputs;
}

// The .out lines: ids, each preceded by one space.
std::vector<std::vector<int32_t>> read_expected(const std::string& path) {
    std::istringstream lines(read_file(path));
    std::vector<std::vector<int32_t>> expected;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream ids(line);
        std::vector<int32_t> row;
        for (int32_t id = 0; ids >> id;) row.push_back(id);
        expected.push_back(row);
    }
    return expected;
}

std::string join(const std::vector<int32_t>& ids) {
    std::string out;
    for (const int32_t id : ids) out += " " + std::to_string(id);
    return out;
}

// The loaded vocabularies, shared by every test (loading Llama 3's takes a moment).
struct LoadedVocab {
    std::unique_ptr<GgufFile> gguf;
    std::shared_ptr<const Vocab> vocab;
};

const Vocab& vocab_named(const std::string& name) {
    static std::map<std::string, LoadedVocab> loaded;
    auto it = loaded.find(name);
    if (it == loaded.end()) {
        Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(vocab_path(name));
        if (!gguf) {
            ADD_FAILURE() << gguf.error().message;
            std::abort();
        }
        Result<std::shared_ptr<const Vocab>> vocab = Vocab::load(**gguf);
        if (!vocab) {
            ADD_FAILURE() << vocab.error().message;
            std::abort();
        }
        it = loaded.emplace(name, LoadedVocab{std::move(*gguf), *vocab}).first;
    }
    return *it->second.vocab;
}

const char* const VOCAB_NAMES[] = {"llama-spm", "llama-bpe", "bert-bge"};

TEST(VocabVectors, EveryVectorOfEveryVocabularyMatchesLlamaCpp) {
    int n_passed_total = 0;
    int n_vectors_total = 0;
    for (const std::string name : VOCAB_NAMES) {
        const Vocab& vocab = vocab_named(name);
        const std::vector<std::string> inputs = read_inputs(vocab_path(name) + ".inp");
        const std::vector<std::vector<int32_t>> expected = read_expected(vocab_path(name) + ".out");
        ASSERT_EQ(inputs.size(), 46u) << name;
        ASSERT_EQ(expected.size(), inputs.size()) << name;
        int n_passed = 0;
        for (size_t idx = 0; idx < inputs.size(); ++idx) {
            const std::vector<int32_t> ids = vocab.tokenize(inputs[idx], false, false);
            if (ids == expected[idx]) {
                ++n_passed;
            } else {
                ADD_FAILURE() << name << " vector " << idx << " input '" << inputs[idx]
                              << "'\n  expected:" << join(expected[idx])
                              << "\n  got:     " << join(ids);
            }
        }
        std::printf("[ vectors  ] %-10s %d/%zu passed\n", name.c_str(), n_passed, inputs.size());
        n_passed_total += n_passed;
        n_vectors_total += static_cast<int>(inputs.size());
    }
    std::printf("[ vectors  ] total      %d/%d passed\n", n_passed_total, n_vectors_total);
    EXPECT_EQ(n_passed_total, 138);
    EXPECT_EQ(n_vectors_total, 138);
}

TEST(VocabVectors, DetokenizeInvertsTokenizeForSpmAndBpe) {
    for (const std::string name : {"llama-spm", "llama-bpe"}) {
        const Vocab& vocab = vocab_named(name);
        for (const std::string& input : read_inputs(vocab_path(name) + ".inp")) {
            const std::vector<int32_t> ids = vocab.tokenize(input, true, false);
            EXPECT_EQ(vocab.detokenize(ids, true), input) << name;
            // Streaming gives the same text.
            TokenDecoder decoder(vocab);
            std::string streamed;
            for (const int32_t id : ids) streamed += decoder.push(id);
            streamed += decoder.flush();
            EXPECT_EQ(streamed, input) << name;
        }
    }
}

TEST(VocabLoad, ReadsKindsAndSpecialTokensFromMetadata) {
    const Vocab& spm = vocab_named("llama-spm");
    EXPECT_EQ(spm.kind(), VocabKind::SPM);
    EXPECT_EQ(spm.n_tokens(), 32000);
    EXPECT_EQ(spm.bos_id(), 1);
    EXPECT_EQ(spm.eos_id(), 2);
    EXPECT_EQ(spm.unk_id(), 0);
    EXPECT_EQ(spm.eot_id(), -1);
    EXPECT_TRUE(spm.add_bos());
    EXPECT_FALSE(spm.add_eos());
    EXPECT_TRUE(spm.add_space_prefix());

    const Vocab& bpe = vocab_named("llama-bpe");
    EXPECT_EQ(bpe.kind(), VocabKind::BPE);
    EXPECT_EQ(bpe.n_tokens(), 128256);
    EXPECT_EQ(bpe.bos_id(), 128000);
    EXPECT_EQ(bpe.eos_id(), 128001);
    EXPECT_EQ(bpe.eot_id(), 128009);  // <|eot_id|>, found by its text
    EXPECT_TRUE(bpe.add_bos());
    EXPECT_FALSE(bpe.add_space_prefix());

    const Vocab& wpm = vocab_named("bert-bge");
    EXPECT_EQ(wpm.kind(), VocabKind::WPM);
    EXPECT_EQ(wpm.n_tokens(), 30522);
    EXPECT_EQ(wpm.cls_id(), 101);
    EXPECT_EQ(wpm.sep_id(), 102);
    EXPECT_EQ(wpm.unk_id(), 100);
    EXPECT_EQ(wpm.pad_id(), 0);
    EXPECT_EQ(wpm.mask_id(), 103);
    EXPECT_EQ(wpm.eos_id(), -1);
}

TEST(VocabLoad, Llama3VocabularyWithMergesLoadsWellUnderASecond) {
    Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(vocab_path("llama-bpe"));
    ASSERT_TRUE(gguf.ok()) << gguf.error().message;
    // CPU time of this (single-threaded) load: wall time would measure the machine's load.
    const std::clock_t start = std::clock();
    Result<std::shared_ptr<const Vocab>> vocab = Vocab::load(**gguf);
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    ASSERT_TRUE(vocab.ok()) << vocab.error().message;
    std::printf("[ timing   ] llama-bpe vocabulary (128256 tokens, 280147 merges): %.3f s CPU\n",
                seconds);
#if defined(NDEBUG)
    EXPECT_LT(seconds, 0.5);
#else
    EXPECT_LT(seconds, 5.0);  // sanitizers and no optimization
#endif
}

TEST(VocabTokenize, AddSpecialFramesTheTextAsTheVocabularySays) {
    const Vocab& spm = vocab_named("llama-spm");
    EXPECT_EQ(spm.tokenize("Hello world", true, false), (std::vector<int32_t>{1, 15043, 3186}));
    EXPECT_EQ(spm.tokenize("", true, false), (std::vector<int32_t>{1}));
    EXPECT_TRUE(spm.tokenize("", false, false).empty());

    const Vocab& bpe = vocab_named("llama-bpe");
    EXPECT_EQ(bpe.tokenize("Hello world", true, false), (std::vector<int32_t>{128000, 9906, 1917}));

    const Vocab& wpm = vocab_named("bert-bge");
    EXPECT_EQ(wpm.tokenize("Hello world", true, false),
              (std::vector<int32_t>{101, 7592, 2088, 102}));
}

TEST(VocabTokenize, ParseSpecialTurnsControlTokenTextIntoTokens) {
    const Vocab& bpe = vocab_named("llama-bpe");
    const std::string text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
    const std::vector<int32_t> parsed = bpe.tokenize(text, false, true);
    ASSERT_FALSE(parsed.empty());
    EXPECT_EQ(parsed.front(), 128006);
    EXPECT_EQ(parsed.back(), 128009);
    EXPECT_EQ(bpe.detokenize(parsed, false), text);
    EXPECT_EQ(bpe.detokenize(parsed, true), "user\n\nHi");
    // Without parse_special the same text is plain text: no control token appears.
    for (const int32_t id : bpe.tokenize(text, false, false)) EXPECT_FALSE(bpe.is_control(id));

    const Vocab& spm = vocab_named("llama-spm");
    const std::vector<int32_t> spm_ids = spm.tokenize("<s>Hello</s>", false, true);
    ASSERT_GE(spm_ids.size(), 3u);
    EXPECT_EQ(spm_ids.front(), 1);
    EXPECT_EQ(spm_ids[1], 15043);  // "▁Hello": a space is prefixed after a special token
    EXPECT_EQ(spm_ids.back(), 2);
    for (const int32_t id : spm.tokenize("<s>Hello</s>", false, false)) {
        EXPECT_NE(id, 1);
        EXPECT_NE(id, 2);
    }

    const Vocab& wpm = vocab_named("bert-bge");
    EXPECT_EQ(wpm.tokenize("[CLS] hi [SEP]", false, true).front(), 101);
    EXPECT_EQ(wpm.tokenize("[CLS] hi [SEP]", false, true).back(), 102);
}

TEST(VocabTokens, EndOfGenerationTokensAreRecognized) {
    const Vocab& bpe = vocab_named("llama-bpe");
    EXPECT_TRUE(bpe.is_eog(128001));  // <|end_of_text|>
    EXPECT_TRUE(bpe.is_eog(128009));  // <|eot_id|>
    EXPECT_FALSE(bpe.is_eog(128000));
    EXPECT_FALSE(bpe.is_eog(9906));
    EXPECT_FALSE(bpe.is_eog(-1));
    EXPECT_FALSE(bpe.is_eog(1 << 30));
    const Vocab& spm = vocab_named("llama-spm");
    EXPECT_TRUE(spm.is_eog(2));
    EXPECT_FALSE(spm.is_eog(1));
    EXPECT_TRUE(spm.is_control(1));
    EXPECT_FALSE(spm.is_control(15043));
}

TEST(VocabTokens, FindTokenAndTokenTextAreInverse) {
    const Vocab& bpe = vocab_named("llama-bpe");
    EXPECT_EQ(bpe.find_token("<|eot_id|>"), 128009);
    EXPECT_EQ(bpe.token_text(128009), "<|eot_id|>");
    EXPECT_EQ(bpe.token_text(1917), "\xC4\xA0world");  // "Ġworld"
    EXPECT_FALSE(bpe.find_token("no such token text").has_value());
    EXPECT_EQ(bpe.token_text(-5), "");
    EXPECT_EQ(bpe.token_text(bpe.n_tokens()), "");
}

TEST(VocabDecode, PiecesAreTheBytesTokensStandFor) {
    const Vocab& spm = vocab_named("llama-spm");
    EXPECT_EQ(spm.token_to_piece(15043), " Hello");
    EXPECT_EQ(spm.token_to_piece(13), "\n");  // <0x0A>
    EXPECT_EQ(spm.token_to_piece(1), "<s>");
    EXPECT_EQ(spm.token_to_piece(-1), "");
    EXPECT_EQ(spm.token_to_piece(32000), "");
    const Vocab& bpe = vocab_named("llama-bpe");
    EXPECT_EQ(bpe.token_to_piece(1917), " world");
    EXPECT_EQ(bpe.token_to_piece(198), "\n");  // "Ċ"
    const Vocab& wpm = vocab_named("bert-bge");
    // Punctuation is a word of its own in WordPiece, so it comes back space-separated.
    EXPECT_EQ(wpm.detokenize(wpm.tokenize("Hello, world!", true, false), true), "hello , world !");
    EXPECT_EQ(wpm.detokenize(std::vector<int32_t>{9706, 7959, 2140}, true), "apfel");
}

TEST(VocabDecode, DetokenizeKeepsSpecialTokenTextUnlessRemoved) {
    const Vocab& spm = vocab_named("llama-spm");
    const std::vector<int32_t> ids = spm.tokenize("Hello", true, false);
    EXPECT_EQ(spm.detokenize(ids, true), "Hello");
    EXPECT_EQ(spm.detokenize(ids, false), "<s> Hello");
    const std::vector<int32_t> junk = {-7, 99999999, 15043};
    EXPECT_EQ(spm.detokenize(junk, true), "Hello");
}

TEST(TokenDecoder, HoldsACharacterSplitAcrossByteTokensUntilComplete) {
    const Vocab& spm = vocab_named("llama-spm");
    // U+1F999 (llama emoji) is not in the SPM vocabulary: it becomes four byte tokens.
    const std::string llama = "\xF0\x9F\xA6\x99";
    const std::vector<int32_t> ids = spm.tokenize(llama, false, false);
    const std::vector<int32_t> expected = {29871, 243, 162, 169, 156};  // "▁" <0xF0>...<0x99>
    ASSERT_EQ(ids, expected);
    TokenDecoder decoder(spm);
    EXPECT_EQ(decoder.push(ids[0]), "");  // the prefix space of the first token is dropped
    EXPECT_EQ(decoder.push(ids[1]), "");
    EXPECT_EQ(decoder.push(ids[2]), "");
    EXPECT_EQ(decoder.push(ids[3]), "");
    EXPECT_EQ(decoder.push(ids[4]), llama);
    EXPECT_EQ(decoder.flush(), "");

    // An unfinished character at the end comes out of flush() as U+FFFD per byte.
    TokenDecoder cut(spm);
    EXPECT_EQ(cut.push(spm.find_token("\xE2\x96\x81"
                                      "a")
                           .value()),
              "a");
    EXPECT_EQ(cut.push(243), "");  // <0xF0>
    EXPECT_EQ(cut.push(162), "");  // <0x9F>
    EXPECT_EQ(cut.flush(), "\xEF\xBF\xBD\xEF\xBF\xBD");
    // A byte that can never start a character is replaced at once.
    TokenDecoder bad(spm);
    EXPECT_EQ(bad.push(spm.find_token("<0xFF>").value()), "\xEF\xBF\xBD");
}

TEST(TokenDecoder, StreamsByteLevelBpeMultiByteCharacters) {
    const Vocab& bpe = vocab_named("llama-bpe");
    const std::string text = "\xE1\x9E\x80\xE1\x9E\xB6 \xF0\x9F\x98\x81 ok";  // Khmer, emoji
    const std::vector<int32_t> ids = bpe.tokenize(text, false, false);
    TokenDecoder decoder(bpe);
    std::string streamed;
    for (const int32_t id : ids) {
        const std::string out = decoder.push(id);
        // Every chunk handed out is valid UTF-8 on its own.
        EXPECT_EQ(unicode::utf8_sanitize(out), out);
        streamed += out;
    }
    streamed += decoder.flush();
    EXPECT_EQ(streamed, text);
}

TEST(VocabRobustness, ArbitraryBytesAndIdsNeverCrash) {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> byte_dist(0, 255);
    std::uniform_int_distribution<int> len_dist(0, 64);
    for (const std::string name : VOCAB_NAMES) {
        const Vocab& vocab = vocab_named(name);
        std::uniform_int_distribution<int32_t> id_dist(-3, vocab.n_tokens() + 3);
        for (int round = 0; round < 200; ++round) {
            std::string text(static_cast<size_t>(len_dist(rng)), '\0');
            for (char& c : text) c = static_cast<char>(byte_dist(rng));
            const std::vector<int32_t> ids = vocab.tokenize(text, round % 2 == 0, round % 3 == 0);
            for (const int32_t id : ids) {
                ASSERT_GE(id, 0);
                ASSERT_LT(id, vocab.n_tokens());
            }
            if (vocab.kind() != VocabKind::WPM) {
                // Byte fallback / byte-level BPE represent any byte string exactly.
                EXPECT_EQ(vocab.detokenize(vocab.tokenize(text, false, false), false), text)
                    << name;
            }
            std::vector<int32_t> random_ids(8);
            for (int32_t& id : random_ids) id = id_dist(rng);
            TokenDecoder decoder(vocab, round % 2 == 0);
            for (const int32_t id : random_ids) decoder.push(id);
            decoder.flush();
            (void)vocab.detokenize(random_ids, round % 2 == 1);
        }
    }
}

}  // namespace
}  // namespace souverain
