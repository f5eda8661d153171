// The encoder's inference loop: concurrent requests get exactly the vectors the model gives
// each of them alone, whatever they were batched with.
#include "server/embedding_runner.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_models.h"

namespace souverain::server {
namespace {

TEST(EmbeddingRunner, ConcurrentJobsGetTheVectorsOfTheirOwnInputs) {
    std::unique_ptr<BertModel> model = test::make_tiny_bert("q8_0", "mean");
    ASSERT_TRUE(model);
    const BertModel& bert = *model;
    const std::vector<std::string> texts = {"one", "two words", "three words here",
                                            "a rather longer fourth input text", "fifth"};
    // What each text gives alone, computed before the runner owns the model.
    std::vector<std::vector<float>> alone;
    {
        ThreadPool pool(2);
        for (const std::string& text : texts) {
            auto vectors = bert.embed(std::span<const std::string>(&text, 1), pool);
            ASSERT_TRUE(vectors.ok());
            alone.push_back((*vectors)[0]);
        }
    }
    EmbeddingRunnerOptions options;
    options.n_threads = 2;
    EmbeddingRunner runner("bert", std::move(model), options);
    const int n_requests = 8;
    std::vector<Result<std::vector<std::vector<float>>>> results(
        n_requests, make_error(ErrorCode::INTERNAL, "not run"));
    std::vector<std::thread> clients;
    for (int request_idx = 0; request_idx < n_requests; ++request_idx) {
        clients.emplace_back([&, request_idx] {
            EmbeddingJob job;
            // Request r asks for texts r % 5 and (r + 2) % 5.
            for (int offset : {0, 2}) {
                job.inputs.push_back(runner.model().tokenize(texts[(request_idx + offset) % 5]));
            }
            auto answer = job.result.get_future();
            if (!runner.submit(job)) return;
            results[(size_t)request_idx] = answer.get();
        });
    }
    for (std::thread& client : clients) client.join();
    for (int request_idx = 0; request_idx < n_requests; ++request_idx) {
        const auto& result = results[(size_t)request_idx];
        ASSERT_TRUE(result.ok()) << result.error().message;
        ASSERT_EQ(result->size(), 2u);
        EXPECT_EQ((*result)[0], alone[(size_t)(request_idx % 5)]) << request_idx;
        EXPECT_EQ((*result)[1], alone[(size_t)((request_idx + 2) % 5)]) << request_idx;
    }
    EXPECT_EQ(runner.n_inputs(), 2 * n_requests);
    EXPECT_LE(runner.n_batches(), n_requests);
    EXPECT_TRUE(runner.idle());
}

TEST(EmbeddingRunner, RefusesJobsOnceDrainingAndAfterStop) {
    std::unique_ptr<BertModel> model = test::make_tiny_bert("f32", "cls");
    ASSERT_TRUE(model);
    EmbeddingRunner runner("bert", std::move(model), {});
    runner.begin_drain();
    EmbeddingJob job;
    job.inputs = {{101, 102}};
    EXPECT_FALSE(runner.submit(job));
    EXPECT_EQ(job.inputs.size(), 1u);  // a refused job is left to the caller
    runner.stop();
    EXPECT_FALSE(runner.submit(job));
}

}  // namespace
}  // namespace souverain::server
