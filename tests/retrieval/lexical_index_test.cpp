#include "retrieval/lexical_index.h"

#include <gtest/gtest.h>

#include "retrieval/term_codec.h"
#include "storage/store.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

storage::NewChunk chunk_with(std::vector<TermFrequency> terms, uint32_t body_length) {
    TermVector vector;
    vector.body_length = body_length;
    vector.terms = std::move(terms);
    storage::NewChunk chunk;
    chunk.language = "other";
    chunk.metadata_json = "{}";
    chunk.terms = encode_term_vector(vector);
    return chunk;
}

class LexicalIndexTest : public ::testing::Test {
protected:
    void SetUp() override {
        Result<std::unique_ptr<storage::Store>> opened =
            storage::open_sqlite_store(test::make_temp_dir("lexical_index"));
        ASSERT_TRUE(opened) << opened.error().message;
        store = std::move(*opened);
        Result<storage::KbInfo> kb = store->create_kb(storage::kDefaultTenant, "kb");
        ASSERT_TRUE(kb);
        kb_id = kb->id;
        // d1: apple apple banana | d2: apple cherry cherry cherry | d3: banana (+ a filter term)
        std::vector<storage::NewDocument> documents(3);
        documents[0].external_id = "d1";
        documents[0].chunks.push_back(chunk_with({{"apple", 2, 0}, {"banana", 1, 0}}, 3));
        documents[1].external_id = "d2";
        documents[1].chunks.push_back(chunk_with({{"apple", 1, 0}, {"cherry", 3, 0}}, 4));
        documents[2].external_id = "d3";
        documents[2].chunks.push_back(
            chunk_with({{"banana", 1, 0}, {filter_term("article", "7"), 0, 0}}, 1));
        ASSERT_TRUE(store->replace_source(kb_id, {"/src", "h", 1}, documents));
        ASSERT_TRUE(rebuild_lexical_index(*store, kb_id));
    }

    std::unique_ptr<storage::Store> store;
    int64_t kb_id = 0;
};

TEST_F(LexicalIndexTest, Bm25MatchesHandComputedScores) {
    // N = 3, avgdl = 8/3, df(apple) = 2: idf = ln(1 + 1.5/2.5) = 0.4700036.
    // d1: tf 2, |d| 3: tfn = 2 / (0.25 + 0.75 * 3 / (8/3)) = 1.828571;
    //     score = idf * tfn * 2.2 / (1.2 + tfn) = 0.6243067
    // d2: tf 1, |d| 4: tfn = 1 / 1.375 = 0.727273; score = 0.3901917
    Result<std::unique_ptr<LexicalIndex>> index = LexicalIndex::open(*store, kb_id);
    ASSERT_TRUE(index) << index.error().message;
    SearchOptions options;
    options.bm25 = Bm25Params{1.2, 0.75, 0.0};
    Result<std::vector<ScoredChunk>> hits = (*index)->search({{"apple", 1.0}}, options);
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 2u);
    EXPECT_NEAR((*hits)[0].score, 0.6243067075264112, 1e-9);
    EXPECT_NEAR((*hits)[1].score, 0.39019169220400696, 1e-9);
    EXPECT_LT((*hits)[0].chunk_id, (*hits)[1].chunk_id);
    // Query weights multiply; unknown terms add nothing.
    hits = (*index)->search({{"apple", 2.0}, {"durian", 1.0}}, options);
    ASSERT_TRUE(hits);
    EXPECT_NEAR((*hits)[0].score, 2 * 0.6243067075264112, 1e-9);
}

TEST_F(LexicalIndexTest, FiltersAndTopK) {
    Result<std::unique_ptr<LexicalIndex>> index = LexicalIndex::open(*store, kb_id);
    ASSERT_TRUE(index);
    SearchOptions options;
    options.top_k = 1;
    Result<std::vector<ScoredChunk>> hits = (*index)->search({{"banana", 1.0}}, options);
    ASSERT_TRUE(hits);
    EXPECT_EQ(hits->size(), 1u);
    options.top_k = 10;
    options.filter_terms = {filter_term("article", "7")};
    hits = (*index)->search({{"banana", 1.0}}, options);
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 1u);
    Result<std::vector<storage::ChunkRecord>> chunks =
        store->load_chunks(kb_id, {(*hits)[0].chunk_id});
    ASSERT_TRUE(chunks);
    EXPECT_EQ((*chunks)[0].document_id, "d3");
}

TEST(TermCodecTest, RoundTripsAndRejectsTruncation) {
    TermVector vector{5, 2, {{"a", 1, 0}, {"bé", 300, 7}}};
    const std::string blob = encode_term_vector(vector);
    Result<TermVector> back = decode_term_vector(blob);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->terms[1].term, "bé");
    EXPECT_EQ(back->terms[1].body, 300u);
    for (size_t cut = 0; cut < blob.size(); ++cut) {
        EXPECT_FALSE(decode_term_vector(blob.substr(0, cut))) << cut;
    }
    const std::string postings = encode_postings({{0, 1, 0}, {5, 2, 1}, {1000, 1, 0}});
    Result<std::vector<Posting>> decoded = decode_postings(postings);
    ASSERT_TRUE(decoded);
    EXPECT_EQ((*decoded)[2].ordinal, 1000u);
    EXPECT_FALSE(decode_postings(postings.substr(0, postings.size() - 1)));
}

}  // namespace
}  // namespace souverain::retrieval
