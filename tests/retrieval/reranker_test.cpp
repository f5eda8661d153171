// The rerank stage with a stand-in cross-encoder (the model itself is checked against the
// NumPy reference in tests/cli/rerank_reference_test.sh): the order, the cut, the scores kept,
// ties, and a reranker that answers with the wrong number of scores.
#include "retrieval/reranker.h"

#include <gtest/gtest.h>

#include <map>

namespace souverain::retrieval {
namespace {

// Scores a passage by a table; counts the passages it was asked about.
class TableReranker final : public Reranker {
public:
    explicit TableReranker(std::map<std::string, double> table, bool drop_one = false)
        : table_(std::move(table)), drop_one_(drop_one) {}
    std::string model_name() const override { return "table"; }
    Result<std::vector<double>> score(std::string_view query,
                                      std::span<const std::string> passages) override {
        last_query = std::string(query);
        n_scored += passages.size();
        std::vector<double> scores;
        for (const std::string& passage : passages) scores.push_back(table_.at(passage));
        if (drop_one_ && !scores.empty()) scores.pop_back();
        return scores;
    }
    std::string last_query;
    size_t n_scored = 0;

private:
    std::map<std::string, double> table_;
    bool drop_one_;
};

std::vector<SearchHit> candidates(const std::vector<std::string>& texts) {
    std::vector<SearchHit> hits;
    for (size_t idx = 0; idx < texts.size(); ++idx) {
        SearchHit hit;
        hit.chunk.chunk_id = (int64_t)idx + 1;
        hit.chunk.text = texts[idx];
        hit.score = 10.0 - (double)idx;  // first-stage order
        hits.push_back(hit);
    }
    return hits;
}

TEST(RerankHits, OrdersByTheModelsScoreAndKeepsTheFirstStageScore) {
    TableReranker reranker({{"a", 0.1}, {"b", 2.5}, {"c", -1.0}, {"d", 0.7}});
    Result<std::vector<SearchHit>> hits =
        rerank_hits(reranker, "query", candidates({"a", "b", "c", "d"}), 3);
    ASSERT_TRUE(hits) << hits.error().message;
    ASSERT_EQ(hits->size(), 3u);
    EXPECT_EQ(reranker.last_query, "query");
    EXPECT_EQ(reranker.n_scored, 4u);  // every candidate is read, then the top 3 kept
    EXPECT_EQ((*hits)[0].chunk.text, "b");
    EXPECT_EQ((*hits)[1].chunk.text, "d");
    EXPECT_EQ((*hits)[2].chunk.text, "a");
    EXPECT_DOUBLE_EQ((*hits)[0].score, 2.5);
    ASSERT_TRUE((*hits)[0].first_stage_score.has_value());
    EXPECT_DOUBLE_EQ(*(*hits)[0].first_stage_score, 9.0);
    EXPECT_DOUBLE_EQ(*(*hits)[2].first_stage_score, 10.0);
}

TEST(RerankHits, TiesKeepTheFirstStageOrder) {
    TableReranker reranker({{"x", 1.0}, {"y", 1.0}, {"z", 3.0}});
    Result<std::vector<SearchHit>> hits =
        rerank_hits(reranker, "q", candidates({"x", "y", "z"}), 10);
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 3u);
    EXPECT_EQ((*hits)[0].chunk.text, "z");
    EXPECT_EQ((*hits)[1].chunk.text, "x");
    EXPECT_EQ((*hits)[2].chunk.text, "y");
}

TEST(RerankHits, NoCandidatesAskNothing) {
    TableReranker reranker({});
    Result<std::vector<SearchHit>> hits = rerank_hits(reranker, "q", {}, 5);
    ASSERT_TRUE(hits);
    EXPECT_TRUE(hits->empty());
    EXPECT_EQ(reranker.n_scored, 0u);
}

TEST(RerankHits, AWrongNumberOfScoresIsAnError) {
    TableReranker reranker({{"a", 1.0}, {"b", 2.0}}, /*drop_one=*/true);
    Result<std::vector<SearchHit>> hits = rerank_hits(reranker, "q", candidates({"a", "b"}), 5);
    ASSERT_FALSE(hits);
    EXPECT_EQ(hits.error().code, ErrorCode::INTERNAL);
}

TEST(SearchJson, FirstStageScoreOnlyAfterARerank) {
    SearchHit hit;
    hit.score = 1.5;
    EXPECT_FALSE(search_hit_json(hit).contains("first_stage_score"));
    hit.first_stage_score = 12.0;
    EXPECT_DOUBLE_EQ(search_hit_json(hit)["first_stage_score"].get<double>(), 12.0);
}

TEST(OpenReranker, RefusesAMissingFile) {
    Result<std::unique_ptr<Reranker>> reranker = open_reranker("/nonexistent/rr.gguf", 1);
    ASSERT_FALSE(reranker);
    EXPECT_NE(reranker.error().message.find("/nonexistent/rr.gguf"), std::string::npos);
}

}  // namespace
}  // namespace souverain::retrieval
