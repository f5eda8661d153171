#include <gtest/gtest.h>

#include "storage/store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

NewDocument document(const std::string& id, const std::string& text) {
    NewDocument doc;
    doc.external_id = id;
    doc.title = "t " + id;
    doc.text = text;
    doc.metadata_json = "{}";
    NewChunk chunk;
    chunk.start = 0;
    chunk.end = (int64_t)text.size();
    chunk.start_byte = 0;
    chunk.end_byte = (int64_t)text.size();
    chunk.language = "en";
    chunk.metadata_json = "{}";
    chunk.terms = "";  // an empty blob is stored as such
    doc.chunks.push_back(chunk);
    return doc;
}

TEST(SqliteStoreTest, KnowledgeBasesSourcesAndChunks) {
    const std::string dir = test::make_temp_dir("sqlite_store");
    Result<std::unique_ptr<Store>> store = open_sqlite_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    Result<KbInfo> kb = (*store)->create_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(kb);
    EXPECT_FALSE((*store)->create_kb(kDefaultTenant, "laws"));  // duplicate name
    ASSERT_TRUE((*store)->replace_source(kb->id, {"/a.jsonl", "h1", 10},
                                         {document("x", "one"), document("y", "two")}));
    Result<std::optional<KbInfo>> found = (*store)->find_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_TRUE((*found)->index_dirty);

    size_t chunks = 0;
    std::vector<int64_t> ids;
    ASSERT_TRUE((*store)->for_each_chunk_terms(kb->id, [&](const ChunkTerms& c) {
        ++chunks;
        ids.push_back(c.chunk_id);
    }));
    EXPECT_EQ(chunks, 2u);
    Result<std::vector<ChunkRecord>> records = (*store)->load_chunks(kb->id, ids);
    ASSERT_TRUE(records);
    ASSERT_EQ(records->size(), 2u);
    EXPECT_EQ((*records)[1].document_id, "y");
    EXPECT_EQ((*records)[1].text, "two");

    // Replacing a source drops its old documents.
    ASSERT_TRUE((*store)->replace_source(kb->id, {"/a.jsonl", "h2", 10}, {document("z", "three")}));
    Result<std::vector<std::pair<int64_t, std::string>>> docs = (*store)->load_document_ids(kb->id);
    ASSERT_TRUE(docs);
    ASSERT_EQ(docs->size(), 1u);
    EXPECT_EQ((*docs)[0].second, "z");
    ASSERT_TRUE((*store)->write_index(kb->id, "meta", {{"term", 1, "blob"}}));
    Result<std::optional<std::string>> postings = (*store)->load_postings(kb->id, "term");
    ASSERT_TRUE(postings && postings->has_value());
    EXPECT_EQ(**postings, "blob");
    found = (*store)->find_kb(kDefaultTenant, "laws");
    EXPECT_FALSE((*found)->index_dirty);

    // Reopening sees what was committed.
    store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    Result<std::vector<SourceInfo>> sources = (*store)->list_sources(kb->id);
    ASSERT_TRUE(sources);
    ASSERT_EQ(sources->size(), 1u);
    EXPECT_EQ((*sources)[0].content_hash, "h2");
    ASSERT_TRUE((*store)->remove_source(kb->id, "/a.jsonl"));
    docs = (*store)->load_document_ids(kb->id);
    EXPECT_TRUE(docs->empty());
}

// Chunk ids reach callers (hits, citations, audit records). They must say nothing of what other
// bases (other tenants) hold: a base's ids are its own random base plus 1, 2, 3, ... whatever
// was ingested elsewhere, below 2^53 (exact in JSON), never reused after a deletion.
TEST(SqliteStoreTest, ChunkIdsCountWithinTheirBaseOnly) {
    const std::string dir = test::make_temp_dir("sqlite_store_chunk_ids");
    Result<std::unique_ptr<Store>> store = open_sqlite_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    auto ids_of = [&](int64_t kb_id) {
        std::vector<int64_t> ids;
        EXPECT_TRUE((*store)->for_each_chunk_terms(
            kb_id, [&](const ChunkTerms& chunk) { ids.push_back(chunk.chunk_id); }));
        return ids;
    };
    constexpr int64_t kSeqBits = 32;
    Result<KbInfo> big = (*store)->create_kb("ministry", "big");
    ASSERT_TRUE(big);
    std::vector<NewDocument> many;
    for (int idx = 0; idx < 300; ++idx) many.push_back(document("d" + std::to_string(idx), "x"));
    ASSERT_TRUE((*store)->replace_source(big->id, {"/many", "h", 1}, many));
    Result<KbInfo> small = (*store)->create_kb("agency", "small");
    ASSERT_TRUE(small);
    ASSERT_TRUE((*store)->replace_source(small->id, {"/one", "h", 1}, {document("a", "y")}));

    const std::vector<int64_t> big_ids = ids_of(big->id);
    const std::vector<int64_t> small_ids = ids_of(small->id);
    ASSERT_EQ(big_ids.size(), 300u);
    ASSERT_EQ(small_ids.size(), 1u);
    // The second base's first chunk is its number 1, not 301.
    EXPECT_EQ(small_ids[0] & ((int64_t(1) << kSeqBits) - 1), 1);
    EXPECT_NE(small_ids[0] >> kSeqBits, big_ids[0] >> kSeqBits);
    for (size_t idx = 0; idx < big_ids.size(); ++idx) {
        EXPECT_EQ(big_ids[idx] & ((int64_t(1) << kSeqBits) - 1), (int64_t)idx + 1);
        EXPECT_EQ(big_ids[idx] >> kSeqBits, big_ids[0] >> kSeqBits);
        EXPECT_GT(big_ids[idx] >> kSeqBits, 0);
        EXPECT_LT(big_ids[idx], int64_t(1) << 53);
    }
    // Deleting the newest chunks and ingesting again does not hand their ids out again.
    ASSERT_TRUE((*store)->replace_source(small->id, {"/one", "h2", 1}, {document("b", "z")}));
    const std::vector<int64_t> again = ids_of(small->id);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0], small_ids[0] + 1);
    // Reopened, a base goes on from where it was.
    store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->replace_source(small->id, {"/two", "h", 1}, {document("c", "w")}));
    std::vector<int64_t> after = ids_of(small->id);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1], small_ids[0] + 2);
}

