// hnswlib is header-only and defines non-inline functions (cpuid, AVXCapable) in its headers:
// this must stay the only file of the program that includes it.
#include "retrieval/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

namespace souverain::retrieval {

struct HnswIndex::Graph {
    explicit Graph(int dimension) : space((size_t)dimension) {}
    hnswlib::InnerProductSpace space;  // must outlive `hnsw`, which keeps pointers into it
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
};

namespace {

Error hnsw_error(const std::string& what, const std::exception& e) {
    return make_error(ErrorCode::INTERNAL, "hnsw index: " + what + ": " + e.what());
}

Status check_size(std::span<const float> values, int dimension) {
    if (values.size() != (size_t)dimension) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "vector has " + std::to_string(values.size()) +
                              " values; the index has " + std::to_string(dimension));
    }
    return Status::success();
}

}  // namespace

HnswIndex::HnswIndex(int dimension, const HnswParams& params)
    : dimension_(dimension), params_(params), graph_(std::make_unique<Graph>(dimension)) {}

HnswIndex::~HnswIndex() = default;

Result<std::unique_ptr<HnswIndex>> HnswIndex::create(int dimension, const HnswParams& params,
                                                     size_t capacity) {
    if (dimension <= 0 || params.m < 2 || params.ef_construction == 0 || params.ef_search == 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "hnsw index: dimension, M (at least 2), ef_construction and ef_search "
                          "must be positive");
    }
    std::unique_ptr<HnswIndex> index(new HnswIndex(dimension, params));
    try {
        index->graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
            &index->graph_->space, std::max<size_t>(capacity, 16), params.m,
            params.ef_construction);
        index->graph_->hnsw->setEf(params.ef_search);
    } catch (const std::exception& e) {
        return hnsw_error("create", e);
    }
    return index;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::load(const std::string& path, int dimension,
                                                   const HnswParams& params) {
    if (dimension <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "hnsw index: dimension must be positive");
    }
    std::unique_ptr<HnswIndex> index(new HnswIndex(dimension, params));
    // hnswlib 0.6.2's loading constructor leaves every member uninitialized, so a load that
    // throws would free garbage in the destructor. Instead: a fully initialized graph whose
    // buffers are released (loadIndex allocates its own without freeing these), so that the
    // object is destructible at every point where loadIndex may throw.
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
    try {
        hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(&index->graph_->space, 1, params.m,
                                                                 params.ef_construction);
    } catch (const std::exception& e) {
        return hnsw_error("load " + path, e);
    }
    std::free(hnsw->data_level0_memory_);
    hnsw->data_level0_memory_ = nullptr;
    std::free(hnsw->linkLists_);
    hnsw->linkLists_ = nullptr;
    delete hnsw->visited_list_pool_;
    hnsw->visited_list_pool_ = nullptr;
    try {
        hnsw->loadIndex(path, &index->graph_->space);
    } catch (const std::exception& e) {
        // Before the link lists exist the destructor must not walk them.
        if (hnsw->linkLists_ == nullptr) hnsw->cur_element_count = 0;
        return make_error(ErrorCode::FORMAT, path + ": unreadable hnsw index: " + e.what());
    }
    // loadIndex takes the vector size from the space, not the file: a file of another
    // dimension shows in its element layout, which would then be read with the wrong stride.
    const size_t links = hnsw->size_links_level0_;
    if (hnsw->size_data_per_element_ != links + hnsw->data_size_ + sizeof(hnswlib::labeltype) ||
        hnsw->offsetData_ != links || hnsw->label_offset_ != links + hnsw->data_size_) {
        return make_error(ErrorCode::FORMAT, path + ": index of another dimension");
    }
    hnsw->setEf(params.ef_search);
    index->graph_->hnsw = std::move(hnsw);
    return index;
}

Status HnswIndex::save(const std::string& path) const {
    try {
        graph_->hnsw->saveIndex(path);
    } catch (const std::exception& e) {
        return hnsw_error("save " + path, e);
    }
    return Status::success();
}

size_t HnswIndex::live_count() const {
    return graph_->hnsw->cur_element_count - graph_->hnsw->num_deleted_;
}

size_t HnswIndex::deleted_count() const {
    return graph_->hnsw->num_deleted_;
}

std::vector<int64_t> HnswIndex::live_labels() const {
    const auto& hnsw = *graph_->hnsw;
    std::vector<int64_t> labels;
    labels.reserve(hnsw.label_lookup_.size());
    for (const auto& [label, internal] : hnsw.label_lookup_) {
        if (!hnsw.isMarkedDeleted(internal)) labels.push_back((int64_t)label);
    }
    return labels;
}

