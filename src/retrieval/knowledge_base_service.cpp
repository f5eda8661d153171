#include "retrieval/knowledge_base_service.h"

#include <algorithm>

#include "retrieval/chunker.h"
#include "retrieval/document_parser.h"
#include "retrieval/hashing_embedder.h"
#include "retrieval/knowledge_base.h"

namespace souverain::retrieval {

namespace {

Error no_such_kb(const std::string& name) {
    return make_error(ErrorCode::NOT_FOUND, "no knowledge base '" + name + "'");
}

}  // namespace

Status check_document_name(std::string_view name) {
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "invalid document name '" + std::string(name) + "': " + why);
    };
    if (name.empty()) return fail("it is empty");
    if (name.size() > 255) return fail("it is longer than 255 bytes");
    if (name == "." || name == "..") return fail("it is not a file name");
    if (find_invalid_utf8(name) != std::string_view::npos) return fail("it is not valid UTF-8");
    for (unsigned char c : name) {
        if (c == '/' || c == '\\') return fail("a file name, not a path, is expected");
        if (c < 0x20 || c == 0x7F) return fail("it holds a control character");
    }
    if (source_format_of(name) == SourceFormat::UNSUPPORTED) {
        return fail(std::string("unsupported file type (") + supported_extensions() + ")");
    }
    return Status::success();
}

Result<std::unique_ptr<KnowledgeBaseService>> KnowledgeBaseService::open(
    const std::string& data_dir, IngestOptions ingest, DenseOptions dense) {
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(data_dir);
    if (!store) return store.error();
    return std::unique_ptr<KnowledgeBaseService>(
        new KnowledgeBaseService(std::move(*store), data_dir, ingest, dense));
}

Result<DenseBase*> KnowledgeBaseService::dense_locked(int64_t kb_id) {
    auto found = dense_.find(kb_id);
    if (found != dense_.end()) return found->second.get();
    Result<std::optional<DenseBase>> opened = DenseBase::open(data_dir_, kb_id, dense_options_);
    if (!opened) return opened.error();
    // Bases without a model are not cached: one may be given a model later by the CLI.
    if (!opened->has_value()) return (DenseBase*)nullptr;
    auto base = std::make_unique<DenseBase>(std::move(**opened));
    DenseBase* pointer = base.get();
    dense_[kb_id] = std::move(base);
    return pointer;
}

Result<storage::KbInfo> KnowledgeBaseService::find_locked(const std::string& tenant,
                                                          const std::string& name) {
    Result<std::optional<storage::KbInfo>> info = store_->find_kb(tenant, name);
    if (!info) return info.error();
    if (!info->has_value()) return no_such_kb(name);
    return **info;
}

Result<KbSummary> KnowledgeBaseService::summary_locked(const storage::KbInfo& info) {
    Result<storage::KbCounts> counts = store_->count_kb(info.id);
    if (!counts) return counts.error();
    return KbSummary{info, *counts};
}

void KnowledgeBaseService::allow_embedding_model(const std::string& name, const std::string& path) {
    embedding_models_[name] = path;
}

void KnowledgeBaseService::set_reranker(std::unique_ptr<Reranker> reranker) {
    reranker_ = std::move(reranker);
}

Result<KbSummary> KnowledgeBaseService::create(const std::string& tenant, const std::string& name,
                                               storage::PiiPolicy pii,
                                               const std::string& embedding_model) {
    SOUVERAIN_TRY(check_kb_name(name));  // first, so that a later error is the model's
    if (embedding_model.empty()) {
        std::lock_guard<std::mutex> lock(mutex_);
        Result<storage::KbInfo> info = store_->create_kb(tenant, name, pii);
        if (!info) return info.error();
        return KbSummary{*info, {}};
    }
    std::string spec;
    if (is_hashing_model(embedding_model)) {
        spec = embedding_model;
    } else if (auto found = embedding_models_.find(embedding_model);
               found != embedding_models_.end()) {
        spec = found->second;
    } else {
        std::string allowed;
        for (const auto& [model_name, path] : embedding_models_) allowed += ", " + model_name;
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "unknown embedding model '" + embedding_model +
                              "' (allowed: hashing:DIM" + allowed + ")");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = store_->create_kb(tenant, name, pii);
    if (!info) return info.error();
    Result<storage::EmbeddingModelInfo> model =
        set_kb_embedding_model(data_dir_, info->id, spec, dense_options_.threads);
    if (!model) {
        (void)store_->delete_kb(info->id);  // no base without the model it was asked with
        return model.error();
    }
    return KbSummary{*info, {}};
}

