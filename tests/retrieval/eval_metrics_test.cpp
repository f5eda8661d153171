#include "retrieval/eval_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "test_paths.h"

namespace souverain::retrieval {
namespace {

TEST(EvalMetricsTest, HandComputedRanking) {
    // Relevant {a, b, c}; ranked a (hit), x, b (hit), y.
    const RetrievalMetrics m =
        evaluate_ranking({"a", "x", "b", "y"}, {{"a", 1}, {"b", 1}, {"c", 1}});
    EXPECT_NEAR(m.recall_10, 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(m.recall_100, 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(m.mrr_10, 1.0, 1e-12);
    EXPECT_NEAR(m.map_10, (1.0 + 2.0 / 3.0) / 3.0, 1e-12);  // 0.5556
    // DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.1309
    EXPECT_NEAR(m.ndcg_10, 1.5 / (1.0 + 1.0 / std::log2(3.0) + 0.5), 1e-12);
}

TEST(EvalMetricsTest, HitsBeyondTenCountOnlyForRecallAt100) {
    std::vector<std::string> ranking;
    for (int i = 0; i < 20; ++i) ranking.push_back("n" + std::to_string(i));
    ranking[14] = "gold";  // rank 15
    const RetrievalMetrics m = evaluate_ranking(ranking, {{"gold", 1}, {"missing", 1}});
    EXPECT_EQ(m.recall_10, 0.0);
    EXPECT_EQ(m.mrr_10, 0.0);
    EXPECT_EQ(m.ndcg_10, 0.0);
    EXPECT_NEAR(m.recall_100, 0.5, 1e-12);  // the label missing from the corpus still counts
}

TEST(EvalMetricsTest, QueriesWithoutHitsCountAsZero) {
    const RetrievalMetrics none = evaluate_ranking({"x"}, {{"absent", 1}});
    const RetrievalMetrics first = evaluate_ranking({"a"}, {{"a", 1}});
    const RetrievalMetrics mean = mean_metrics({none, first});
    EXPECT_NEAR(mean.recall_10, 0.5, 1e-12);
    EXPECT_NEAR(mean.mrr_10, 0.5, 1e-12);
    EXPECT_NEAR(mean.ndcg_10, 0.5, 1e-12);
}

TEST(EvalMetricsTest, ReadsBeirFiles) {
    const std::string dir = test::make_temp_dir("eval_metrics_beir");
    std::ofstream(dir + "/q.jsonl") << "{\"_id\": \"q1\", \"text\": \"Miete\"}\n\n"
                                       "{\"_id\": \"q2\", \"text\": \"Kauf\"}\n";
    std::ofstream(dir + "/qrels.tsv") << "query-id\tcorpus-id\tscore\nq1\t§ 1\t1\nq1\t§ 2\t1\n";
    Result<std::vector<BeirQuery>> queries = read_beir_queries(dir + "/q.jsonl");
    ASSERT_TRUE(queries) << queries.error().message;
    ASSERT_EQ(queries->size(), 2u);
    EXPECT_EQ((*queries)[1].text, "Kauf");
    Result<Qrels> qrels = read_beir_qrels(dir + "/qrels.tsv");
    ASSERT_TRUE(qrels) << qrels.error().message;
    EXPECT_EQ(qrels->at("q1").size(), 2u);
    std::ofstream(dir + "/bad.jsonl") << "{\"_id\": \"q1\", \"te";
    EXPECT_FALSE(read_beir_queries(dir + "/bad.jsonl"));
}

}  // namespace
}  // namespace souverain::retrieval
