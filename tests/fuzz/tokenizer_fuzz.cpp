// libFuzzer target for the tokenizers. The first byte picks a mode:
//   0..5: tokenize the rest as text with one of the three test vocabularies (llama-spm,
//         llama-bpe, bert-bge; parse_special on or off), check every id is in range, that SPM
//         and BPE give the text back exactly, and that streaming decoding only hands out valid
//         UTF-8 and matches detokenize;
//   6..7: parse the rest as a GGUF file and load a vocabulary from its metadata: a refusal must
//         carry a one-line message, a success must tokenize and decode without fault.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/gguf.h"
#include "engine/unicode.h"
#include "engine/vocab.h"

namespace {

using namespace souverain;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

struct LoadedVocab {
    std::unique_ptr<GgufFile> gguf;
    std::shared_ptr<const Vocab> vocab;
};

// The test vocabularies live in ../shared beside the repository this file belongs to.
LoadedVocab load_test_vocab(const char* name) {
    std::string root(__FILE__);
    root = root.substr(0, root.rfind("/tests/fuzz/"));
    const std::string path = root + "/../shared/testdata/vocab/ggml-vocab-" + name + ".gguf";
    auto gguf = GgufFile::open(path);
    check(gguf.ok());
    auto vocab = Vocab::load(**gguf);
    check(vocab.ok());
    return LoadedVocab{std::move(*gguf), std::move(*vocab)};
}

const Vocab& test_vocab(int index) {
    static const LoadedVocab vocabs[] = {load_test_vocab("llama-spm"), load_test_vocab("llama-bpe"),
                                         load_test_vocab("bert-bge")};
    return *vocabs[index].vocab;
}

bool is_valid_utf8(std::string_view text) {
    return unicode::utf8_sanitize(text) == text;
}

void exercise(const Vocab& vocab, std::string_view text, bool parse_special, bool exact) {
    const std::vector<int32_t> ids = vocab.tokenize(text, parse_special, parse_special);
    for (const int32_t id : ids) check(id >= 0 && id < vocab.n_tokens());
    const std::string detokenized = vocab.detokenize(ids, parse_special);
    if (exact) check(detokenized == text);
    TokenDecoder decoder(vocab, parse_special);
    std::string streamed;
    for (const int32_t id : ids) {
        const std::string chunk = decoder.push(id);
        check(is_valid_utf8(chunk));
        streamed += chunk;
    }
    streamed += decoder.flush();
    check(streamed == unicode::utf8_sanitize(detokenized));
    for (const int32_t id : ids) (void)vocab.token_to_piece(id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const int mode = data[0] % 8;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (mode < 6) {
        const int vocab_index = mode / 2;
        const bool parse_special = mode % 2 == 1;
        const Vocab& vocab = test_vocab(vocab_index);
        // Plain text round-trips exactly through SPM byte fallback and byte-level BPE, except
        // for a literal U+2581, which SPM reads as its escaped space.
        const bool exact = !parse_special && vocab.kind() != VocabKind::WPM &&
                           !(vocab.kind() == VocabKind::SPM &&
                             rest.find("\xE2\x96\x81") != std::string_view::npos);
        exercise(vocab, rest, parse_special, exact);
        return 0;
    }
    auto parsed = GgufFile::from_memory(data + 1, size - 1);
    if (!parsed.ok()) return 0;
    auto vocab = Vocab::load(**parsed);
    if (!vocab.ok()) {
        const std::string& message = vocab.error().message;
        check(!message.empty());
        check(message.find('\n') == std::string::npos);
        return 0;
    }
    for (const char* text : {"Hello world", " \n\t x", "<s>[CLS]<|eot_id|>", "\xFF\xE4\xBD"}) {
        exercise(**vocab, text, mode == 7, false);
    }
    return 0;
}