TEST(SqliteStoreTest, DuplicateNameIsAlreadyExists) {
    Result<std::unique_ptr<Store>> store = open_sqlite_store(test::make_temp_dir("sqlite_dup"));
    ASSERT_TRUE(store);
    Result<KbInfo> kb = (*store)->create_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(kb);
    EXPECT_GT(kb->created_at, 1600000000);
    Result<KbInfo> again = (*store)->create_kb(kDefaultTenant, "laws");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::ALREADY_EXISTS);
    Result<std::optional<KbInfo>> found = (*store)->find_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->created_at, kb->created_at);
}

TEST(SqliteStoreTest, CountsAndSourceDetails) {
    Result<std::unique_ptr<Store>> store = open_sqlite_store(test::make_temp_dir("sqlite_counts"));
    ASSERT_TRUE(store);
    Result<KbInfo> kb = (*store)->create_kb(kDefaultTenant, "laws");
    ASSERT_TRUE(kb);
    NewDocument two_chunks = document("x", "one two");
    two_chunks.chunks.push_back(two_chunks.chunks[0]);
    ASSERT_TRUE((*store)->replace_source(kb->id, {"b.jsonl", "h1", 70},
                                         {two_chunks, document("y", "three")}));
    ASSERT_TRUE((*store)->replace_source(kb->id, {"a.md", "h2", 5}, {document("a.md", "four")}));
    Result<KbCounts> counts = (*store)->count_kb(kb->id);
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->sources, 2);
    EXPECT_EQ(counts->documents, 3);
    EXPECT_EQ(counts->chunks, 4);
    Result<std::vector<SourceDetails>> details = (*store)->list_source_details(kb->id);
    ASSERT_TRUE(details);
    ASSERT_EQ(details->size(), 2u);
    EXPECT_EQ((*details)[0].path, "a.md");  // ordered by path
    EXPECT_EQ((*details)[0].documents, 1);
    EXPECT_EQ((*details)[0].chunks, 1);
    EXPECT_EQ((*details)[1].path, "b.jsonl");
    EXPECT_EQ((*details)[1].content_hash, "h1");
    EXPECT_EQ((*details)[1].bytes, 70u);
    EXPECT_EQ((*details)[1].documents, 2);
    EXPECT_EQ((*details)[1].chunks, 3);
}

TEST(SqliteStoreTest, DeleteKbRemovesEverythingItHeldAndNothingElse) {
    const std::string dir = test::make_temp_dir("sqlite_delete");
    Result<std::unique_ptr<Store>> store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    Result<KbInfo> gone = (*store)->create_kb(kDefaultTenant, "gone");
    Result<KbInfo> kept = (*store)->create_kb(kDefaultTenant, "kept");
    ASSERT_TRUE(gone && kept);
    for (const KbInfo* kb : {&*gone, &*kept}) {
        ASSERT_TRUE((*store)->replace_source(kb->id, {"/s.md", "h", 3}, {document("d", "abc")}));
        ASSERT_TRUE((*store)->write_index(kb->id, "meta", {{"term", 1, "blob"}}));
    }
    ASSERT_TRUE((*store)->delete_kb(gone->id));
    Result<std::optional<KbInfo>> found = (*store)->find_kb(kDefaultTenant, "gone");
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    Result<KbCounts> counts = (*store)->count_kb(gone->id);
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->sources + counts->documents + counts->chunks, 0);
    Result<std::optional<std::string>> meta = (*store)->load_index_meta(gone->id);
    ASSERT_TRUE(meta);
    EXPECT_FALSE(meta->has_value());
    Result<std::optional<std::string>> postings = (*store)->load_postings(gone->id, "term");
    ASSERT_TRUE(postings);
    EXPECT_FALSE(postings->has_value());

    // The other base is whole, also after reopening.
    store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    counts = (*store)->count_kb(kept->id);
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->chunks, 1);
    postings = (*store)->load_postings(kept->id, "term");
    ASSERT_TRUE(postings && postings->has_value());
    // The name is free again.
    EXPECT_TRUE((*store)->create_kb(kDefaultTenant, "gone"));
}

}  // namespace
}  // namespace souverain::storage
