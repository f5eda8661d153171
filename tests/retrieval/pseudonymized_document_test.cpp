// Pseudonymization at ingestion: parsed documents lose every original value (text, headings,
// title) while chunk offsets stay exact in the stored text; through the knowledge-base
// service, a pseudonymizing base's hits hold pseudonyms, a base with the policy off keeps
// the originals.
#include "retrieval/pseudonymized_document.h"

#include <gtest/gtest.h>

#include "retrieval/knowledge_base_service.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

const char* const kOriginals[] = {"anne.schmit@example.lu", "LU28 0019 4006 4475 0000",
                                  "1985031212307", "+352 621 123 456", "Schmit"};

// A Markdown dossier with every kind of value several times, in sections long enough to be
// cut into several chunks each.
std::string dossier() {
    std::string text = "# Dossier of Madame Anne Schmit\n\n";
    for (int section = 1; section <= 3; ++section) {
        text += "## Section " + std::to_string(section) + "\n\n";
        for (int line = 0; line < 6; ++line) {
            text += "The applicant writes from anne.schmit@example.lu about the refund. ";
            text += "The account LU28 0019 4006 4475 0000 belongs to matricule 1985031212307. ";
            text += "Call +352 621 123 456 before noon.\n\n";
        }
    }
    return text;
}

std::string slice_code_points(const std::string& text, int64_t start, int64_t end) {
    std::string out;
    int64_t index = -1;
    for (char ch : text) {
        if (((unsigned char)ch & 0xC0) != 0x80) ++index;
        if (index >= start && index < end) out.push_back(ch);
    }
    return out;
}

std::shared_ptr<governance::PiiVault> open_vault(const std::string& dir) {
    Result<std::shared_ptr<governance::PiiVault>> vault = governance::PiiVault::open(dir);
    EXPECT_TRUE(vault) << vault.error().message;
    return vault ? *vault : nullptr;
}

TEST(PseudonymizedDocumentTest, ChunksKeepExactOffsetsAndReverseToTheOriginalChunks) {
    std::shared_ptr<governance::PiiVault> vault = open_vault(test::make_temp_dir("pseudo_doc"));
    ASSERT_TRUE(vault);
    const std::string original = dossier();
    Result<std::vector<ParsedDocument>> parsed =
        parse_source(original, SourceFormat::MARKDOWN, "dossier.md", ChunkOptions{300});
    ASSERT_TRUE(parsed && parsed->size() == 1);
    const ParsedDocument before = (*parsed)[0];
    ASSERT_GE(before.chunks.size(), 6u);
    ParsedDocument document = before;
    Result<DocumentPseudonyms> done = pseudonymize_document(*vault, "ministry", document);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_GE(done->values, 3u * 6u * 4u);

    for (const char* value : kOriginals) {
        EXPECT_EQ(document.text.find(value), std::string::npos) << value;
        EXPECT_EQ(document.title.find(value), std::string::npos) << document.title;
        for (const ParsedChunk& chunk : document.chunks)
            EXPECT_EQ(chunk.heading.find(value), std::string::npos) << chunk.heading;
    }
    // Every chunk is a span of the new text whose reversal is the original chunk: no value was
    // cut, none lost, and the spans follow each other as before.
    ASSERT_EQ(document.chunks.size(), before.chunks.size());
    for (size_t idx = 0; idx < document.chunks.size(); ++idx) {
        const ParsedChunk& now = document.chunks[idx];
        const ParsedChunk& was = before.chunks[idx];
        ASSERT_LE(now.end_byte, document.text.size());
        const std::string span =
            document.text.substr(now.start_byte, now.end_byte - now.start_byte);
        Result<governance::ReversedText> back = vault->reverse("ministry", span);
        ASSERT_TRUE(back);
        EXPECT_EQ(back->text, original.substr(was.start_byte, was.end_byte - was.start_byte))
            << "chunk " << idx;
        EXPECT_EQ(now.article, was.article);
        EXPECT_EQ(now.page, was.page);
    }
    Result<governance::ReversedText> whole = vault->reverse("ministry", document.text);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->text, original);
}

