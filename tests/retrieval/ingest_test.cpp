#include "retrieval/ingest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "retrieval/document_parser.h"
#include "retrieval/knowledge_base.h"
#include "retrieval/lexical_search.h"
#include "test_documents.h"
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
        ASSERT_TRUE((*store)->create_kb(storage::kDefaultTenant, "kb"));
    }

    IngestReport ingest() {
        Result<KnowledgeBase> kb =
            open_knowledge_base(root + "/data", storage::kDefaultTenant, "kb");
        EXPECT_TRUE(kb);
        Result<IngestReport> report = ingest_paths(*kb->store, kb->info, {docs}, {}, nullptr);
        EXPECT_TRUE(report) << report.error().message;
        return *report;
    }

    std::vector<std::pair<storage::ChunkRecord, std::string>> search(const std::string& query) {
        Result<KnowledgeBase> kb =
            open_knowledge_base(root + "/data", storage::kDefaultTenant, "kb");
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

    std::vector<storage::ChunkRecord> all_chunks() {
        Result<KnowledgeBase> kb =
            open_knowledge_base(root + "/data", storage::kDefaultTenant, "kb");
        std::vector<int64_t> ids;
        EXPECT_TRUE(kb->store->for_each_chunk_terms(
            kb->info.id, [&](const storage::ChunkTerms& c) { ids.push_back(c.chunk_id); }));
        Result<std::vector<storage::ChunkRecord>> chunks = kb->store->load_chunks(kb->info.id, ids);
        EXPECT_TRUE(chunks);
        return *chunks;
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
    write(docs + "/ignored.odt", "PK");
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
    const std::vector<storage::ChunkRecord> chunks = all_chunks();
    ASSERT_GT(chunks.size(), 3u);
    for (const storage::ChunkRecord& chunk : chunks) {
        const std::string source = chunk.document_id == "x" ? "Été à Luxembourg." : text;
        EXPECT_EQ(chunk.text, slice_code_points(source, chunk.start, chunk.end));
        EXPECT_FALSE(chunk.text.empty());
    }
}

TEST_F(IngestTest, HtmlPdfAndDocxGoInABrokenPdfIsReportedAndSkipped) {
    write(docs + "/loi.html",
          "<html><head><title>Loi sur le bail</title></head><body><nav>Menu</nav>"
          "<h2>Art. 4.</h2><p>Le locataire paie le loyer &agrave; terme "
          "\xC3\xA9"
          "chu.</p></body></html>");
    const std::string pdf = test::make_pdf(
        {{"Art. 1er. La garantie locative est plafonnée."}, {"Art. 2. Le dépôt est restitué."}});
    write(docs + "/sub/reglement.pdf", pdf);
    write(docs + "/contrat.docx",
          test::make_docx({{"Heading1", "Art. 7. Kündigungsfrist"},
                           {"", "Die Kündigungsfrist für die Wohnung beträgt drei Monate."}}));
    write(docs + "/broken.pdf", pdf.substr(0, pdf.size() / 2));
    IngestReport report = ingest();
    EXPECT_EQ(report.files, 4u);
    EXPECT_EQ(report.ingested, 3u);
    EXPECT_EQ(report.failed, 1u);
    EXPECT_EQ(report.chunks_with_article, report.chunks);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_NE(report.errors[0].find("broken.pdf"), std::string::npos);

    auto metadata_of = [&](const std::string& query) {
        const auto hits = search(query);
        return hits.empty() ? std::string() : hits[0].first.metadata_json;
    };
    EXPECT_NE(metadata_of("garantie locative").find("\"page\":1"), std::string::npos);
    EXPECT_NE(metadata_of("dépôt restitué").find("\"page\":2"), std::string::npos);
    EXPECT_NE(metadata_of("locataire loyer").find("\"article\":\"4\""), std::string::npos);
    EXPECT_EQ(metadata_of("Menu"), "");  // navigation is not text
    EXPECT_NE(metadata_of("Kündigungsfrist Wohnung").find("\"article\":\"7\""), std::string::npos);

    // Every stored passage is exactly the extracted text at its code point offsets.
    const std::vector<storage::ChunkRecord> chunks = all_chunks();
    ASSERT_EQ(chunks.size(), 4u);
    for (const storage::ChunkRecord& chunk : chunks) {
        std::ifstream in(chunk.document_id, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        Result<std::vector<ParsedDocument>> parsed = parse_source(
            bytes, source_format_of(chunk.document_id), chunk.document_id, ChunkOptions{});
        ASSERT_TRUE(parsed) << chunk.document_id;
        EXPECT_EQ(chunk.text, slice_code_points((*parsed)[0].text, chunk.start, chunk.end));
        EXPECT_FALSE(chunk.text.empty());
    }
}

}  // namespace
}  // namespace souverain::retrieval