Status HnswIndex::grow_for(size_t extra) {
    auto& hnsw = *graph_->hnsw;
    const size_t needed = hnsw.cur_element_count + extra;
    if (needed <= hnsw.max_elements_) return Status::success();
    return reserve(std::max(needed, hnsw.max_elements_ * 2));
}

Status HnswIndex::reserve(size_t capacity) {
    if (capacity <= graph_->hnsw->max_elements_) return Status::success();
    try {
        graph_->hnsw->resizeIndex(capacity);
    } catch (const std::exception& e) {
        return hnsw_error("grow to " + std::to_string(capacity) + " vectors", e);
    }
    return Status::success();
}

Status HnswIndex::add(int64_t label, std::span<const float> values) {
    SOUVERAIN_TRY(check_size(values, dimension_));
    SOUVERAIN_TRY(grow_for(1));
    try {
        graph_->hnsw->addPoint(values.data(), (hnswlib::labeltype)label);
    } catch (const std::exception& e) {
        return hnsw_error("add", e);
    }
    return Status::success();
}

Status HnswIndex::add_parallel(std::span<const int64_t> labels, std::span<const float> values,
                               int threads) {
    if (values.size() != labels.size() * (size_t)dimension_) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "hnsw index: " + std::to_string(values.size()) + " values for " +
                              std::to_string(labels.size()) + " vectors of " +
                              std::to_string(dimension_));
    }
    SOUVERAIN_TRY(grow_for(labels.size()));
    // hnswlib's addPoint locks the nodes it links, so distinct labels may go in concurrently.
    // (Its level generator is shared unlocked in 0.6.2: concurrent inserts may draw correlated
    // levels, which changes the graph's shape slightly, never its memory safety.)
    std::atomic<size_t> next{0};
    std::mutex error_mutex;
    std::string first_error;
    auto work = [&]() {
        for (size_t i; (i = next.fetch_add(1)) < labels.size();) {
            try {
                graph_->hnsw->addPoint(values.data() + i * (size_t)dimension_,
                                       (hnswlib::labeltype)labels[i]);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (first_error.empty()) first_error = e.what();
                next = labels.size();
            }
        }
    };
    const int n = std::max(1, std::min<int>(threads, (int)(labels.size() / 64) + 1));
    std::vector<std::thread> pool;
    for (int t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
    if (!first_error.empty())
        return make_error(ErrorCode::INTERNAL, "hnsw index: add: " + first_error);
    return Status::success();
}

Status HnswIndex::remove(int64_t label) {
    auto& hnsw = *graph_->hnsw;
    auto found = hnsw.label_lookup_.find((hnswlib::labeltype)label);
    if (found == hnsw.label_lookup_.end() || hnsw.isMarkedDeleted(found->second)) {
        return Status::success();
    }
    try {
        hnsw.markDelete((hnswlib::labeltype)label);
    } catch (const std::exception& e) {
        return hnsw_error("remove", e);
    }
    return Status::success();
}

Result<std::vector<VectorHit>> HnswIndex::search(std::span<const float> query, size_t k) const {
    SOUVERAIN_TRY(check_size(query, dimension_));
    std::vector<VectorHit> hits;
    if (k == 0 || live_count() == 0) return hits;
    try {
        auto queue = graph_->hnsw->searchKnn(query.data(), k);
        hits.resize(queue.size());
        // The queue pops the farthest first.
        for (size_t i = hits.size(); i-- > 0;) {
            hits[i] = VectorHit{(int64_t)queue.top().second, 1.0f - queue.top().first};
            queue.pop();
        }
    } catch (const std::exception& e) {
        return hnsw_error("search", e);
    }
    return hits;
}

std::vector<VectorHit> exact_search(std::span<const int64_t> labels, std::span<const float> rows,
                                    int dimension, std::span<const float> query, size_t k) {
    std::vector<VectorHit> all;
    all.reserve(labels.size());
    for (size_t r = 0; r < labels.size(); ++r) {
        double dot = 0;
        for (int d = 0; d < dimension; ++d) dot += (double)rows[r * dimension + d] * query[d];
        all.push_back(VectorHit{labels[r], (float)dot});
    }
    auto better = [](const VectorHit& a, const VectorHit& b) {
        return a.score != b.score ? a.score > b.score : a.label < b.label;
    };
    const size_t keep = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + (ptrdiff_t)keep, all.end(), better);
    all.resize(keep);
    return all;
}

}  // namespace souverain::retrieval
