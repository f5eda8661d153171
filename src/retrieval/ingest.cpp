#include "retrieval/ingest.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "governance/sha256.h"
#include "retrieval/analyzer.h"
#include "retrieval/document_parser.h"
#include "retrieval/language.h"
#include "retrieval/lexical_index.h"
#include "retrieval/pseudonymized_document.h"

namespace souverain::retrieval {

namespace fs = std::filesystem;

namespace {

struct FileEntry {
    std::string path;
    uint64_t bytes = 0;
};

Result<std::string> read_file(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        return make_error(ErrorCode::IO, path + ": cannot open: " + std::strerror(errno));
    }
    std::string content;
    char buffer[1 << 16];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;)
        content.append(buffer, n);
    const bool failed = std::ferror(file) != 0;
    const int read_errno = errno;
    std::fclose(file);
    if (failed)
        return make_error(ErrorCode::IO, path + ": cannot read: " + std::strerror(read_errno));
    return content;
}

std::string absolute_path(const std::string& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    return (ec ? fs::path(path) : absolute).lexically_normal().string();
}

// Code point offsets of increasing byte offsets, counted incrementally.
class CodePointCursor {
public:
    explicit CodePointCursor(std::string_view text) : text_(text) {}
    size_t at(size_t byte) {
        if (byte < byte_) byte_ = code_points_ = 0;
        code_points_ += count_code_points(text_.substr(byte_, byte - byte_));
        byte_ = byte;
        return code_points_;
    }

private:
    std::string_view text_;
    size_t byte_ = 0;
    size_t code_points_ = 0;
};

class AnalyzerSet {
public:
    Analyzer& get(Language language) {
        auto& slot = analyzers_[(size_t)language];
        if (!slot) slot = std::make_unique<Analyzer>(language);
        return *slot;
    }

private:
    std::array<std::unique_ptr<Analyzer>, 5> analyzers_;
};

TermVector term_vector_with(AnalyzerSet& analyzers, std::string_view body, std::string_view title,
                            Language language,
                            const std::vector<std::pair<std::string, std::string>>& filters) {
    Analyzer& analyzer = analyzers.get(language);
    std::map<std::string, std::pair<uint32_t, uint32_t>> counts;
    std::vector<std::string> terms;
    analyzer.analyze(body, terms);
    TermVector vector;
    vector.body_length = (uint32_t)terms.size();
    for (std::string& term : terms) ++counts[std::move(term)].first;
    terms.clear();
    analyzer.analyze(title, terms);
    vector.title_length = (uint32_t)terms.size();
    for (std::string& term : terms) ++counts[std::move(term)].second;
    vector.terms.reserve(counts.size() + filters.size());
    for (auto& [term, tf] : counts) vector.terms.push_back({term, tf.first, tf.second});
    for (const auto& [key, value] : filters) {
        if (!value.empty()) vector.terms.push_back({filter_term(key, value), 0, 0});
    }
    return vector;
}

storage::NewDocument analyze_document(AnalyzerSet& analyzers, ParsedDocument& parsed,
                                      const std::string& source_path, SourceFormat format) {
    storage::NewDocument document;
    document.external_id = parsed.id;
    document.title = parsed.title;
    document.metadata_json =
        nlohmann::json{{"source", source_path}, {"format", source_format_name(format)}}.dump();
    CodePointCursor starts(parsed.text), ends(parsed.text);
    for (const ParsedChunk& chunk : parsed.chunks) {
        const std::string_view body(parsed.text.data() + chunk.start_byte,
                                    chunk.end_byte - chunk.start_byte);
        const Language language = detect_language(body);
        // The title field: the heading path when the chunk has one, else the document title.
        const std::string& title = chunk.heading.empty() ? parsed.title : chunk.heading;
        storage::NewChunk out;
        out.start_byte = (int64_t)chunk.start_byte;
        out.end_byte = (int64_t)chunk.end_byte;
        out.start = (int64_t)starts.at(chunk.start_byte);
        out.end = (int64_t)ends.at(chunk.end_byte);
        out.language = language_code(language);
        out.title = title;
        // The source on every chunk too: a hit of a JSONL record then names its file.
        nlohmann::json metadata = {{"language", out.language}, {"source", source_path}};
        if (!chunk.heading.empty()) metadata["heading"] = chunk.heading;
        if (!chunk.article.empty()) metadata["article"] = chunk.article;
        if (chunk.page > 0) metadata["page"] = chunk.page;
        out.metadata_json = metadata.dump();
        out.terms = encode_term_vector(term_vector_with(
            analyzers, body, format == SourceFormat::TEXT ? std::string_view() : title, language,
            {{"lang", out.language}, {"article", chunk.article}}));
        document.chunks.push_back(std::move(out));
    }
    document.text = std::move(parsed.text);
    return document;
}

