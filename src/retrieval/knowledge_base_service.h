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
// serializes the writers, and lexical searches read the index as it is committed (nothing is
// cached). The dense side of bases with an embedding model (dense_base.h: the embedder and
// the HNSW graph) is kept open per base after first use; each search or upload first syncs the
// graph with the stored vectors, so vectors another process stored are picked up.
// Uploads to such a base embed the new chunks and add them to the graph (no rebuild);
// deletions mark their vectors deleted.
//
// Models for remote callers: a base created through the service gets an embedding model only
// by a name the process allowed (allow_embedding_model: the server's own encoders) or the
// built-in `hashing:DIM`; a caller never names a file. The reranker (set_reranker) is the
// one the process was started with; searches may ask for it. Reranking runs under the
// service's mutex (one cross-encoder pass at a time anyway).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "retrieval/dense_base.h"
#include "retrieval/hybrid_search.h"
#include "retrieval/ingest.h"
#include "retrieval/lexical_search.h"
#include "retrieval/reranker.h"
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
                                                              IngestOptions ingest = {},
                                                              DenseOptions dense = {});

    // INVALID_ARGUMENT for a bad name (check_kb_name), ALREADY_EXISTS when taken. `pii`:
    // what uploads do with personal data (ingest.h, pseudonymized_document.h).
    // `embedding_model`: "" none, "hashing:DIM", or a name given to allow_embedding_model.
    // Anything else (a file path included) is INVALID_ARGUMENT and creates nothing; a model
    // that fails to open leaves no base behind.
    Result<KbSummary> create(const std::string& tenant, const std::string& name,
                             storage::PiiPolicy pii = storage::PiiPolicy::OFF,
                             const std::string& embedding_model = "");
    // Call before serving (not thread-safe against the other methods).
    void allow_embedding_model(const std::string& name, const std::string& path);
    void set_reranker(std::unique_ptr<Reranker> reranker);
    bool has_reranker() const { return reranker_ != nullptr; }
    // The embedding model recorded for a base ("" when it has none).
    Result<std::string> embedding_model_name(const std::string& tenant, const std::string& name);
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

    // Search in the default mode (hybrid_search.h), hits only.
    Result<std::vector<SearchHit>> search(const std::string& tenant, const std::string& kb,
                                          std::string_view query, const SearchOptions& options);
    // Search in `mode` (nullopt: the default), with the mode that ran. `rerank_depth` set:
    // the rerank stage (reranker.h) with the service's reranker, INVALID_ARGUMENT when it
    // has none.
    Result<ModeSearchResult> search(const std::string& tenant, const std::string& kb,
                                    std::string_view query, const SearchOptions& options,
                                    std::optional<SearchMode> mode,
                                    std::optional<size_t> rerank_depth = std::nullopt);
    // Searches each base (all must exist; duplicates count once) in its default mode (hybrid
    // when it has an embedding model, else lexical; each passage records the mode) and keeps
    // the `top_k` best passages of all, best first: by score when every base ran the same
    // mode (equal scores keep the order of `kbs`), else by rank within its base (BM25 and
    // fused scores are not on one scale), bases taking turns in the order of `kbs`.
    Result<std::vector<RetrievedPassage>> retrieve(const std::string& tenant,
                                                   const std::vector<std::string>& kbs,
                                                   std::string_view query, size_t top_k);

    // The data directory's pseudonym table (the one given in IngestOptions, else opened
    // here on first use, creating the key): uploads to pseudonymizing bases use it, and the
    // admins' reversal route reads it.
    Result<std::shared_ptr<governance::PiiVault>> pii_vault();

private:
    Result<std::shared_ptr<governance::PiiVault>> pii_vault_locked();
    KnowledgeBaseService(std::unique_ptr<storage::Store> store, std::string data_dir,
                         IngestOptions ingest, DenseOptions dense)
        : store_(std::move(store)),
          data_dir_(std::move(data_dir)),
          ingest_(ingest),
          dense_options_(dense),
          lexical_(default_lexical_config()) {}
    Result<storage::KbInfo> find_locked(const std::string& tenant, const std::string& name);
    Result<KbSummary> summary_locked(const storage::KbInfo& info);
    // The base's dense side, opened on first use; null when it has no embedding model.
    Result<DenseBase*> dense_locked(int64_t kb_id);

    std::mutex mutex_;
    std::unique_ptr<storage::Store> store_;
    std::string data_dir_;
    IngestOptions ingest_;
    DenseOptions dense_options_;
    LexicalConfig lexical_;
    std::unordered_map<int64_t, std::unique_ptr<DenseBase>> dense_;
    std::unordered_map<std::string, std::string> embedding_models_;  // name -> GGUF path
    std::unique_ptr<Reranker> reranker_;
};

// Names of uploaded documents: a file name (no '/', '\', control characters, "." or ".."), at
// most 255 bytes of valid UTF-8, with an extension ingestion reads (supported_extensions()).
// INVALID_ARGUMENT otherwise, saying why.
Status check_document_name(std::string_view name);

}  // namespace souverain::retrieval
