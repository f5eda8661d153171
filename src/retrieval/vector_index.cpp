#include "retrieval/vector_index.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace souverain::retrieval {

namespace fs = std::filesystem;

namespace {

constexpr int kMetaFormat = 1;
constexpr size_t kBuildBatch = 16384;

std::string meta_path(const std::string& path) {
    return path + ".meta";
}

std::string hex64(uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof(buffer), "%016llx", (unsigned long long)value);
    return buffer;
}

Result<std::string> read_small_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::NOT_FOUND, path + ": absent");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Status write_file_atomically(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp";
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    if (file == nullptr) {
        return make_error(ErrorCode::IO, tmp + ": cannot create: " + std::strerror(errno));
    }
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    if (std::fclose(file) != 0 || !ok) {
        return make_error(ErrorCode::IO, tmp + ": cannot write: " + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return make_error(ErrorCode::IO, path + ": cannot rename: " + ec.message());
    return Status::success();
}

// Why the saved file cannot be trusted, or "" when it can.
// M and ef_construction are properties of the saved graph (recorded for information): a graph
// built with others is still a valid graph, so they do not make it stale.
std::string check_saved(const std::string& path, const storage::EmbeddingModelInfo& model,
                        storage::VectorState& state) {
    Result<std::string> text = read_small_file(meta_path(path));
    if (!text) return "no saved index";
    nlohmann::json meta = nlohmann::json::parse(*text, nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) return "unreadable index sidecar";
    try {
        if (meta.at("format").get<int>() != kMetaFormat) return "index format changed";
        if (meta.at("model").get<std::string>() != model.name ||
            meta.at("dimension").get<int>() != model.dimension) {
            return "index built for another model";
        }
        std::error_code ec;
        const uint64_t size = fs::file_size(path, ec);
        if (ec || size != meta.at("bytes").get<uint64_t>()) return "index file size differs";
        Result<uint64_t> checksum = file_checksum(path);
        if (!checksum || hex64(*checksum) != meta.at("checksum").get<std::string>()) {
            return "index checksum differs";
        }
        state.count = meta.at("count").get<int64_t>();
        state.max_vector_id = meta.at("max_vector_id").get<int64_t>();
    } catch (const nlohmann::json::exception&) {
        return "index sidecar misses fields";
    }
    return "";
}

}  // namespace

std::string vector_index_path(const std::string& data_dir, int64_t kb_id) {
    return (fs::path(data_dir) / "indexes" / (std::to_string(kb_id) + ".hnsw")).string();
}

void remove_vector_index_files(const std::string& data_dir, int64_t kb_id) {
    const std::string path = vector_index_path(data_dir, kb_id);
    std::error_code ec;
    fs::remove(meta_path(path), ec);
    fs::remove(path, ec);
}

Result<uint64_t> file_checksum(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        return make_error(ErrorCode::IO, path + ": cannot open: " + std::strerror(errno));
    }
    // A multiply-xorshift over 8-byte words: not cryptographic (the file is ours, the threat
    // is truncation and bit rot), but fast enough to check a gigabyte index at every open.
    std::vector<uint64_t> block(1 << 17);
    uint64_t hash = 0x243F6A8885A308D3ull;
    uint64_t total = 0;
    size_t n;
    while ((n = std::fread(block.data(), 1, block.size() * sizeof(uint64_t), file)) > 0) {
        const size_t words = (n + 7) / 8;
        if (n % 8 != 0) std::memset((char*)block.data() + n, 0, words * 8 - n);
        for (size_t i = 0; i < words; ++i) {
            hash = (hash ^ block[i]) * 0x9E3779B97F4A7C15ull;
            hash ^= hash >> 29;
        }
        total += n;
    }
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed) return make_error(ErrorCode::IO, path + ": cannot read");
    return (hash ^ total) * 0xBF58476D1CE4E5B9ull;
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::open(storage::VectorStore& store, int64_t kb_id,
                                                       const storage::EmbeddingModelInfo& model,
                                                       const std::string& path,
                                                       const HnswParams& params, int threads,
                                                       VectorIndexReport* report) {
    VectorIndexReport local;
    if (report == nullptr) report = &local;
    std::unique_ptr<VectorIndex> index(
        new VectorIndex(store, kb_id, model, path, params, std::max(1, threads)));
    storage::VectorState saved;
    std::string why = check_saved(path, model, saved);
    if (why.empty()) {
        Result<std::unique_ptr<HnswIndex>> graph = HnswIndex::load(path, model.dimension, params);
        if (graph) {
            index->graph_ = std::move(*graph);
            index->state_ = saved;
            report->loaded = true;
        } else {
            why = graph.error().message;
        }
    }
    if (!index->graph_) {
        report->rebuild_why = why;
        SOUVERAIN_TRY(index->rebuild(report));
        return index;
    }
    SOUVERAIN_TRY(index->sync(report));
    return index;
}

