#pragma once
// Ingestion: files and folders → parsed documents → analyzed chunks → the store, then the
// lexical index rebuilt.
//
// Per file: read, SHA-256; when the store already holds that path with that hash the file is
// skipped (unchanged). Otherwise parse (document_parser.h), pseudonymize when the base's
// policy says so (pseudonymized_document.h), detect each chunk's language,
// analyze body and title with that language's analyzer, and replace the source in the store
// in one transaction (so a killed process keeps every file committed before). A file that
// fails to read or parse is reported and skipped; the others go in. Sources the store holds
// under a folder given again (or a file given again) that no longer exist are removed.
// Folders are walked recursively; only supported extensions are taken from folders.
//
// Thread-safety: one call at a time per store.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/pii_vault.h"
#include "retrieval/chunker.h"
#include "retrieval/language.h"
#include "retrieval/term_codec.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct IngestOptions {
    ChunkOptions chunking;
    // The data directory's pseudonym table, required to ingest into a base whose policy is
    // PSEUDONYMIZE (then each parsed document goes through pseudonymized_document.h before it
    // is analyzed; without a vault such an ingestion fails before reading anything).
    std::shared_ptr<governance::PiiVault> pii_vault;
};

struct IngestProgress {
    size_t files_done = 0;
    size_t files_total = 0;
    uint64_t bytes_done = 0;
    uint64_t bytes_total = 0;
};

struct IngestReport {
    size_t files = 0;      // files considered
    size_t ingested = 0;   // new or changed, stored
    size_t unchanged = 0;  // same content hash as stored
    size_t failed = 0;     // reported and skipped
    size_t removed = 0;    // sources gone from disk, removed from the store
    size_t documents = 0;  // in the ingested files
    size_t chunks = 0;
    size_t chunks_with_article = 0;  // chunks whose heading names an article
    uint64_t bytes = 0;              // bytes read
    bool index_rebuilt = false;
    std::vector<std::string> errors;  // one line per failed file
};

Result<IngestReport> ingest_paths(storage::Store& store, const storage::KbInfo& kb,
                                  const std::vector<std::string>& paths,
                                  const IngestOptions& options,
                                  const std::function<void(const IngestProgress&)>& progress);

// One source given as bytes under a name (an upload): the same parsing, analysis and
// transaction as a file, with `name` as the source path, the document id of text and Markdown,
// and the format chooser (by extension). Same name and same content hash: nothing changes.
// A parse failure is the parser's Error (FORMAT, or UNSUPPORTED for an unknown extension)
// and leaves the store as it was. The lexical index is rebuilt when something changed.
enum class SourceChange { CREATED, REPLACED, UNCHANGED };

struct SourceReport {
    SourceChange change = SourceChange::CREATED;
    std::string content_hash;
    size_t documents = 0;
    size_t chunks = 0;
};

Result<SourceReport> ingest_source_bytes(storage::Store& store, const storage::KbInfo& kb,
                                         const std::string& name, std::string_view bytes,
                                         const IngestOptions& options);

// Removes one source (its documents and chunks) and rebuilds the lexical index. NOT_FOUND
// when the knowledge base holds no source of that name.
Status remove_source_and_reindex(storage::Store& store, const storage::KbInfo& kb,
                                 const std::string& name);

// The term vector of one chunk (used by ingestion and tests): body and title analyzed with
// `language`'s analyzer, plus filter terms for `filters` (key, value).
TermVector make_term_vector(std::string_view body, std::string_view title, Language language,
                            const std::vector<std::pair<std::string, std::string>>& filters);

}  // namespace souverain::retrieval