// A base that pseudonymizes cannot take documents without the vault: failing before reading
// anything is better than storing one original value.
Status check_pii_vault(const storage::KbInfo& kb, const IngestOptions& options) {
    if (kb.pii == storage::PiiPolicy::PSEUDONYMIZE && !options.pii_vault) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "knowledge base '" + kb.name +
                              "' pseudonymizes personal data, but no pseudonym key is open");
    }
    return Status::success();
}

Status apply_pii_policy(const storage::KbInfo& kb, const IngestOptions& options,
                        std::vector<ParsedDocument>& documents) {
    if (kb.pii != storage::PiiPolicy::PSEUDONYMIZE) return Status::success();
    SOUVERAIN_TRY(check_pii_vault(kb, options));
    for (ParsedDocument& document : documents) {
        Result<DocumentPseudonyms> done =
            pseudonymize_document(*options.pii_vault, kb.tenant, document);
        if (!done) return done.error();
    }
    return Status::success();
}

bool is_under(const std::string& path, const std::string& root) {
    if (path == root) return true;
    std::string prefix = root;
    if (prefix.empty() || prefix.back() != '/') prefix.push_back('/');
    return path.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TermVector make_term_vector(std::string_view body, std::string_view title, Language language,
                            const std::vector<std::pair<std::string, std::string>>& filters) {
    AnalyzerSet analyzers;
    return term_vector_with(analyzers, body, title, language, filters);
}

Result<IngestReport> ingest_paths(storage::Store& store, const storage::KbInfo& kb,
                                  const std::vector<std::string>& paths,
                                  const IngestOptions& options,
                                  const std::function<void(const IngestProgress&)>& progress) {
    SOUVERAIN_TRY(check_pii_vault(kb, options));
    IngestReport report;
    std::vector<FileEntry> files;
    std::vector<std::string> roots;
    for (const std::string& given : paths) {
        const std::string root = absolute_path(given);
        roots.push_back(root);
        std::error_code ec;
        if (fs::is_directory(root, ec)) {
            std::vector<FileEntry> found;
            for (auto it = fs::recursive_directory_iterator(
                     root, fs::directory_options::skip_permission_denied, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (!it->is_regular_file(ec)) continue;
                const std::string path = it->path().lexically_normal().string();
                if (source_format_of(path) == SourceFormat::UNSUPPORTED) continue;
                found.push_back(FileEntry{path, (uint64_t)it->file_size(ec)});
            }
            if (ec) report.errors.push_back(root + ": cannot walk folder: " + ec.message());
            std::sort(found.begin(), found.end(),
                      [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(root, ec)) {
            files.push_back(FileEntry{root, (uint64_t)fs::file_size(root, ec)});
        } else if (!fs::exists(root, ec)) {
            // A file ingested before and deleted since: handled by the removal pass below.
        } else {
            report.errors.push_back(root + ": not a file or folder");
            ++report.failed;
        }
    }

    Result<std::vector<storage::SourceInfo>> stored = store.list_sources(kb.id);
    if (!stored) return stored.error();
    std::unordered_map<std::string, std::string> stored_hash;
    for (const storage::SourceInfo& source : *stored)
        stored_hash[source.path] = source.content_hash;

    IngestProgress state;
    state.files_total = files.size();
    for (const FileEntry& file : files) state.bytes_total += file.bytes;
    AnalyzerSet analyzers;
    bool changed = false;
    for (const FileEntry& file : files) {
        ++report.files;
        Result<std::string> bytes = read_file(file.path);
        if (bytes) {
            report.bytes += bytes->size();
            const std::string hash = governance::to_hex(governance::sha256(*bytes));
            auto previous = stored_hash.find(file.path);
            if (previous != stored_hash.end() && previous->second == hash) {
                ++report.unchanged;
            } else {
                const SourceFormat format = source_format_of(file.path);
                Result<std::vector<ParsedDocument>> parsed =
                    parse_source(*bytes, format, file.path, options.chunking);
                if (!parsed) {
                    ++report.failed;
                    report.errors.push_back(parsed.error().message);
                } else {
                    SOUVERAIN_TRY(apply_pii_policy(kb, options, *parsed));
                    std::vector<storage::NewDocument> documents;
                    documents.reserve(parsed->size());
                    for (ParsedDocument& document : *parsed) {
                        documents.push_back(
                            analyze_document(analyzers, document, file.path, format));
                        report.chunks += documents.back().chunks.size();
                        for (const ParsedChunk& chunk : document.chunks) {
                            report.chunks_with_article += chunk.article.empty() ? 0 : 1;
                        }
                    }
                    report.documents += documents.size();
                    SOUVERAIN_TRY(store.replace_source(
                        kb.id, storage::NewSource{file.path, hash, (uint64_t)bytes->size()},
                        documents));
                    ++report.ingested;
                    changed = true;
                }
            }
        } else {
            ++report.failed;
            report.errors.push_back(bytes.error().message);
        }
        ++state.files_done;
        state.bytes_done += file.bytes;
        if (progress) progress(state);
    }

    // Sources under a given root that are no longer on disk.
    for (const storage::SourceInfo& source : *stored) {
        const bool under_root = std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
            return is_under(source.path, r);
        });
        std::error_code ec;
        if (under_root && !fs::exists(source.path, ec)) {
            SOUVERAIN_TRY(store.remove_source(kb.id, source.path));
            ++report.removed;
            changed = true;
        }
    }
    if (changed || kb.index_dirty) {
        SOUVERAIN_TRY(rebuild_lexical_index(store, kb.id));
        report.index_rebuilt = true;
    }
    return report;
}

Result<SourceReport> ingest_source_bytes(storage::Store& store, const storage::KbInfo& kb,
                                         const std::string& name, std::string_view bytes,
                                         const IngestOptions& options) {
    const SourceFormat format = source_format_of(name);
    if (format == SourceFormat::UNSUPPORTED) {
        return make_error(ErrorCode::UNSUPPORTED,
                          name + ": unsupported file type (" + supported_extensions() + ")");
    }
    SourceReport report;
    report.content_hash = governance::to_hex(governance::sha256(bytes));
    Result<std::vector<storage::SourceInfo>> stored = store.list_sources(kb.id);
    if (!stored) return stored.error();
    for (const storage::SourceInfo& source : *stored) {
        if (source.path != name) continue;
        report.change = source.content_hash == report.content_hash ? SourceChange::UNCHANGED
                                                                   : SourceChange::REPLACED;
    }
    if (report.change != SourceChange::UNCHANGED) {
        Result<std::vector<ParsedDocument>> parsed =
            parse_source(bytes, format, name, options.chunking);
        if (!parsed) return parsed.error();
        SOUVERAIN_TRY(apply_pii_policy(kb, options, *parsed));
        AnalyzerSet analyzers;
        std::vector<storage::NewDocument> documents;
        documents.reserve(parsed->size());
        for (ParsedDocument& document : *parsed) {
            documents.push_back(analyze_document(analyzers, document, name, format));
        }
        SOUVERAIN_TRY(store.replace_source(
            kb.id, storage::NewSource{name, report.content_hash, (uint64_t)bytes.size()},
            documents));
    }
    if (report.change != SourceChange::UNCHANGED || kb.index_dirty) {
        SOUVERAIN_TRY(rebuild_lexical_index(store, kb.id));
    }
    Result<std::vector<storage::SourceDetails>> details = store.list_source_details(kb.id);
    if (!details) return details.error();
    for (const storage::SourceDetails& source : *details) {
        if (source.path != name) continue;
        report.documents = (size_t)source.documents;
        report.chunks = (size_t)source.chunks;
    }
    return report;
}

Status remove_source_and_reindex(storage::Store& store, const storage::KbInfo& kb,
                                 const std::string& name) {
    Result<std::vector<storage::SourceInfo>> stored = store.list_sources(kb.id);
    if (!stored) return stored.error();
    const bool known = std::any_of(stored->begin(), stored->end(),
                                   [&](const storage::SourceInfo& s) { return s.path == name; });
    if (!known) {
        return make_error(ErrorCode::NOT_FOUND,
                          "knowledge base '" + kb.name + "' holds no document '" + name + "'");
    }
    SOUVERAIN_TRY(store.remove_source(kb.id, name));
    return rebuild_lexical_index(store, kb.id);
}

}  // namespace souverain::retrieval