TEST(PseudonymizedDocumentTest, ABoundaryInsideAValueMovesToTheValuesStart) {
    std::shared_ptr<governance::PiiVault> vault = open_vault(test::make_temp_dir("pseudo_doc"));
    ASSERT_TRUE(vault);
    ParsedDocument document;
    document.id = "x";
    document.title = "x";
    document.text = "Mail anne.schmit@example.lu now";
    // 5 is the value's start, 10 inside it, 27 its end.
    for (auto [start, end] : {std::pair<size_t, size_t>{0, 10}, {10, 31}, {7, 9}}) {
        ParsedChunk chunk;
        chunk.start_byte = start;
        chunk.end_byte = end;
        document.chunks.push_back(chunk);
    }
    ASSERT_TRUE(pseudonymize_document(*vault, "t", document));
    ASSERT_EQ(document.chunks.size(), 2u);  // the chunk inside the value is gone
    const size_t value_start = document.text.find("<EMAIL_");
    ASSERT_EQ(value_start, 5u);
    EXPECT_EQ(document.chunks[0].start_byte, 0u);
    EXPECT_EQ(document.chunks[0].end_byte, value_start);
    EXPECT_EQ(document.chunks[1].start_byte, value_start);
    EXPECT_EQ(document.chunks[1].end_byte, document.text.size());
}

TEST(PseudonymizedDocumentTest, APseudonymizingBaseServesPseudonymsAndAPlainBaseOriginals) {
    const std::string dir = test::make_temp_dir("pseudo_service");
    Result<std::unique_ptr<KnowledgeBaseService>> opened = KnowledgeBaseService::open(dir);
    ASSERT_TRUE(opened) << opened.error().message;
    KnowledgeBaseService& service = **opened;
    ASSERT_TRUE(service.create("ministry", "hidden", storage::PiiPolicy::PSEUDONYMIZE));
    ASSERT_TRUE(service.create("ministry", "plain"));
    EXPECT_EQ(service.get("ministry", "hidden")->info.pii, storage::PiiPolicy::PSEUDONYMIZE);
    EXPECT_EQ(service.get("ministry", "plain")->info.pii, storage::PiiPolicy::OFF);
    const std::string text = dossier();
    ASSERT_TRUE(service.upload("ministry", "hidden", "dossier.md", text));
    ASSERT_TRUE(service.upload("ministry", "plain", "dossier.md", text));

    Result<std::shared_ptr<governance::PiiVault>> vault = service.pii_vault();
    ASSERT_TRUE(vault);
    // The stored text is what the vault gives for the file now (its pseudonyms are stored).
    Result<governance::PseudonymizedText> stored = (*vault)->pseudonymize("ministry", text);
    ASSERT_TRUE(stored);
    Result<std::vector<SearchHit>> hits =
        service.search("ministry", "hidden", "refund applicant account", SearchOptions{});
    ASSERT_TRUE(hits && !hits->empty());
    for (const SearchHit& hit : *hits) {
        for (const char* value : kOriginals)
            EXPECT_EQ(hit.chunk.text.find(value), std::string::npos);
        EXPECT_EQ(slice_code_points(stored->text, hit.chunk.start, hit.chunk.end), hit.chunk.text);
        EXPECT_NE(hit.chunk.text.find("<EMAIL_"), std::string::npos);
    }
    Result<std::vector<SearchHit>> plain =
        service.search("ministry", "plain", "refund applicant account", SearchOptions{});
    ASSERT_TRUE(plain && !plain->empty());
    EXPECT_NE((*plain)[0].chunk.text.find("anne.schmit@example.lu"), std::string::npos);
}

}  // namespace
}  // namespace souverain::retrieval
