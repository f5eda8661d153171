#include "retrieval/hnsw_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "test_paths.h"

namespace souverain::retrieval {
namespace {

std::vector<float> random_unit_rows(size_t rows, int dimension, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> values(rows * (size_t)dimension);
    for (size_t r = 0; r < rows; ++r) {
        double norm = 0;
        for (int d = 0; d < dimension; ++d) {
            values[r * dimension + d] = normal(rng);
            norm += (double)values[r * dimension + d] * values[r * dimension + d];
        }
        for (int d = 0; d < dimension; ++d) values[r * dimension + d] /= (float)std::sqrt(norm);
    }
    return values;
}

std::vector<int64_t> labels_from(int64_t first, size_t count) {
    std::vector<int64_t> labels(count);
    for (size_t i = 0; i < count; ++i) labels[i] = first + (int64_t)i;
    return labels;
}

double recall_at_10(const HnswIndex& index, std::span<const int64_t> labels,
                    std::span<const float> rows, int dimension, std::span<const float> queries,
                    size_t n_queries) {
    size_t found = 0;
    for (size_t q = 0; q < n_queries; ++q) {
        std::span<const float> query = queries.subspan(q * dimension, dimension);
        std::set<int64_t> truth;
        for (const VectorHit& hit : exact_search(labels, rows, dimension, query, 10))
            truth.insert(hit.label);
        Result<std::vector<VectorHit>> hits = index.search(query, 10);
        EXPECT_TRUE(hits);
        for (const VectorHit& hit : *hits) found += truth.count(hit.label);
    }
    return (double)found / (double)(10 * n_queries);
}

TEST(HnswIndex, RecallAt10AgainstExactSearchIsAtLeast095OnRandomVectors) {
    const int dimension = 48;
    const size_t n = 6000, n_queries = 200;
    const std::vector<float> rows = random_unit_rows(n, dimension, 7);
    const std::vector<float> queries = random_unit_rows(n_queries, dimension, 8);
    const std::vector<int64_t> labels = labels_from(1000, n);
    Result<std::unique_ptr<HnswIndex>> index = HnswIndex::create(dimension, HnswParams(), 100);
    ASSERT_TRUE(index);
    ASSERT_TRUE((*index)->add_parallel(labels, rows, 2));  // grows past the first capacity
    EXPECT_EQ((*index)->live_count(), n);
    const double recall = recall_at_10(**index, labels, rows, dimension, queries, n_queries);
    EXPECT_GE(recall, 0.95);
    // Scores are inner products: the top hit of a stored vector is itself, at 1.
    Result<std::vector<VectorHit>> self =
        (*index)->search(std::span<const float>(rows).subspan(5 * dimension, dimension), 1);
    ASSERT_TRUE(self && self->size() == 1);
    EXPECT_EQ((*self)[0].label, labels[5]);
    EXPECT_NEAR((*self)[0].score, 1.0f, 1e-5);
}

TEST(HnswIndex, ExactSearchOrdersByInnerProductThenLabel) {
    const std::vector<int64_t> labels = {7, 3, 5};
    const std::vector<float> rows = {0, 1, 1, 0, 1, 0};
    const std::vector<float> query = {1, 0};
    std::vector<VectorHit> hits = exact_search(labels, rows, 2, query, 3);
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(hits[0].label, 3);  // ties (3 and 5 at 1.0): smaller label first
    EXPECT_EQ(hits[1].label, 5);
    EXPECT_EQ(hits[2].label, 7);
    EXPECT_EQ(exact_search(labels, rows, 2, query, 1).size(), 1u);
}

TEST(HnswIndex, RemovedLabelsAreNeverReturned) {
    const int dimension = 16;
    const size_t n = 500;
    const std::vector<float> rows = random_unit_rows(n, dimension, 11);
    const std::vector<int64_t> labels = labels_from(1, n);
    Result<std::unique_ptr<HnswIndex>> index = HnswIndex::create(dimension, HnswParams(), n);
    ASSERT_TRUE(index);
    ASSERT_TRUE((*index)->add_parallel(labels, rows, 1));
    for (int64_t label = 1; label <= 250; ++label) ASSERT_TRUE((*index)->remove(label));
    EXPECT_TRUE((*index)->remove(1));      // again: not an error
    EXPECT_TRUE((*index)->remove(99999));  // unknown: not an error
    EXPECT_EQ((*index)->live_count(), 250u);
    EXPECT_EQ((*index)->deleted_count(), 250u);
    for (size_t q = 0; q < 50; ++q) {
        Result<std::vector<VectorHit>> hits =
            (*index)->search(std::span<const float>(rows).subspan(q * dimension, dimension), 10);
        ASSERT_TRUE(hits);
        EXPECT_EQ(hits->size(), 10u);
        for (const VectorHit& hit : *hits) EXPECT_GT(hit.label, 250);
    }
    // A removed label added again comes back.
    ASSERT_TRUE((*index)->add(3, std::span<const float>(rows).subspan(2 * dimension, dimension)));
    Result<std::vector<VectorHit>> back =
        (*index)->search(std::span<const float>(rows).subspan(2 * dimension, dimension), 1);
    ASSERT_TRUE(back && !back->empty());
    EXPECT_EQ((*back)[0].label, 3);
}

TEST(HnswIndex, SavedAndLoadedGraphAnswersTheSame) {
    const int dimension = 24;
    const size_t n = 1000;
    const std::vector<float> rows = random_unit_rows(n, dimension, 21);
    const std::vector<int64_t> labels = labels_from(1, n);
    Result<std::unique_ptr<HnswIndex>> index = HnswIndex::create(dimension, HnswParams(), n);
    ASSERT_TRUE(index);
    ASSERT_TRUE((*index)->add_parallel(labels, rows, 2));
    ASSERT_TRUE((*index)->remove(17));
    const std::string path = test::make_temp_dir("hnsw_save") + "/graph.hnsw";
    ASSERT_TRUE((*index)->save(path));
    Result<std::unique_ptr<HnswIndex>> loaded = HnswIndex::load(path, dimension, HnswParams());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ((*loaded)->live_count(), n - 1);
    for (size_t q = 0; q < 20; ++q) {
        std::span<const float> query =
            std::span<const float>(rows).subspan(q * 7 * dimension, dimension);
        Result<std::vector<VectorHit>> a = (*index)->search(query, 5);
        Result<std::vector<VectorHit>> b = (*loaded)->search(query, 5);
        ASSERT_TRUE(a && b);
        ASSERT_EQ(a->size(), b->size());
        for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].label, (*b)[i].label);
    }
    Result<std::unique_ptr<HnswIndex>> other = HnswIndex::load(path, dimension * 2, HnswParams());
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::FORMAT);
}

TEST(HnswIndex, BadInputIsAnErrorNotACrash) {
    Result<std::unique_ptr<HnswIndex>> index = HnswIndex::create(8, HnswParams(), 10);
    ASSERT_TRUE(index);
    const std::vector<float> short_vector(4, 0.5f);
    EXPECT_EQ((*index)->add(1, short_vector).error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_FALSE((*index)->search(short_vector, 3));
    Result<std::vector<VectorHit>> empty = (*index)->search(std::vector<float>(8, 0.1f), 3);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    EXPECT_FALSE(HnswIndex::create(0, HnswParams(), 10));
    const std::string missing = test::make_temp_dir("hnsw_missing") + "/none.hnsw";
    EXPECT_EQ(HnswIndex::load(missing, 8, HnswParams()).error().code, ErrorCode::FORMAT);
}

}  // namespace
}  // namespace souverain::retrieval
