#include "retrieval/ingest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "retrieval/knowledge_base.h"
#include "retrieval/lexical_search.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

void write(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

// The code points [start, end) of UTF-8 `text`.
std::string slice_code_points(const std::string& text, int64_t start, int64_t end) {
    std::string out;
    int64_t index = -1;
    for (char ch : text) {
        if (((unsigned char)ch & 0xC0) != 0x80) ++index;
        if (index >= start && index < end) out.push_back(ch);
    }
    return out;
}

class IngestTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = test::make_temp_dir("ingest");
        docs = root + "/docs";
        std::filesystem::create_directories(docs + "/sub");
        Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(root + "/data");
        ASSERT_TRUE(store);
        ASSERT_TRUE((*store)->create_kb("kb"));
    }

    IngestReport ingest() {
        Result<KnowledgeBase> kb = open_knowledge_base(root + "/data", "kb");
        EXPECT_TRUE(kb);
        Result<IngestReport> report = ingest_paths(*kb->store, kb->info, {docs}, {}, nullptr);
        EXPECT_TRUE(report) << report.error().message;
        return *report;
    }

    std::vector<std::pair<storage::ChunkRecord, std::string>> search(const std::string& query) {
        Result<KnowledgeBase> kb = open_knowledge_base(root + "/data", "kb");
        Result<std::unique_ptr<LexicalIndex>> index = LexicalIndex::open(*kb->store, kb->info.id);
        EXPECT_TRUE(index);
        SearchOptions options;
        Result<std::vector<ScoredChunk>> hits =
            lexical_search(**index, query, default_lexical_config(), options);
        EXPECT_TRUE(hits);
        std::vector<int64_t> ids;
        for (const ScoredChunk& hit : *hits) ids.push_back(hit.chunk_id);
        Result<std::vector<storage::ChunkRecord>> chunks = kb->store->load_chunks(kb->info.id, ids);
        std::vector<std::pair<storage::ChunkRecord, std::string>> out;
        for (const storage::ChunkRecord& chunk : *chunks)
            out.emplace_back(chunk, chunk.document_id);
        return out;
    }

    std::string root, docs;
};

TEST_F(IngestTest, ReingestionSkipsReplacesAndRemoves) {
    write(docs + "/a.md", "# Loi\n\n### Art. 3.\n\nLe bail d'habitation est résilié.\n");
    write(docs + "/sub/b.txt", "Die Kündigungsfrist für die Wohnung beträgt drei Monate.");
    write(docs + "/c.jsonl",
          "{\"_id\": \"d1\", \"title\": \"Kauf\", \"text\": \"Der Kaufvertrag.\"}\n"
          "{\"_id\": \"d2\", \"title\": \"Miete\", \"text\": \"Der Mietvertrag.\"}\n");
    write(docs + "/broken.txt", "bad \xff bytes");
    write(docs + "/ignored.pdf", "%PDF");
    IngestReport first = ingest();
    EXPECT_EQ(first.files, 4u);
    EXPECT_EQ(first.ingested, 3u);
    EXPECT_EQ(first.failed, 1u);
    EXPECT_EQ(first.documents, 4u);
    ASSERT_EQ(first.errors.size(), 1u);
    EXPECT_NE(first.errors[0].find("broken.txt"), std::string::npos);
    EXPECT_EQ(search("Mietvertrag").at(0).second, "d2");

    IngestReport again = ingest();
    EXPECT_EQ(again.unchanged, 3u);
    EXPECT_EQ(again.ingested, 0u);
    EXPECT_FALSE(again.index_rebuilt);

    // Change one JSONL document away, delete a file.
    write(docs + "/c.jsonl",
          "{\"_id\": \"d1\", \"title\": \"Kauf\", \"text\": \"Der Kaufvertrag.\"}\n");
    std::filesystem::remove(docs + "/sub/b.txt");
    IngestReport changed = ingest();
    EXPECT_EQ(changed.ingested, 1u);
    EXPECT_EQ(changed.unchanged, 1u);
    EXPECT_EQ(changed.removed, 1u);
    EXPECT_TRUE(changed.index_rebuilt);
    EXPECT_TRUE(search("Mietvertrag").empty());
    EXPECT_TRUE(search("Kündigungsfrist Wohnung").empty());
    EXPECT_EQ(search("Kaufvertrag").at(0).second, "d1");
    const auto hits = search("bail résilié");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_NE(hits[0].first.metadata_json.find("\"article\":\"3\""), std::string::npos);
}

TEST_F(IngestTest, ChunkOffsetsAreExactInCodePoints) {
    std::string text = "Ënnert dem Gesetz gëtt et Regelen. ";
    for (int i = 0; i < 120; ++i) text += "Ça coûte cher, d'Präisser sinn héich. ";
    write(docs + "/lb.txt", text);
    write(
        docs + "/q.jsonl",
        "{\"_id\": \"x\", \"title\": \"T\", \"text\": \"\\u00c9t\\u00e9 \\u00e0 Luxembourg.\"}\n");
    IngestReport report = ingest();
    EXPECT_EQ(report.failed, 0u);
    Result<KnowledgeBase> kb = open_knowledge_base(root + "/data", "kb");
    std::vector<int64_t> ids;
    ASSERT_TRUE(kb->store->for_each_chunk_terms(
        kb->info.id, [&](const storage::ChunkTerms& c) { ids.push_back(c.chunk_id); }));
    Result<std::vector<storage::ChunkRecord>> chunks = kb->store->load_chunks(kb->info.id, ids);
    ASSERT_TRUE(chunks);
    ASSERT_GT(chunks->size(), 3u);
    for (const storage::ChunkRecord& chunk : *chunks) {
        const std::string source = chunk.document_id == "x" ? "Été à Luxembourg." : text;
        EXPECT_EQ(chunk.text, slice_code_points(source, chunk.start, chunk.end));
        EXPECT_FALSE(chunk.text.empty());
    }
}

}  // namespace
}  // namespace souverain::retrieval
