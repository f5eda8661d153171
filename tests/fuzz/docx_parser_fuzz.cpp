// libFuzzer target for the DOCX parser. The selector byte's low bit picks the mode: the rest is
// the .docx package itself (the zip layer), or word/document.xml and, after the first NUL byte,
// word/styles.xml, zipped here so that mutations reach the XML walk instead of failing the zip
// checksum. The other bits pick the chunk size. Documents keep parsed_document_invariants.h, or
// an Error comes back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parsed_document_invariants.h"
#include "test_documents.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    const size_t max_bytes = 16 + (data[0] >> 1) * 16;
    if ((data[0] & 1) == 0) {
        souverain::fuzz::parse_and_check(rest, souverain::retrieval::SourceFormat::DOCX, max_bytes);
        return 0;
    }
    const size_t nul = rest.find('\0');
    std::vector<std::pair<std::string, std::string>> parts = {
        {"word/document.xml", std::string(rest.substr(0, nul))}};
    if (nul != std::string_view::npos) {
        parts.emplace_back("word/styles.xml", std::string(rest.substr(nul + 1)));
    }
    souverain::fuzz::parse_and_check(souverain::test::make_zip(parts),
                                     souverain::retrieval::SourceFormat::DOCX, max_bytes);
    return 0;
}
