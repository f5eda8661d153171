#include "retrieval/pseudonymized_document.h"

#include <algorithm>
#include <map>
#include <vector>

namespace souverain::retrieval {

namespace {

// Old byte offsets -> new ones, given the replaced spans (sorted, disjoint) and their
// replacements' lengths.
class OffsetMap {
public:
    OffsetMap(const std::vector<governance::PiiEntity>& entities,
              const std::vector<std::string>& pseudonyms) {
        int64_t shift = 0;
        for (size_t idx = 0; idx < entities.size(); ++idx) {
            spans_.push_back({entities[idx].start, entities[idx].end, shift});
            shift += (int64_t)pseudonyms[idx].size() -
                     (int64_t)(entities[idx].end - entities[idx].start);
        }
        final_shift_ = shift;
    }

    size_t map(size_t offset) const {
        // The first span that ends after `offset`: the ones before it are wholly before.
        auto it = std::upper_bound(spans_.begin(), spans_.end(), offset,
                                   [](size_t value, const Span& s) { return value < s.end; });
        if (it == spans_.end()) return (size_t)((int64_t)offset + final_shift_);
        // Inside a value (or at its start): its start in the new text.
        if (offset >= it->start) return (size_t)((int64_t)it->start + it->shift_before);
        return (size_t)((int64_t)offset + it->shift_before);
    }

private:
    struct Span {
        size_t start;
        size_t end;
        int64_t shift_before;  // total length change of the spans before this one
    };
    std::vector<Span> spans_;
    int64_t final_shift_ = 0;
};

}  // namespace

Result<DocumentPseudonyms> pseudonymize_document(governance::PiiVault& vault,
                                                 const std::string& tenant,
                                                 ParsedDocument& document) {
    DocumentPseudonyms report;
    Result<governance::PseudonymizedText> text = vault.pseudonymize(tenant, document.text);
    if (!text) return text.error();
    report.values += text->entities.size();
    const OffsetMap offsets(text->entities, text->pseudonyms);
    std::vector<ParsedChunk> chunks;
    chunks.reserve(document.chunks.size());
    // Headings repeat across chunks (a section's path): each distinct one is replaced once.
    std::map<std::string, std::string> headings;
    for (ParsedChunk& chunk : document.chunks) {
        chunk.start_byte = offsets.map(chunk.start_byte);
        chunk.end_byte = offsets.map(chunk.end_byte);
        if (chunk.end_byte <= chunk.start_byte) continue;
        if (!chunk.heading.empty()) {
            auto it = headings.find(chunk.heading);
            if (it == headings.end()) {
                Result<governance::PseudonymizedText> heading =
                    vault.pseudonymize(tenant, chunk.heading);
                if (!heading) return heading.error();
                report.values += heading->entities.size();
                it = headings.emplace(chunk.heading, std::move(heading->text)).first;
            }
            chunk.heading = it->second;
        }
        chunks.push_back(std::move(chunk));
    }
    document.chunks = std::move(chunks);
    document.text = std::move(text->text);
    Result<governance::PseudonymizedText> title = vault.pseudonymize(tenant, document.title);
    if (!title) return title.error();
    report.values += title->entities.size();
    document.title = std::move(title->text);
    return report;
}

}  // namespace souverain::retrieval
