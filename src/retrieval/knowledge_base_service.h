#pragma once
// The knowledge bases of one data directory as a service for concurrent callers (the HTTP
// server): create, list and delete bases; upload, list and delete documents; search.
//
// A *document* here is one uploaded file, named by its file name (`notes.md`): it is stored as
// a source of that name (storage::Store), so uploading the same name again replaces it, and
// its hits carry that name in `metadata.source`. Text, Markdown, HTML, PDF and DOCX files are
// one document whose id is the file name (offsets count in its text: the file itself for text
// and Markdown, the extracted text for the others); a BEIR .jsonl file holds one document per
// line, with its `_id`.
//
// Tenants: every method names the tenant whose bases it sees (the server passes the tenant of
// the request's API key). A base of another tenant is NOT_FOUND with the same message as one
// that does not exist, so no answer tells whether another tenant uses a name.
//
// Ownership: the service owns its Store. Thread-safety: every method may be called from any
// thread; one mutex serializes them all (a Store is used by one thread at a time), so a long
// upload delays searches. Other processes (the CLI) may write the same data directory: SQLite
// serializes the writers, and searches read the index as it is committed (nothing is cached).
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/ingest.h"
#include "retrieval/lexical_search.h"
#include "retrieval/search_hit.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct KbSummary {
    storage::KbInfo info;
    storage::KbCounts counts;
};

struct UploadResult {
    SourceReport report;
    storage::SourceDetails document;
};

class KnowledgeBaseService {
public:
    static Result<std::unique_ptr<KnowledgeBaseService>> open(const std::string& data_dir,
                                                              IngestOptions ingest = {});

    // INVALID_ARGUMENT for a bad name (check_kb_name), ALREADY_EXISTS when taken.
    Result<KbSummary> create(const std::string& tenant, const std::string& name);
    Result<std::vector<KbSummary>> list(const std::string& tenant);
    // NOT_FOUND when absent (also for every method below that names a base).
    Result<KbSummary> get(const std::string& tenant, const std::string& name);
    Status remove(const std::string& tenant, const std::string& name);

    // `filename` must pass check_document_name. Parse failures leave the base unchanged.
    Result<UploadResult> upload(const std::string& tenant, const std::string& kb,
                                const std::string& filename, std::string_view bytes);
    Result<std::vector<storage::SourceDetails>> documents(const std::string& tenant,
                                                          const std::string& kb);
    Status remove_document(const std::string& tenant, const std::string& kb,
                           const std::string& document);

    Result<std::vector<SearchHit>> search(const std::string& tenant, const std::string& kb,
                                          std::string_view query, const SearchOptions& options);
    // Searches each base (all must exist; duplicates count once) and keeps the `top_k` best
    // passages of all, best first; equal scores keep the order of `kbs`.
    Result<std::vector<RetrievedPassage>> retrieve(const std::string& tenant,
                                                   const std::vector<std::string>& kbs,
                                                   std::string_view query, size_t top_k);

private:
    KnowledgeBaseService(std::unique_ptr<storage::Store> store, IngestOptions ingest)
        : store_(std::move(store)), ingest_(ingest), lexical_(default_lexical_config()) {}
    Result<storage::KbInfo> find_locked(const std::string& tenant, const std::string& name);
    Result<KbSummary> summary_locked(const storage::KbInfo& info);

    std::mutex mutex_;
    std::unique_ptr<storage::Store> store_;
    IngestOptions ingest_;
    LexicalConfig lexical_;
};

// Names of uploaded documents: a file name (no '/', '\', control characters, "." or ".."), at
// most 255 bytes of valid UTF-8, with an extension ingestion reads (supported_extensions()).
// INVALID_ARGUMENT otherwise, saying why.
Status check_document_name(std::string_view name);

}  // namespace souverain::retrieval
