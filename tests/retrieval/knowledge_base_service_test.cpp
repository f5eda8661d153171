// The knowledge-base service over a real SQLite store: uploads, listing, deletion, search, and
// many threads using one service at once.
#include "retrieval/knowledge_base_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_paths.h"

namespace souverain::retrieval {
namespace {

const std::string kTenant = storage::kDefaultTenant;

const std::string kLabourCode =
    "# Code du travail\n\n"
    "## Art. 1er\n\nLe présent code s'applique à tous les salariés du secteur privé.\n\n"
    "## Art. 2\n\nLe salarié a droit à un congé payé de vingt-six jours ouvrables par année.\n";

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

class KnowledgeBaseServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        Result<std::unique_ptr<KnowledgeBaseService>> opened =
            KnowledgeBaseService::open(test::make_temp_dir("kb_service"));
        ASSERT_TRUE(opened) << opened.error().message;
        service = std::move(*opened);
        ASSERT_TRUE(service->create(kTenant, "laws"));
    }

    std::vector<SearchHit> search(const std::string& kb, const std::string& query) {
        SearchOptions options;
        Result<std::vector<SearchHit>> hits = service->search(kTenant, kb, query, options);
        EXPECT_TRUE(hits) << hits.error().message;
        return hits ? *hits : std::vector<SearchHit>();
    }

    std::unique_ptr<KnowledgeBaseService> service;
};

TEST_F(KnowledgeBaseServiceTest, UploadedDocumentIsSearchableWithExactOffsets) {
    EXPECT_TRUE(search("laws", "congé").empty());  // no index yet: no hits, no error
    Result<UploadResult> upload = service->upload(kTenant, "laws", "travail.md", kLabourCode);
    ASSERT_TRUE(upload) << upload.error().message;
    EXPECT_EQ(upload->report.change, SourceChange::CREATED);
    EXPECT_EQ(upload->document.path, "travail.md");
    EXPECT_EQ(upload->document.bytes, kLabourCode.size());
    EXPECT_EQ(upload->document.documents, 1);
    EXPECT_GE(upload->document.chunks, 2);

    const std::vector<SearchHit> hits = search("laws", "congé payé jours ouvrables");
    ASSERT_FALSE(hits.empty());
    const storage::ChunkRecord& best = hits[0].chunk;
    EXPECT_EQ(best.document_id, "travail.md");
    EXPECT_NE(best.text.find("vingt-six jours"), std::string::npos);
    EXPECT_EQ(slice_code_points(kLabourCode, best.start, best.end), best.text);
    EXPECT_EQ(hit_metadata(hits[0])["article"], "2");
    EXPECT_EQ(hit_metadata(hits[0])["source"], "travail.md");

    Result<KbSummary> kb = service->get(kTenant, "laws");
    ASSERT_TRUE(kb);
    EXPECT_EQ(kb->counts.sources, 1);
    EXPECT_EQ(kb->counts.chunks, upload->document.chunks);
}

TEST_F(KnowledgeBaseServiceTest, SameNameReplacesAndSameBytesChangeNothing) {
    ASSERT_TRUE(service->upload(kTenant, "laws", "travail.md", kLabourCode));
    Result<UploadResult> same = service->upload(kTenant, "laws", "travail.md", kLabourCode);
    ASSERT_TRUE(same);
    EXPECT_EQ(same->report.change, SourceChange::UNCHANGED);
    Result<UploadResult> changed = service->upload(
        kTenant, "laws", "travail.md", "# Code\n\n## Art. 9\n\nLes vacances sont fixées.\n");
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->report.change, SourceChange::REPLACED);
    EXPECT_NE(changed->report.content_hash, same->report.content_hash);
    EXPECT_TRUE(search("laws", "ouvrables").empty());
    EXPECT_FALSE(search("laws", "vacances").empty());
    Result<std::vector<storage::SourceDetails>> documents = service->documents(kTenant, "laws");
    ASSERT_TRUE(documents);
    ASSERT_EQ(documents->size(), 1u);
    EXPECT_EQ((*documents)[0].content_hash, changed->report.content_hash);
}

TEST_F(KnowledgeBaseServiceTest, RefusedUploadsLeaveTheBaseAsItWas) {
    ASSERT_TRUE(service->upload(kTenant, "laws", "travail.md", kLabourCode));
    struct Case {
        const char* name;
        std::string bytes;
        ErrorCode code;
    };
    const Case cases[] = {
        {"bad.md", std::string("caf\xC3", 4), ErrorCode::FORMAT},  // truncated UTF-8
        {"empty.txt", "  \n", ErrorCode::FORMAT},
        {"travail.md", std::string("a\0b", 3), ErrorCode::FORMAT},  // would replace: refused
        {"corpus.jsonl", "{\"_id\": 1}\n", ErrorCode::FORMAT},      // no "text"
        {"scan.pdf", "not a PDF", ErrorCode::FORMAT},
        {"notes.pptx", "x", ErrorCode::INVALID_ARGUMENT},
        {"../etc/passwd.txt", "x", ErrorCode::INVALID_ARGUMENT},
        {"", "x", ErrorCode::INVALID_ARGUMENT},
    };
    for (const Case& c : cases) {
        Result<UploadResult> upload = service->upload(kTenant, "laws", c.name, c.bytes);
        ASSERT_FALSE(upload) << c.name;
        EXPECT_EQ(upload.error().code, c.code) << c.name << ": " << upload.error().message;
    }
    Result<std::vector<storage::SourceDetails>> documents = service->documents(kTenant, "laws");
    ASSERT_TRUE(documents);
    ASSERT_EQ(documents->size(), 1u);
    EXPECT_FALSE(search("laws", "ouvrables").empty());
}

