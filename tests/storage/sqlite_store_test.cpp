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
    Result<KbInfo> kb = (*store)->create_kb("laws");
    ASSERT_TRUE(kb);
    EXPECT_FALSE((*store)->create_kb("laws"));  // duplicate name
    ASSERT_TRUE((*store)->replace_source(kb->id, {"/a.jsonl", "h1", 10},
                                         {document("x", "one"), document("y", "two")}));
    Result<std::optional<KbInfo>> found = (*store)->find_kb("laws");
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
    found = (*store)->find_kb("laws");
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

}  // namespace
}  // namespace souverain::storage
