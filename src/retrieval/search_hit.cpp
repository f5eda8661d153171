#include "retrieval/search_hit.h"

#include <memory>

namespace souverain::retrieval {

Result<std::vector<SearchHit>> search_knowledge_base(storage::Store& store, int64_t kb_id,
                                                     std::string_view query,
                                                     const LexicalConfig& config,
                                                     const SearchOptions& options) {
    Result<std::optional<std::string>> meta = store.load_index_meta(kb_id);
    if (!meta) return meta.error();
    if (!meta->has_value()) return std::vector<SearchHit>();
    Result<std::unique_ptr<LexicalIndex>> index = LexicalIndex::open(store, kb_id);
    if (!index) return index.error();
    Result<std::vector<ScoredChunk>> scored = lexical_search(**index, query, config, options);
    if (!scored) return scored.error();
    std::vector<int64_t> ids;
    ids.reserve(scored->size());
    for (const ScoredChunk& hit : *scored) ids.push_back(hit.chunk_id);
    Result<std::vector<storage::ChunkRecord>> chunks = store.load_chunks(kb_id, ids);
    if (!chunks) return chunks.error();
    // load_chunks leaves out ids it does not know (an index older than the chunks), so the
    // scores are matched by chunk id, not by position.
    std::vector<SearchHit> hits;
    hits.reserve(chunks->size());
    size_t next = 0;
    for (storage::ChunkRecord& chunk : *chunks) {
        while (next < scored->size() && (*scored)[next].chunk_id != chunk.chunk_id) ++next;
        if (next == scored->size()) break;
        hits.push_back(SearchHit{std::move(chunk), (*scored)[next].score, std::nullopt});
        ++next;
    }
    return hits;
}

nlohmann::json hit_metadata(const SearchHit& hit) {
    nlohmann::json metadata = nlohmann::json::parse(hit.chunk.metadata_json, nullptr, false);
    if (metadata.is_discarded() || !metadata.is_object()) metadata = nlohmann::json::object();
    return metadata;
}

nlohmann::json search_hit_json(const SearchHit& hit) {
    nlohmann::json out = {{"document_id", hit.chunk.document_id},
                          {"chunk_id", hit.chunk.chunk_id},
                          {"score", hit.score},
                          {"title", hit.chunk.title},
                          {"metadata", hit_metadata(hit)},
                          {"start", hit.chunk.start},
                          {"end", hit.chunk.end},
                          {"text", hit.chunk.text}};
    if (hit.first_stage_score) out["first_stage_score"] = *hit.first_stage_score;
    return out;
}

}  // namespace souverain::retrieval