Result<std::string> KnowledgeBaseService::embedding_model_name(const std::string& tenant,
                                                               const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, name);
    if (!info) return info.error();
    Result<DenseBase*> dense = dense_locked(info->id);
    if (!dense) return dense.error();
    return *dense == nullptr ? std::string() : (*dense)->model().name;
}

Result<std::vector<KbSummary>> KnowledgeBaseService::list(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<std::vector<storage::KbInfo>> kbs = store_->list_kbs(tenant);
    if (!kbs) return kbs.error();
    std::vector<KbSummary> out;
    out.reserve(kbs->size());
    for (const storage::KbInfo& info : *kbs) {
        Result<KbSummary> summary = summary_locked(info);
        if (!summary) return summary.error();
        out.push_back(std::move(*summary));
    }
    return out;
}

Result<KbSummary> KnowledgeBaseService::get(const std::string& tenant, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, name);
    if (!info) return info.error();
    return summary_locked(*info);
}

Status KnowledgeBaseService::remove(const std::string& tenant, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, name);
    if (!info) return info.error();
    dense_.erase(info->id);
    SOUVERAIN_TRY(store_->delete_kb(info->id));
    remove_vector_index_files(data_dir_, info->id);
    return Status::success();
}

Result<std::shared_ptr<governance::PiiVault>> KnowledgeBaseService::pii_vault() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pii_vault_locked();
}

Result<std::shared_ptr<governance::PiiVault>> KnowledgeBaseService::pii_vault_locked() {
    if (!ingest_.pii_vault) {
        Result<std::shared_ptr<governance::PiiVault>> opened =
            governance::PiiVault::open(data_dir_);
        if (!opened) return opened.error();
        ingest_.pii_vault = std::move(*opened);
    }
    return ingest_.pii_vault;
}

Result<UploadResult> KnowledgeBaseService::upload(const std::string& tenant, const std::string& kb,
                                                  const std::string& filename,
                                                  std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, kb);
    if (!info) return info.error();
    SOUVERAIN_TRY(check_document_name(filename));
    if (info->pii == storage::PiiPolicy::PSEUDONYMIZE) {
        Result<std::shared_ptr<governance::PiiVault>> vault = pii_vault_locked();
        if (!vault) return vault.error();
    }
    Result<SourceReport> report = ingest_source_bytes(*store_, *info, filename, bytes, ingest_);
    if (!report) return report.error();
    Result<DenseBase*> dense = dense_locked(info->id);
    if (!dense) return dense.error();
    if (*dense != nullptr && report->change != SourceChange::UNCHANGED) {
        // The chunks are committed; should embedding fail, the next upload embeds them.
        Result<size_t> embedded = (*dense)->embed_pending();
        if (!embedded) return embedded.error();
        SOUVERAIN_TRY((*dense)->update_index());
    }
    UploadResult result;
    result.report = std::move(*report);
    result.document =
        storage::SourceDetails{filename, result.report.content_hash, (uint64_t)bytes.size(),
                               (int64_t)result.report.documents, (int64_t)result.report.chunks};
    return result;
}

Result<std::vector<storage::SourceDetails>> KnowledgeBaseService::documents(
    const std::string& tenant, const std::string& kb) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, kb);
    if (!info) return info.error();
    return store_->list_source_details(info->id);
}

