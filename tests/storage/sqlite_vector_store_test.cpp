#include <gtest/gtest.h>

#include <cmath>

#include "storage/store.h"
#include "storage/tenant_store.h"
#include "storage/vector_store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

NewDocument document(const std::string& id, const std::vector<std::string>& passages) {
    NewDocument doc;
    doc.external_id = id;
    doc.title = "t " + id;
    doc.metadata_json = "{}";
    for (const std::string& passage : passages) {
        NewChunk chunk;
        chunk.start = chunk.start_byte = (int64_t)doc.text.size();
        doc.text += passage;
        chunk.end = chunk.end_byte = (int64_t)doc.text.size();
        chunk.language = "en";
        chunk.title = "heading " + id;
        chunk.metadata_json = "{}";
        doc.chunks.push_back(chunk);
        doc.text += " ";
    }
    return doc;
}

struct Fixture {
    std::string dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<VectorStore> vectors;
    int64_t kb = 0;
};

Fixture open_fixture(const std::string& name, int dimension = 4) {
    Fixture f;
    f.dir = test::make_temp_dir(name);
    Result<std::unique_ptr<Store>> store = open_sqlite_store(f.dir);
    EXPECT_TRUE(store);
    f.store = std::move(*store);
    Result<std::unique_ptr<VectorStore>> vectors = open_sqlite_vector_store(f.dir);
    EXPECT_TRUE(vectors) << vectors.error().message;
    f.vectors = std::move(*vectors);
    Result<KbInfo> kb = f.store->create_kb(kDefaultTenant, "laws");
    EXPECT_TRUE(kb);
    f.kb = kb->id;
    EXPECT_TRUE(f.vectors->set_embedding_model(f.kb, {"hashing:4", "hashing:4", dimension}));
    return f;
}

// Embeds every pending chunk with a vector that encodes its chunk id.
size_t embed_all(VectorStore& vectors, int64_t kb) {
    Result<std::vector<ChunkText>> pending = vectors.chunks_without_vectors(kb, 0, 1000);
    EXPECT_TRUE(pending);
    std::vector<NewVector> batch;
    for (const ChunkText& chunk : *pending) {
        batch.push_back({chunk.chunk_id, {(float)chunk.chunk_id, 1, 2, 3}});
    }
    EXPECT_TRUE(vectors.put_vectors(kb, batch));
    return batch.size();
}

std::vector<int64_t> chunk_ids_with_vectors(VectorStore& vectors, int64_t kb) {
    std::vector<int64_t> ids;
    EXPECT_TRUE(vectors.for_each_vector(kb, 0, [&](const StoredVector& v) {
        EXPECT_EQ(v.values.size(), 4u);
        EXPECT_EQ(v.values[0], (float)v.chunk_id);  // the vector written for that chunk
        ids.push_back(v.chunk_id);
    }));
    return ids;
}

TEST(SqliteVectorStore, ModelIsRecordedOnceAndAnotherModelIsRefused) {
    Fixture f = open_fixture("vector_store_model");
    Result<std::optional<EmbeddingModelInfo>> model = f.vectors->embedding_model(f.kb);
    ASSERT_TRUE(model && model->has_value());
    EXPECT_EQ((*model)->name, "hashing:4");
    EXPECT_EQ((*model)->dimension, 4);
    EXPECT_TRUE(f.vectors->set_embedding_model(f.kb, {"hashing:4", "hashing:4", 4}));
    Status other = f.vectors->set_embedding_model(f.kb, {"bge.gguf", "/m/bge.gguf", 1024});
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::ALREADY_EXISTS);
    Status unknown = f.vectors->set_embedding_model(f.kb + 100, {"x", "x", 4});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::NOT_FOUND);
    Result<KbInfo> plain = f.store->create_kb(kDefaultTenant, "plain");
    ASSERT_TRUE(plain);
    Result<std::optional<EmbeddingModelInfo>> none = f.vectors->embedding_model(plain->id);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
}

TEST(SqliteVectorStore, PendingChunksCarryTitleAndPassageAndLeaveOnceEmbedded) {
    Fixture f = open_fixture("vector_store_pending");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1},
                                        {document("a", {"first passage", "second passage"})}));
    Result<std::vector<ChunkText>> pending = f.vectors->chunks_without_vectors(f.kb, 0, 10);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[0].text, "heading a\n\nfirst passage");
    EXPECT_EQ((*pending)[1].text, "heading a\n\nsecond passage");
    // The cursor: only chunks after the given id.
    Result<std::vector<ChunkText>> after =
        f.vectors->chunks_without_vectors(f.kb, (*pending)[0].chunk_id, 10);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ((*after)[0].chunk_id, (*pending)[1].chunk_id);
    EXPECT_EQ(embed_all(*f.vectors, f.kb), 2u);
    EXPECT_EQ(*f.vectors->count_chunks_without_vectors(f.kb), 0);
    EXPECT_TRUE(f.vectors->chunks_without_vectors(f.kb, 0, 10)->empty());
    EXPECT_EQ(chunk_ids_with_vectors(*f.vectors, f.kb).size(), 2u);
}

