#pragma once
// A knowledge-base passage an answer drew on, as the audit log and AI-Act receipts name it.
#include <cstdint>
#include <string>

namespace souverain::governance {

struct SourceRef {
    std::string kb;        // knowledge base name
    std::string document;  // the document's external id
    int64_t chunk_id = 0;  // the chunk's id in the store

    bool operator==(const SourceRef&) const = default;
};

}  // namespace souverain::governance