Status KnowledgeBaseService::remove_document(const std::string& tenant, const std::string& kb,
                                             const std::string& document) {
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, kb);
    if (!info) return info.error();
    SOUVERAIN_TRY(remove_source_and_reindex(*store_, *info, document));
    Result<DenseBase*> dense = dense_locked(info->id);
    if (!dense) return dense.error();
    if (*dense != nullptr) SOUVERAIN_TRY((*dense)->update_index());
    return Status::success();
}

Result<std::vector<SearchHit>> KnowledgeBaseService::search(const std::string& tenant,
                                                            const std::string& kb,
                                                            std::string_view query,
                                                            const SearchOptions& options) {
    Result<ModeSearchResult> result = search(tenant, kb, query, options, std::nullopt);
    if (!result) return result.error();
    return std::move(result->hits);
}

Result<ModeSearchResult> KnowledgeBaseService::search(const std::string& tenant,
                                                      const std::string& kb, std::string_view query,
                                                      const SearchOptions& options,
                                                      std::optional<SearchMode> mode,
                                                      std::optional<size_t> rerank_depth) {
    if (rerank_depth && reranker_ == nullptr) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "this server has no reranker (start it with --reranker F.gguf)");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Result<storage::KbInfo> info = find_locked(tenant, kb);
    if (!info) return info.error();
    Result<DenseBase*> dense = dense_locked(info->id);
    if (!dense) return dense.error();
    if (*dense != nullptr) SOUVERAIN_TRY((*dense)->update_index());
    RerankRequest rerank;
    if (rerank_depth) rerank = {reranker_.get(), *rerank_depth};
    return search_reranked(*store_, info->id, *dense, query, lexical_, options, mode, rerank);
}

Result<std::vector<RetrievedPassage>> KnowledgeBaseService::retrieve(
    const std::string& tenant, const std::vector<std::string>& kbs, std::string_view query,
    size_t top_k) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<storage::KbInfo> infos;
    for (const std::string& name : kbs) {
        if (std::any_of(infos.begin(), infos.end(),
                        [&](const storage::KbInfo& seen) { return seen.name == name; })) {
            continue;
        }
        Result<storage::KbInfo> info = find_locked(tenant, name);
        if (!info) return info.error();
        infos.push_back(std::move(*info));
    }
    SearchOptions options;
    options.top_k = top_k;
    std::vector<RetrievedPassage> passages;
    std::vector<size_t> rank_in_base;
    bool one_mode = true;
    for (const storage::KbInfo& info : infos) {
        Result<DenseBase*> dense = dense_locked(info.id);
        if (!dense) return dense.error();
        if (*dense != nullptr) SOUVERAIN_TRY((*dense)->update_index());
        Result<ModeSearchResult> result =
            search_by_mode(*store_, info.id, *dense, query, lexical_, options, std::nullopt);
        if (!result) return result.error();
        const std::string mode = search_mode_name(result->mode);
        if (!passages.empty() && passages.front().mode != mode) one_mode = false;
        for (size_t rank = 0; rank < result->hits.size(); ++rank) {
            passages.push_back(RetrievedPassage{info.name, std::move(result->hits[rank]), mode});
            rank_in_base.push_back(rank);
        }
    }
    // BM25 scores of different bases are not on one scale (their idf differ), but they are
    // comparable enough to choose among a handful of passages; stable keeps the order of `kbs`.
    // Between modes not even that holds, so the bases then take turns.
    std::vector<size_t> order(passages.size());
    for (size_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (one_mode) return passages[a].hit.score > passages[b].hit.score;
        return rank_in_base[a] < rank_in_base[b];
    });
    std::vector<RetrievedPassage> sorted;
    sorted.reserve(order.size());
    for (size_t idx : order) sorted.push_back(std::move(passages[idx]));
    passages = std::move(sorted);
    if (passages.size() > top_k) passages.resize(top_k);
    return passages;
}

}  // namespace souverain::retrieval