TEST(SqliteVectorStore, WrongSizeOrNonFiniteVectorsAreRefusedAndNothingIsWritten) {
    Fixture f = open_fixture("vector_store_refuse");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1}, {document("a", {"one", "two"})}));
    Result<std::vector<ChunkText>> pending = f.vectors->chunks_without_vectors(f.kb, 0, 10);
    ASSERT_TRUE(pending && pending->size() == 2);
    const int64_t first = (*pending)[0].chunk_id, second = (*pending)[1].chunk_id;
    Status short_vector = f.vectors->put_vectors(f.kb, {{first, {1, 2, 3, 4}}, {second, {1, 2}}});
    ASSERT_FALSE(short_vector);
    EXPECT_EQ(short_vector.error().code, ErrorCode::INVALID_ARGUMENT);
    Status nan = f.vectors->put_vectors(f.kb, {{first, {1, NAN, 3, 4}}});
    ASSERT_FALSE(nan);
    EXPECT_EQ(*f.vectors->count_chunks_without_vectors(f.kb), 2);
    EXPECT_EQ(f.vectors->vector_state(f.kb)->count, 0);
}

TEST(SqliteVectorStore, ReplacingOrRemovingASourceRemovesItsVectorsInTheSameTransaction) {
    Fixture f = open_fixture("vector_store_follow");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1}, {document("a", {"a1", "a2"})}));
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/b.md", "h", 1}, {document("b", {"b1"})}));
    embed_all(*f.vectors, f.kb);
    ASSERT_EQ(f.vectors->vector_state(f.kb)->count, 3);

    // New content for a: its two old vectors go, its new chunk waits for a vector.
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h2", 1}, {document("a", {"a3"})}));
    EXPECT_EQ(f.vectors->vector_state(f.kb)->count, 1);
    EXPECT_EQ(*f.vectors->count_chunks_without_vectors(f.kb), 1);
    embed_all(*f.vectors, f.kb);
    ASSERT_TRUE(f.store->remove_source(f.kb, "/b.md"));
    EXPECT_EQ(f.vectors->vector_state(f.kb)->count, 1);
    // Every remaining vector belongs to an existing chunk of its own.
    std::vector<int64_t> stored;
    ASSERT_TRUE(f.store->for_each_chunk_terms(
        f.kb, [&](const ChunkTerms& chunk) { stored.push_back(chunk.chunk_id); }));
    EXPECT_EQ(chunk_ids_with_vectors(*f.vectors, f.kb), stored);

    ASSERT_TRUE(f.store->delete_kb(f.kb));
    EXPECT_EQ(f.vectors->vector_state(f.kb)->count, 0);
    EXPECT_FALSE(f.vectors->embedding_model(f.kb)->has_value());
}

TEST(SqliteVectorStore, VectorIdsAreNeverReusedAndStateChangesWithEveryChange) {
    Fixture f = open_fixture("vector_store_ids");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1}, {document("a", {"a1"})}));
    embed_all(*f.vectors, f.kb);
    const VectorState first = *f.vectors->vector_state(f.kb);
    // Deleting the newest chunk lets SQLite hand out its chunk id again; the vector id must
    // still be new, or an index labelled by vector id would keep the old vector.
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h2", 1}, {document("a", {"a2"})}));
    EXPECT_NE(*f.vectors->vector_state(f.kb), first);
    embed_all(*f.vectors, f.kb);
    const VectorState second = *f.vectors->vector_state(f.kb);
    EXPECT_EQ(second.count, first.count);
    EXPECT_GT(second.max_vector_id, first.max_vector_id);
    EXPECT_EQ(*f.vectors->vector_ids(f.kb), std::vector<int64_t>{second.max_vector_id});
}

TEST(SqliteVectorStore, VectorsSurviveReopeningAndResolveToTheirChunks) {
    Fixture f = open_fixture("vector_store_reopen");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1}, {document("a", {"a1", "a2"})}));
    embed_all(*f.vectors, f.kb);
    const std::vector<int64_t> ids = *f.vectors->vector_ids(f.kb);
    f.vectors.reset();
    Result<std::unique_ptr<VectorStore>> reopened = open_sqlite_vector_store(f.dir);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(*(*reopened)->vector_ids(f.kb), ids);
    Result<std::vector<int64_t>> chunks = (*reopened)->chunk_ids_of(f.kb, {ids[1], 999999, ids[0]});
    ASSERT_TRUE(chunks);
    ASSERT_EQ(chunks->size(), 3u);
    EXPECT_EQ((*chunks)[1], 0);  // unknown vector id
    std::vector<float> loaded;
    ASSERT_TRUE((*reopened)->load_vectors(f.kb, {ids[1]}, [&](const StoredVector& v) {
        loaded.assign(v.values.begin(), v.values.end());
    }));
    EXPECT_EQ(loaded, (std::vector<float>{(float)(*chunks)[0], 1, 2, 3}));
}

TEST(SqliteVectorStore, AVectorForAChunkRemovedMeanwhileIsSkipped) {
    Fixture f = open_fixture("vector_store_gone");
    ASSERT_TRUE(f.store->replace_source(f.kb, {"/a.md", "h", 1}, {document("a", {"a1"})}));
    Result<std::vector<ChunkText>> pending = f.vectors->chunks_without_vectors(f.kb, 0, 10);
    ASSERT_TRUE(pending && pending->size() == 1);
    ASSERT_TRUE(f.store->remove_source(f.kb, "/a.md"));  // while it was being embedded
    ASSERT_TRUE(f.vectors->put_vectors(f.kb, {{(*pending)[0].chunk_id, {1, 2, 3, 4}}}));
    EXPECT_EQ(f.vectors->vector_state(f.kb)->count, 0);
}

}  // namespace
}  // namespace souverain::storage
