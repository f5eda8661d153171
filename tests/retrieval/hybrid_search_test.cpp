#include "retrieval/hybrid_search.h"

#include <gtest/gtest.h>

#include <cmath>

#include "retrieval/hashing_embedder.h"
#include "retrieval/ingest.h"
#include "storage/store.h"
#include "storage/tenant_store.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

TEST(ReciprocalRankFusion, SumsOneOverKPlusRankAcrossLists) {
    const std::vector<std::vector<int64_t>> lists = {{10, 20, 30}, {30, 40}};
    std::vector<FusedHit> fused = reciprocal_rank_fusion(lists, 60, 10);
    ASSERT_EQ(fused.size(), 4u);
    // 30: rank 3 in one list and 1 in the other.
    EXPECT_EQ(fused[0].chunk_id, 30);
    EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 63 + 1.0 / 61);
    // 10: first in one list only.
    EXPECT_EQ(fused[1].chunk_id, 10);
    EXPECT_DOUBLE_EQ(fused[1].score, 1.0 / 61);
    // 20 and 40 tie at 1/62 with the same best rank: the smaller id first.
    EXPECT_EQ(fused[2].chunk_id, 20);
    EXPECT_EQ(fused[3].chunk_id, 40);
    EXPECT_EQ(reciprocal_rank_fusion(lists, 60, 2).size(), 2u);
    EXPECT_TRUE(reciprocal_rank_fusion({}, 60, 5).empty());
}

TEST(HashingEmbedder, NormalizedDeterministicAndCloserForSharedStems) {
    HashingEmbedder embedder(128);
    EXPECT_EQ(embedder.model_name(), "hashing:128");
    const std::vector<std::string> texts = {"Der Vermieter kündigt den Mietvertrag",
                                            "Kündigung des Mietvertrags durch den Vermieter",
                                            "Steuererklärung und Einkommensteuer"};
    Result<std::vector<std::vector<float>>> vectors = embedder.embed(texts);
    ASSERT_TRUE(vectors);
    ASSERT_EQ(vectors->size(), 3u);
    auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
        double sum = 0;
        for (size_t i = 0; i < a.size(); ++i) sum += (double)a[i] * b[i];
        return sum;
    };
    for (const std::vector<float>& v : *vectors) {
        ASSERT_EQ(v.size(), 128u);
        EXPECT_NEAR(dot(v, v), 1.0, 1e-5);
    }
    EXPECT_GT(dot((*vectors)[0], (*vectors)[1]), dot((*vectors)[0], (*vectors)[2]) + 0.2);
    EXPECT_EQ(embedder.embed_one(texts[0]), (*vectors)[0]);
    // A query too short to detect its language still meets the passage's English stems.
    const std::vector<float> query = embedder.embed_one("periscope submarine");
    const std::vector<float> passage = embedder.embed_one(
        "The submarine raised its periscope and the crew listened to the sonar.");
    EXPECT_GT(dot(query, passage), 0.4);
    // No terms at all: the zero vector, not NaNs.
    for (float x : embedder.embed_one("  ... ")) EXPECT_EQ(x, 0.0f);
}

TEST(EmbeddingModelSpec, HashingDimensionsAreCheckedAndAMissingModelFileIsAClearError) {
    Result<std::unique_ptr<Embedder>> ok = open_embedding_model("hashing:64", 1);
    ASSERT_TRUE(ok);
    EXPECT_EQ((*ok)->dimension(), 64);
    for (const char* bad : {"hashing:", "hashing:4", "hashing:9999999", "hashing:12x"}) {
        Result<std::unique_ptr<Embedder>> refused = open_embedding_model(bad, 1);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT);
    }
    Result<std::unique_ptr<Embedder>> file = open_embedding_model("/no/such/bge-m3.gguf", 1);
    ASSERT_FALSE(file);
    EXPECT_NE(file.error().message.find("/no/such/bge-m3.gguf"), std::string::npos)
        << file.error().message;
}

struct Corpus {
    std::string dir;
    std::unique_ptr<storage::Store> store;
    storage::KbInfo kb;
};

Corpus make_corpus(const std::string& name, const char* model) {
    Corpus corpus;
    corpus.dir = test::make_temp_dir(name);
    corpus.store = storage::open_sqlite_store(corpus.dir).value();
    corpus.kb = *corpus.store->create_kb(storage::kDefaultTenant, "kb");
    if (model != nullptr) {
        EXPECT_TRUE(set_kb_embedding_model(corpus.dir, corpus.kb.id, model, 1));
    }
    const char* const files[][2] = {
        {"lease.md", "# Lease\n\nThe tenant pays the rent and the landlord returns the deposit."},
        {"court.md", "# Court\n\nAn appeal against the verdict goes to the higher court."},
        {"tax.md", "# Tax\n\nIncome tax returns are filed before the end of March."},
        {"work.md", "# Work\n\nA dismissal needs notice; the worker keeps the salary meanwhile."},
        {"family.md", "# Family\n\nAfter a divorce the court decides the custody of the child."},
        {"traffic.md", "# Traffic\n\nA driving licence can be withdrawn after a road offence."},
    };
    for (const auto& [file, text] : files) {
        Result<SourceReport> report =
            ingest_source_bytes(*corpus.store, corpus.kb, file, text, IngestOptions());
        EXPECT_TRUE(report) << report.error().message;
        corpus.kb.index_dirty = false;
    }
    return corpus;
}