TEST_F(KnowledgeBaseServiceTest, DeletedDocumentsAndBasesAreGone) {
    ASSERT_TRUE(service->upload(kTenant, "laws", "travail.md", kLabourCode));
    ASSERT_TRUE(
        service->upload(kTenant, "laws", "bail.txt", "Le bail d'habitation est conclu par écrit."));
    ASSERT_FALSE(search("laws", "ouvrables").empty());
    ASSERT_TRUE(service->remove_document(kTenant, "laws", "travail.md"));
    EXPECT_TRUE(search("laws", "ouvrables").empty());
    EXPECT_FALSE(search("laws", "bail").empty());
    Status again = service->remove_document(kTenant, "laws", "travail.md");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::NOT_FOUND);

    ASSERT_TRUE(service->remove(kTenant, "laws"));
    Result<std::vector<KbSummary>> list = service->list(kTenant);
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->empty());
    SearchOptions options;
    Result<std::vector<SearchHit>> hits = service->search(kTenant, "laws", "bail", options);
    ASSERT_FALSE(hits);
    EXPECT_EQ(hits.error().code, ErrorCode::NOT_FOUND);
    // A new base of the same name starts empty.
    ASSERT_TRUE(service->create(kTenant, "laws"));
    EXPECT_TRUE(search("laws", "bail").empty());
}

TEST_F(KnowledgeBaseServiceTest, NamesAndUnknownBases) {
    Result<KbSummary> duplicate = service->create(kTenant, "laws");
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, ErrorCode::ALREADY_EXISTS);
    for (const char* bad : {"", "-x", "a/b", "a b", "é"}) {
        Result<KbSummary> created = service->create(kTenant, bad);
        ASSERT_FALSE(created) << bad;
        EXPECT_EQ(created.error().code, ErrorCode::INVALID_ARGUMENT) << bad;
    }
    EXPECT_TRUE(service->create(kTenant, "Gesetze_2024.v1-lu"));
    EXPECT_EQ(service->upload(kTenant, "nope", "a.md", "# A\n").error().code, ErrorCode::NOT_FOUND);
    EXPECT_EQ(service->documents(kTenant, "nope").error().code, ErrorCode::NOT_FOUND);
    EXPECT_EQ(service->remove(kTenant, "nope").error().code, ErrorCode::NOT_FOUND);
    EXPECT_EQ(service->retrieve(kTenant, {"laws", "nope"}, "x", 3).error().code,
              ErrorCode::NOT_FOUND);
}

TEST_F(KnowledgeBaseServiceTest, RetrieveMergesBasesBestFirst) {
    ASSERT_TRUE(service->create(kTenant, "leases"));
    ASSERT_TRUE(service->upload(kTenant, "laws", "travail.md", kLabourCode));
    ASSERT_TRUE(service->upload(kTenant, "leases", "bail.txt",
                                "Le bail d'habitation est conclu par écrit pour trois ans. Le "
                                "congé donné par le bailleur doit être motivé."));
    Result<std::vector<RetrievedPassage>> passages =
        service->retrieve(kTenant, {"laws", "leases", "laws"}, "congé", 10);
    ASSERT_TRUE(passages);
    bool from_laws = false, from_leases = false;
    for (size_t i = 0; i < passages->size(); ++i) {
        from_laws |= (*passages)[i].knowledge_base == "laws";
        from_leases |= (*passages)[i].knowledge_base == "leases";
        if (i > 0) {
            EXPECT_GE((*passages)[i - 1].hit.score, (*passages)[i].hit.score);
        }
    }
    EXPECT_TRUE(from_laws && from_leases);
    Result<std::vector<RetrievedPassage>> one =
        service->retrieve(kTenant, {"laws", "leases"}, "congé", 1);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->size(), 1u);
}

TEST_F(KnowledgeBaseServiceTest, ManyThreadsShareOneService) {
    constexpr int kThreads = 4, kDocuments = 5;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int d = 0; d < kDocuments; ++d) {
                const std::string name = std::to_string(t) + "-" + std::to_string(d) + ".txt";
                std::string text = "Document ";
                text += name;
                text += " mentions the word quokka.";
                if (!service->upload(kTenant, "laws", name, text)) ++failures;
                SearchOptions options;
                if (!service->search(kTenant, "laws", "quokka", options)) ++failures;
                if (!service->list(kTenant)) ++failures;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    Result<std::vector<storage::SourceDetails>> documents = service->documents(kTenant, "laws");
    ASSERT_TRUE(documents);
    EXPECT_EQ(documents->size(), (size_t)(kThreads * kDocuments));
    SearchOptions options;
    options.top_k = 100;
    Result<std::vector<SearchHit>> hits = service->search(kTenant, "laws", "quokka", options);
    ASSERT_TRUE(hits);
    EXPECT_EQ(hits->size(), (size_t)(kThreads * kDocuments));
}

}  // namespace
}  // namespace souverain::retrieval