Status VectorIndex::rebuild(VectorIndexReport* report) {
    Result<storage::VectorState> state = store_.vector_state(kb_id_);
    if (!state) return state.error();
    Result<std::unique_ptr<HnswIndex>> graph =
        HnswIndex::create(model_.dimension, params_, (size_t)state->count);
    if (!graph) return graph.error();
    std::vector<int64_t> labels;
    std::vector<float> rows;
    Status failed = Status::success();
    auto flush = [&]() {
        if (failed && !labels.empty()) failed = (*graph)->add_parallel(labels, rows, threads_);
        labels.clear();
        rows.clear();
    };
    Status scanned = store_.for_each_vector(kb_id_, 0, [&](const storage::StoredVector& vector) {
        if (!failed) return;
        if (vector.values.size() != (size_t)model_.dimension) {
            failed = make_error(ErrorCode::FORMAT,
                                "stored vector " + std::to_string(vector.vector_id) + " has " +
                                    std::to_string(vector.values.size()) + " values, not " +
                                    std::to_string(model_.dimension));
            return;
        }
        labels.push_back(vector.vector_id);
        rows.insert(rows.end(), vector.values.begin(), vector.values.end());
        if (labels.size() == kBuildBatch) flush();
    });
    if (!scanned) return scanned;
    flush();
    if (!failed) return failed;
    graph_ = std::move(*graph);
    // Vectors stored while scanning are not in the graph: the state read before the scan
    // makes the next sync look for them.
    state_ = *state;
    SOUVERAIN_TRY(save(state_));
    if (report != nullptr) report->saved = true;
    return Status::success();
}

Status VectorIndex::sync(VectorIndexReport* report) {
    VectorIndexReport local;
    if (report == nullptr) report = &local;
    Result<storage::VectorState> state = store_.vector_state(kb_id_);
    if (!state) return state.error();
    if (*state == state_) return Status::success();
    Result<std::vector<int64_t>> stored = store_.vector_ids(kb_id_);
    if (!stored) return stored.error();
    std::vector<int64_t> live = graph_->live_labels();
    std::sort(live.begin(), live.end());
    std::vector<int64_t> to_remove, to_add;
    std::set_difference(live.begin(), live.end(), stored->begin(), stored->end(),
                        std::back_inserter(to_remove));
    std::set_difference(stored->begin(), stored->end(), live.begin(), live.end(),
                        std::back_inserter(to_add));
    for (int64_t label : to_remove) SOUVERAIN_TRY(graph_->remove(label));
    report->removed += to_remove.size();
    // Deleted slots stay in an HNSW graph (searches step over them): past half the live
    // vectors, rebuilding is cheaper than carrying them.
    if (graph_->deleted_count() > graph_->live_count() / 2 + 1000) {
        report->rebuild_why = "too many deleted vectors";
        return rebuild(report);
    }
    std::vector<int64_t> labels;
    std::vector<float> rows;
    Status failed = Status::success();
    auto collect = [&](const storage::StoredVector& vector) {
        if (vector.values.size() != (size_t)model_.dimension) {
            if (failed) failed = make_error(ErrorCode::FORMAT, "stored vector of wrong size");
            return;
        }
        labels.push_back(vector.vector_id);
        rows.insert(rows.end(), vector.values.begin(), vector.values.end());
    };
    // Read and inserted in batches, so an ingest of millions does not hold them all twice.
    for (size_t begin = 0; begin < to_add.size(); begin += kBuildBatch) {
        const size_t end = std::min(to_add.size(), begin + kBuildBatch);
        std::vector<int64_t> batch(to_add.begin() + (ptrdiff_t)begin,
                                   to_add.begin() + (ptrdiff_t)end);
        SOUVERAIN_TRY(store_.load_vectors(kb_id_, batch, collect));
        if (!failed) return failed;
        SOUVERAIN_TRY(graph_->add_parallel(labels, rows, threads_));
        labels.clear();
        rows.clear();
    }
    report->added += to_add.size();
    state_ = *state;
    SOUVERAIN_TRY(save(state_));
    report->saved = true;
    return Status::success();
}

Status VectorIndex::save(const storage::VectorState& state) {
    std::error_code ec;
    fs::create_directories(fs::path(path_).parent_path(), ec);
    if (ec) return make_error(ErrorCode::IO, path_ + ": cannot create folder: " + ec.message());
    const std::string tmp = path_ + ".tmp";
    SOUVERAIN_TRY(graph_->save(tmp));
    const uint64_t bytes = fs::file_size(tmp, ec);
    if (ec) return make_error(ErrorCode::IO, tmp + ": cannot stat: " + ec.message());
    Result<uint64_t> checksum = file_checksum(tmp);
    if (!checksum) return checksum.error();
    // Drop the sidecar first: from here until the new one is in place, no sidecar vouches for
    // the file, so a crash in between means a rebuild, never a mismatched pair.
    fs::remove(meta_path(path_), ec);
    fs::rename(tmp, path_, ec);
    if (ec) return make_error(ErrorCode::IO, path_ + ": cannot rename: " + ec.message());
    nlohmann::json meta = {{"format", kMetaFormat},
                           {"model", model_.name},
                           {"dimension", model_.dimension},
                           {"m", params_.m},
                           {"ef_construction", params_.ef_construction},
                           {"count", state.count},
                           {"max_vector_id", state.max_vector_id},
                           {"bytes", bytes},
                           {"checksum", hex64(*checksum)}};
    return write_file_atomically(meta_path(path_), meta.dump(2) + "\n");
}

Result<std::vector<DenseHit>> VectorIndex::search(std::span<const float> query, size_t k) {
    Result<std::vector<VectorHit>> hits = graph_->search(query, k);
    if (!hits) return hits.error();
    std::vector<int64_t> labels;
    labels.reserve(hits->size());
    for (const VectorHit& hit : *hits) labels.push_back(hit.label);
    Result<std::vector<int64_t>> chunks = store_.chunk_ids_of(kb_id_, labels);
    if (!chunks) return chunks.error();
    std::vector<DenseHit> out;
    out.reserve(hits->size());
    for (size_t i = 0; i < hits->size(); ++i) {
        // 0: removed from the store since the graph was synced.
        if ((*chunks)[i] != 0) out.push_back(DenseHit{(*chunks)[i], (*hits)[i].score});
    }
    return out;
}

}  // namespace souverain::retrieval
