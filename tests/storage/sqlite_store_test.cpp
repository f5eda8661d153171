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