std::optional<DenseBase> open_dense(const Corpus& corpus) {
    Result<std::optional<DenseBase>> dense = DenseBase::open(corpus.dir, corpus.kb.id, {});
    EXPECT_TRUE(dense);
    if (dense->has_value()) {
        EXPECT_TRUE((*dense)->embed_pending());
    }
    return std::move(*dense);
}

TEST(SearchByMode, HybridIsTheRankFusionOfTheLexicalAndDenseLists) {
    Corpus corpus = make_corpus("hybrid_fusion", "hashing:256");
    std::optional<DenseBase> dense = open_dense(corpus);
    ASSERT_TRUE(dense.has_value());
    const LexicalConfig config = default_lexical_config();
    const std::string query = "court appeal of a custody verdict";
    SearchOptions deep;
    deep.top_k = kFusionDepth;
    auto run = [&](std::optional<SearchMode> mode, const SearchOptions& options) {
        Result<ModeSearchResult> result =
            search_by_mode(*corpus.store, corpus.kb.id, &*dense, query, config, options, mode);
        EXPECT_TRUE(result) << result.error().message;
        return std::move(*result);
    };
    ModeSearchResult lexical = run(SearchMode::LEXICAL, deep);
    ModeSearchResult semantic = run(SearchMode::DENSE, deep);
    EXPECT_EQ(lexical.mode, SearchMode::LEXICAL);
    EXPECT_EQ(semantic.mode, SearchMode::DENSE);
    ASSERT_FALSE(lexical.hits.empty());
    ASSERT_EQ(semantic.hits.size(), 6u);  // dense ranks every chunk
    std::vector<std::vector<int64_t>> lists(2);
    for (const SearchHit& hit : lexical.hits) lists[0].push_back(hit.chunk.chunk_id);
    for (const SearchHit& hit : semantic.hits) lists[1].push_back(hit.chunk.chunk_id);
    std::vector<FusedHit> expected = reciprocal_rank_fusion(lists, kRrfK, 3);

    SearchOptions top3;
    top3.top_k = 3;
    ModeSearchResult hybrid = run(std::nullopt, top3);  // the default with a model
    EXPECT_EQ(hybrid.mode, SearchMode::HYBRID);
    EXPECT_EQ(hybrid.note, "");
    ASSERT_EQ(hybrid.hits.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(hybrid.hits[i].chunk.chunk_id, expected[i].chunk_id);
        EXPECT_DOUBLE_EQ(hybrid.hits[i].score, expected[i].score);
    }
    // Both court passages share words with the query: they lead.
    EXPECT_NE(hybrid.hits[0].chunk.text.find("court"), std::string::npos);
    EXPECT_NE(hybrid.hits[1].chunk.text.find("court"), std::string::npos);
    // Dense scores are cosines.
    EXPECT_LE(semantic.hits[0].score, 1.0 + 1e-6);
    EXPECT_GT(semantic.hits[0].score, semantic.hits.back().score);
}

TEST(SearchByMode, WithoutAModelHybridFallsBackToLexicalWithANoteAndDenseIsRefused) {
    Corpus corpus = make_corpus("hybrid_no_model", nullptr);
    std::optional<DenseBase> dense = open_dense(corpus);
    EXPECT_FALSE(dense.has_value());
    const LexicalConfig config = default_lexical_config();
    SearchOptions options;
    Result<ModeSearchResult> fallback = search_by_mode(
        *corpus.store, corpus.kb.id, nullptr, "rent deposit", config, options, SearchMode::HYBRID);
    ASSERT_TRUE(fallback);
    EXPECT_EQ(fallback->mode, SearchMode::LEXICAL);
    EXPECT_NE(fallback->note.find("no embedding model"), std::string::npos);
    ASSERT_FALSE(fallback->hits.empty());
    EXPECT_EQ(fallback->hits[0].chunk.document_id, "lease.md");
    Result<ModeSearchResult> plain = search_by_mode(*corpus.store, corpus.kb.id, nullptr,
                                                    "rent deposit", config, options, std::nullopt);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->mode, SearchMode::LEXICAL);
    EXPECT_EQ(plain->note, "");
    Result<ModeSearchResult> refused = search_by_mode(*corpus.store, corpus.kb.id, nullptr, "rent",
                                                      config, options, SearchMode::DENSE);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::UNSUPPORTED);
}

TEST(SearchByMode, FiltersKeepTheDefaultLexicalAndAreRefusedForDenseModes) {
    Corpus corpus = make_corpus("hybrid_filters", "hashing:64");
    std::optional<DenseBase> dense = open_dense(corpus);
    ASSERT_TRUE(dense.has_value());
    SearchOptions options;
    options.filter_terms.push_back(filter_term("lang", "en"));
    const LexicalConfig config = default_lexical_config();
    Result<ModeSearchResult> plain =
        search_by_mode(*corpus.store, corpus.kb.id, &*dense, "rent", config, options, std::nullopt);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->mode, SearchMode::LEXICAL);
    for (SearchMode mode : {SearchMode::DENSE, SearchMode::HYBRID}) {
        Result<ModeSearchResult> refused =
            search_by_mode(*corpus.store, corpus.kb.id, &*dense, "rent", config, options, mode);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT);
    }
    EXPECT_FALSE(parse_search_mode("semantic"));
    EXPECT_EQ(*parse_search_mode("hybrid"), SearchMode::HYBRID);
}

}  // namespace
}  // namespace souverain::retrieval
