#include "retrieval/vector_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "retrieval/dense_base.h"
#include "storage/store.h"
#include "storage/tenant_store.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

storage::NewDocument document(const std::string& id, const std::string& text) {
    storage::NewDocument doc;
    doc.external_id = id;
    doc.title = id;
    doc.text = text;
    doc.metadata_json = "{}";
    storage::NewChunk chunk;
    chunk.end = chunk.end_byte = (int64_t)text.size();
    chunk.language = "en";
    chunk.metadata_json = "{}";
    doc.chunks.push_back(chunk);
    return doc;
}

const char* const kTopics[] = {
    "tenant lease rent deposit landlord apartment",  "court appeal judge verdict trial lawyer",
    "tax income revenue deduction fiscal return",    "vehicle driving licence road traffic fine",
    "marriage divorce custody child family alimony", "employment contract salary dismissal worker",
    "patent invention trademark copyright licence",  "pension retirement insurance contribution",
};

struct Base {
    std::string dir;
    std::unique_ptr<storage::Store> store;
    int64_t kb = 0;
};

// A base with `n` one-chunk sources whose text is one of the topics plus a number.
Base make_base(const std::string& name, size_t n) {
    Base base;
    base.dir = test::make_temp_dir(name);
    base.store = storage::open_sqlite_store(base.dir).value();
    base.kb = base.store->create_kb(storage::kDefaultTenant, "kb")->id;
    EXPECT_TRUE(set_kb_embedding_model(base.dir, base.kb, "hashing:256", 1));
    for (size_t i = 0; i < n; ++i) {
        const std::string text = std::string(kTopics[i % 8]) + " item" + std::to_string(i);
        EXPECT_TRUE(base.store->replace_source(base.kb, {"/s" + std::to_string(i), "h", 1},
                                               {document("d" + std::to_string(i), text)}));
    }
    return base;
}

DenseBase open_dense(const Base& base) {
    DenseOptions options;
    options.threads = 2;
    options.embed_batch = 16;
    Result<std::optional<DenseBase>> dense = DenseBase::open(base.dir, base.kb, options);
    EXPECT_TRUE(dense && dense->has_value());
    return std::move(**dense);
}

TEST(VectorIndex, BuiltOnceThenLoadedFromItsFileWithoutRebuilding) {
    Base base = make_base("vector_index_load", 40);
    {
        DenseBase dense = open_dense(base);
        EXPECT_EQ(*dense.embed_pending(), 40u);
        VectorIndexReport report;
        ASSERT_TRUE(dense.update_index(&report));
        EXPECT_FALSE(report.loaded);
        EXPECT_EQ(report.rebuild_why, "no saved index");
        EXPECT_TRUE(std::filesystem::exists(vector_index_path(base.dir, base.kb)));
    }
    DenseBase dense = open_dense(base);
    VectorIndexReport report;
    ASSERT_TRUE(dense.update_index(&report));
    EXPECT_TRUE(report.loaded);
    EXPECT_EQ(report.rebuild_why, "");
    EXPECT_EQ(report.added + report.removed, 0u);
    Result<std::vector<DenseHit>> hits = dense.search("the landlord kept the deposit", 5);
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 5u);
    // Topic 0 chunks are sources 0, 8, 16, ..., the base's chunks 1, 9, 17, ... (a chunk id is
    // the base's random id base, a multiple of 2^32, plus its sequence number).
    for (const DenseHit& hit : *hits) EXPECT_EQ((hit.chunk_id - 1) % 8, 0) << hit.chunk_id;
}

