#pragma once
// The storage interface of knowledge bases: everything a knowledge base persists (sources,
// documents, chunks with their analyzed terms, the lexical index) goes through `Store`.
// Nothing outside src/storage/ speaks SQL; a PostgreSQL backend will implement the same
// interface. Blobs (term vectors, posting lists, index metadata) are opaque here: their
// encoding belongs to src/retrieval/ (term_codec.h).
//
// Ownership: a Store owns its connection; records are plain values copied out.
// Thread-safety: a Store is used by one thread at a time (callers serialize).
// Durability: every mutating call is one transaction; a process killed mid-call loses only
// that call's work, never anything an earlier call committed.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "storage/tenant_store.h"

namespace souverain::storage {

// What ingestion does with the personal data it finds in a base's documents (detectors:
// governance/pii_scan.h). Chosen when the base is created; a base created before policies
// existed is OFF.
enum class PiiPolicy {
    OFF,           // texts are kept as they are
    PSEUDONYMIZE,  // every value is replaced by its tenant's pseudonym before anything is kept
};

inline const char* pii_policy_name(PiiPolicy policy) {
    return policy == PiiPolicy::PSEUDONYMIZE ? "pseudonymize" : "off";
}
inline std::optional<PiiPolicy> parse_pii_policy(std::string_view name) {
    if (name == "off") return PiiPolicy::OFF;
    if (name == "pseudonymize") return PiiPolicy::PSEUDONYMIZE;
    return std::nullopt;
}

struct KbInfo {
    int64_t id = 0;
    std::string tenant;  // the owner; names are unique per tenant
    std::string name;
    bool index_dirty = false;  // documents changed since the lexical index was last written
    int64_t created_at = 0;    // Unix seconds
    PiiPolicy pii = PiiPolicy::OFF;
};

// What a knowledge base holds.
struct KbCounts {
    int64_t sources = 0;
    int64_t documents = 0;
    int64_t chunks = 0;
};

// One ingested file (a source holds one or many documents: a JSONL file holds many).
struct SourceInfo {
    std::string path;          // absolute, as ingested
    std::string content_hash;  // lower-case hex SHA-256 of the bytes
};

// A source with the size of what it holds.
struct SourceDetails {
    std::string path;
    std::string content_hash;
    uint64_t bytes = 0;
    int64_t documents = 0;
    int64_t chunks = 0;
};

struct NewChunk {
    int64_t start = 0;  // offsets in code points into the document text: [start, end)
    int64_t end = 0;
    int64_t start_byte = 0;  // the same span in UTF-8 bytes
    int64_t end_byte = 0;
    std::string language;       // "fr", "de", "en", "lb", "other"
    std::string title;          // the field weighted apart from the body (title, headings)
    std::string metadata_json;  // a JSON object
    std::string terms;          // encoded term vector (retrieval/term_codec.h)
};

struct NewDocument {
    std::string external_id;  // the BEIR `_id`, or the file path
    std::string title;
    std::string text;  // chunk offsets point into this text
    std::string metadata_json;
    std::vector<NewChunk> chunks;
};

struct NewSource {
    std::string path;
    std::string content_hash;
    uint64_t bytes = 0;
};

struct ChunkTerms {
    int64_t chunk_id = 0;
    int64_t document_id = 0;
    std::string_view terms;  // valid only during the callback
};

// A stored chunk as a search hit shows it.
struct ChunkRecord {
    int64_t chunk_id = 0;
    std::string document_id;  // external id
    std::string title;        // the document's title
    std::string metadata_json;
    std::string language;
    int64_t start = 0;
    int64_t end = 0;
    std::string text;  // the document text at [start, end)
};

class Store {
public:
    virtual ~Store() = default;

    // Knowledge bases belong to a tenant: a name is looked up only among that tenant's bases,
    // so another tenant's base is indistinguishable from one that does not exist. Ids are
    // global; callers get them only from a tenant-scoped lookup.
    //
    // Fails with ALREADY_EXISTS when the tenant has a knowledge base of that name.
    virtual Result<KbInfo> create_kb(const std::string& tenant, const std::string& name,
                                     PiiPolicy pii) = 0;
    Result<KbInfo> create_kb(const std::string& tenant, const std::string& name) {
        return create_kb(tenant, name, PiiPolicy::OFF);
    }
    virtual Result<std::optional<KbInfo>> find_kb(const std::string& tenant,
                                                  const std::string& name) = 0;
    // The tenant's bases, by name.
    virtual Result<std::vector<KbInfo>> list_kbs(const std::string& tenant) = 0;
    // Removes a knowledge base with everything it holds (sources, documents, chunks, index).
    // One transaction; an unknown id is not an error (nothing to remove).
    virtual Status delete_kb(int64_t kb_id) = 0;
    virtual Result<KbCounts> count_kb(int64_t kb_id) = 0;

    virtual Result<std::vector<SourceInfo>> list_sources(int64_t kb_id) = 0;
    // The sources ordered by path, each with its byte size and document and chunk counts.
    virtual Result<std::vector<SourceDetails>> list_source_details(int64_t kb_id) = 0;
    // Replaces everything a source held (documents, chunks) by `documents`, or inserts it;
    // marks the knowledge base's index dirty. One transaction.
    virtual Status replace_source(int64_t kb_id, const NewSource& source,
                                  const std::vector<NewDocument>& documents) = 0;
    // Removes a source with its documents and chunks; marks the index dirty.
    virtual Status remove_source(int64_t kb_id, const std::string& path) = 0;

    // Calls `visit` for every chunk of the knowledge base in increasing chunk id order.
    virtual Status for_each_chunk_terms(int64_t kb_id,
                                        const std::function<void(const ChunkTerms&)>& visit) = 0;

    // Replaces the lexical index (metadata blob and one posting blob per term, with its
    // document frequency) and clears the dirty mark. One transaction.
    struct Posting {
        std::string term;
        int64_t df = 0;
        std::string blob;
    };
    virtual Status write_index(int64_t kb_id, std::string_view meta,
                               const std::vector<Posting>& postings) = 0;
    virtual Result<std::optional<std::string>> load_index_meta(int64_t kb_id) = 0;
    // The posting blob of one term, or nullopt when the term is not indexed.
    virtual Result<std::optional<std::string>> load_postings(int64_t kb_id,
                                                             std::string_view term) = 0;
    // Every indexed term with its document frequency (for decompounding and statistics).
    virtual Status for_each_term(
        int64_t kb_id, const std::function<void(std::string_view term, int64_t df)>& visit) = 0;

    // The chunks with these ids, in the same order; unknown ids are left out.
    virtual Result<std::vector<ChunkRecord>> load_chunks(int64_t kb_id,
                                                         const std::vector<int64_t>& chunk_ids) = 0;
    // The external id of each document id.
    virtual Result<std::vector<std::pair<int64_t, std::string>>> load_document_ids(
        int64_t kb_id) = 0;
};

// Opens (creating when absent) the SQLite store in `data_dir` (file `souverain.db`, WAL mode).
// A database written before tenants existed is migrated on open: its bases go to tenant
// "default".
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& data_dir);

}  // namespace souverain::storage
