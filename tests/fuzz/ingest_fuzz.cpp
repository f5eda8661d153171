// libFuzzer target for the ingestion parsers: any bytes as text, Markdown or BEIR JSONL (the
// first byte picks the format and a chunk size) must give documents whose chunks are non-empty,
// in bounds, on UTF-8 boundaries and valid UTF-8, or a clean Error; the analyzers and language
// detection run over every chunk, and the term codec decoders over the raw bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parsed_document_invariants.h"
#include "retrieval/analyzer.h"
#include "retrieval/document_parser.h"
#include "retrieval/language.h"
#include "retrieval/term_codec.h"

using namespace souverain::retrieval;

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
    souverain::fuzz::check_documents(*documents,
                                     [&](std::string_view passage, const ParsedChunk& chunk) {
                                         (void)detect_language(passage);
                                         terms.clear();
                                         analyzers[selector % 3].analyze(passage, terms);
                                         (void)article_number(chunk.heading);
                                     });
    return 0;
}
