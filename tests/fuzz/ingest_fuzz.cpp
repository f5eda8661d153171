// libFuzzer target for the ingestion parsers: any bytes as text, Markdown or BEIR JSONL (the
// first byte picks the format and a chunk size) must give documents whose chunks are non-empty,
// in bounds, on UTF-8 boundaries and valid UTF-8, or a clean Error; the analyzers and language
// detection run over every chunk, and the term codec decoders over the raw bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "retrieval/analyzer.h"
#include "retrieval/document_parser.h"
#include "retrieval/language.h"
#include "retrieval/term_codec.h"

using namespace souverain::retrieval;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t selector = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    constexpr SourceFormat kFormats[] = {SourceFormat::TEXT, SourceFormat::MARKDOWN,
                                         SourceFormat::JSONL};
    const SourceFormat format = kFormats[selector % 3];
    ChunkOptions options;
    options.max_bytes = 16 + (selector / 3) * 8;  // small chunks: many splits

    (void)decode_term_vector(bytes);
    (void)decode_postings(bytes);
    (void)decode_index_meta(bytes);

    souverain::Result<std::vector<ParsedDocument>> documents =
        parse_source(bytes, format, "fuzz", options);
    if (!documents) return 0;
    static Analyzer analyzers[] = {Analyzer(Language::DE), Analyzer(Language::FR),
                                   Analyzer(Language::LB)};
    std::vector<std::string> terms;
    for (const ParsedDocument& document : *documents) {
        check(find_invalid_utf8(document.text) == std::string_view::npos);
        size_t previous_start = 0;
        for (const ParsedChunk& chunk : document.chunks) {
            check(chunk.start_byte < chunk.end_byte);
            check(chunk.end_byte <= document.text.size());
            check(chunk.start_byte >= previous_start);
            previous_start = chunk.start_byte;
            const std::string_view passage(document.text.data() + chunk.start_byte,
                                           chunk.end_byte - chunk.start_byte);
            check(find_invalid_utf8(passage) == std::string_view::npos);
            (void)detect_language(passage);
            terms.clear();
            analyzers[selector % 3].analyze(passage, terms);
            (void)article_number(chunk.heading);
        }
    }
    return 0;
}
