// libFuzzer target for the HTML parser: any bytes (after a selector byte that picks the chunk
// size) give a document whose text and chunks keep parsed_document_invariants.h, or an Error.
#include <cstddef>
#include <cstdint>

#include "parsed_document_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    souverain::fuzz::parse_and_check(data, size, souverain::retrieval::SourceFormat::HTML);
    return 0;
}