TEST(VectorIndex, UploadsAreAddedAndRemovalsMarkedDeletedWithoutRebuild) {
    Base base = make_base("vector_index_incremental", 24);
    DenseBase dense = open_dense(base);
    ASSERT_TRUE(dense.embed_pending());
    ASSERT_TRUE(dense.update_index());
    ASSERT_TRUE(base.store->replace_source(base.kb, {"/new", "h", 1},
                                           {document("new", "submarine torpedo periscope sonar")}));
    ASSERT_TRUE(base.store->remove_source(base.kb, "/s0"));
    EXPECT_EQ(*dense.embed_pending(), 1u);
    VectorIndexReport report;
    ASSERT_TRUE(dense.update_index(&report));
    EXPECT_EQ(report.added, 1u);
    EXPECT_EQ(report.removed, 1u);
    EXPECT_EQ(report.rebuild_why, "");
    Result<std::vector<DenseHit>> hits = dense.search("sonar periscope", 1);
    ASSERT_TRUE(hits && hits->size() == 1);
    EXPECT_EQ((*hits)[0].chunk_id % (int64_t(1) << 32), 25);
    Result<std::vector<DenseHit>> all = dense.search("tenant lease rent deposit item0", 24);
    ASSERT_TRUE(all);
    for (const DenseHit& hit : *all) {
        EXPECT_NE(hit.chunk_id % (int64_t(1) << 32), 1);  // /s0's chunk is gone
    }

    // The saved file carries the change: a fresh open loads it and has nothing to do.
    DenseBase again = open_dense(base);
    VectorIndexReport reopened;
    ASSERT_TRUE(again.update_index(&reopened));
    EXPECT_TRUE(reopened.loaded);
    EXPECT_EQ(reopened.added + reopened.removed, 0u);
}

TEST(VectorIndex, ACorruptOrTruncatedFileIsRebuiltFromTheStoredVectors) {
    Base base = make_base("vector_index_corrupt", 30);
    {
        DenseBase dense = open_dense(base);
        ASSERT_TRUE(dense.embed_pending());
        ASSERT_TRUE(dense.update_index());
    }
    const std::string path = vector_index_path(base.dir, base.kb);
    {
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(200);
        file.put('\x5a');
        file.put('\x5a');
    }
    {
        DenseBase dense = open_dense(base);
        VectorIndexReport report;
        ASSERT_TRUE(dense.update_index(&report));
        EXPECT_FALSE(report.loaded);
        EXPECT_EQ(report.rebuild_why, "index checksum differs");
        Result<std::vector<DenseHit>> hits = dense.search("court appeal judge", 3);
        ASSERT_TRUE(hits);
        for (const DenseHit& hit : *hits) EXPECT_EQ((hit.chunk_id - 2) % 8, 0);
    }
    std::filesystem::resize_file(path, 100);
    {
        DenseBase dense = open_dense(base);
        VectorIndexReport report;
        ASSERT_TRUE(dense.update_index(&report));
        EXPECT_EQ(report.rebuild_why, "index file size differs");
    }
    // A sidecar that cannot be read vouches for nothing.
    {
        std::ofstream(path + ".meta") << "{not json";
        DenseBase dense = open_dense(base);
        VectorIndexReport report;
        ASSERT_TRUE(dense.update_index(&report));
        EXPECT_EQ(report.rebuild_why, "unreadable index sidecar");
    }
}

TEST(VectorIndex, AFileOfAnotherModelIsNotTrusted) {
    Base base = make_base("vector_index_model", 10);
    {
        DenseBase dense = open_dense(base);
        ASSERT_TRUE(dense.embed_pending());
        ASSERT_TRUE(dense.update_index());
    }
    storage::EmbeddingModelInfo other{"hashing:256-v2", "hashing:256", 256};
    std::unique_ptr<storage::VectorStore> vectors =
        storage::open_sqlite_vector_store(base.dir).value();
    VectorIndexReport report;
    Result<std::unique_ptr<VectorIndex>> index = VectorIndex::open(
        *vectors, base.kb, other, vector_index_path(base.dir, base.kb), HnswParams(), 1, &report);
    ASSERT_TRUE(index);
    EXPECT_EQ(report.rebuild_why, "index built for another model");
    EXPECT_EQ((*index)->size(), 10u);
}

TEST(VectorIndex, ManyRemovalsRebuildTheGraphToReclaimSlots) {
    Base base = make_base("vector_index_reclaim", 1200);
    DenseBase dense = open_dense(base);
    ASSERT_TRUE(dense.embed_pending());
    ASSERT_TRUE(dense.update_index());
    for (int i = 0; i < 1100; ++i) {
        ASSERT_TRUE(base.store->remove_source(base.kb, "/s" + std::to_string(i)));
    }
    VectorIndexReport report;
    ASSERT_TRUE(dense.update_index(&report));
    EXPECT_EQ(report.rebuild_why, "too many deleted vectors");
    Result<std::vector<DenseHit>> hits = dense.search("tax income revenue", 200);
    ASSERT_TRUE(hits);
    EXPECT_EQ(hits->size(), 100u);
}

}  // namespace
}  // namespace souverain::retrieval
