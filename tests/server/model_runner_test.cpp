// The inference loop: continuous batching gives every job the output it gets alone, a
// cancelled job frees its slot at once, and a full queue refuses instead of growing.
#include "server/model_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test_models.h"

namespace souverain::server {
namespace {

using namespace std::chrono_literals;

GenerationJob greedy_job(const LlamaModel& model, const std::string& prompt, int32_t max_tokens,
                         std::shared_ptr<RequestChannel> channel) {
    GenerationJob job;
    job.prompt = model.vocab().tokenize(prompt, true, false);
    job.sampling.temperature = 0.0f;
    job.max_tokens = max_tokens;
    job.ignore_eos = true;
    job.channel = std::move(channel);
    job.submitted_at = std::chrono::steady_clock::now();
    return job;
}

// Collects a channel's text until DONE (or ERROR, which fails the test).
std::string collect(RequestChannel& channel, int32_t* n_completion = nullptr) {
    std::string text;
    GenerationEvent event;
    for (;;) {
        if (!channel.pop(event, 60s)) {
            ADD_FAILURE() << "no event within 60 s";
            return text;
        }
        if (event.kind == GenerationEvent::Kind::TEXT) text += event.text;
        if (event.kind == GenerationEvent::Kind::ERROR) {
            ADD_FAILURE() << event.error.message;
            return text;
        }
        if (event.kind == GenerationEvent::Kind::DONE) {
            if (n_completion) *n_completion = event.n_completion_tokens;
            return text;
        }
    }
}

RunnerOptions small_options(int32_t n_slots) {
    RunnerOptions options;
    options.n_slots = n_slots;
    options.n_ctx = 256;
    options.n_threads = 2;
    options.n_batch = 64;
    options.n_prefill_chunk = 5;  // prompts are cut into chunks while others decode
    return options;
}

class ModelRunnerBatching : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelRunnerBatching, ConcurrentGreedyJobsMatchTheirSoloRuns) {
    Metrics metrics;
    std::unique_ptr<LlamaModel> model = test::make_tiny_model(GetParam(), 11);
    ASSERT_TRUE(model);
    auto created = ModelRunner::create("tiny", std::move(model), small_options(8), metrics);
    ASSERT_TRUE(created.ok());
    ModelRunner& runner = **created;
    const std::vector<std::string> prompts = {
        "Moien",
        "Bonjour à tous, comment allez-vous aujourd'hui ?",
        "Guten Tag",
        "The law of 8 June 2004 on the freedom of expression in the media",
        "a",
        "Wéi geet et?",
        "1 2 3 4 5 6 7 8 9 10 11 12",
        "Article 1er. Le présent règlement"};
    std::vector<std::string> solo;
    for (const std::string& prompt : prompts) {
        auto channel = std::make_shared<RequestChannel>();
        std::vector<GenerationJob> jobs;
        jobs.push_back(greedy_job(runner.model(), prompt, 12, channel));
        ASSERT_TRUE(runner.submit(std::move(jobs)));
        int32_t n_completion = 0;
        solo.push_back(collect(*channel, &n_completion));
        EXPECT_EQ(n_completion, 12);
    }
    std::vector<std::shared_ptr<RequestChannel>> channels;
    for (const std::string& prompt : prompts) {
        channels.push_back(std::make_shared<RequestChannel>());
        std::vector<GenerationJob> jobs;
        jobs.push_back(greedy_job(runner.model(), prompt, 12, channels.back()));
        ASSERT_TRUE(runner.submit(std::move(jobs)));
        std::this_thread::sleep_for(3ms);  // arrivals while the others already run
    }
    for (size_t idx = 0; idx < prompts.size(); ++idx) {
        EXPECT_EQ(collect(*channels[idx]), solo[idx]) << "prompt " << idx;
    }
}

// A slot that keeps the keys and values of its last sequence serves the next job sharing a
// prefix from them: the outputs are those of runs that compute every prompt from scratch.
TEST_P(ModelRunnerBatching, ReusedPromptPrefixesChangeNoOutput) {
    const std::string system = "Du bass en Assistent vum Staat. Äntwert kuerz a präzis. ";
    auto run_all = [&](bool reuse, Metrics& metrics) {
        std::unique_ptr<LlamaModel> model = test::make_tiny_model(GetParam(), 11);
        EXPECT_TRUE(model);
        RunnerOptions options = small_options(1);  // one slot: every job meets the last one
        options.reuse_prompt_prefix = reuse;
        auto created = ModelRunner::create("tiny", std::move(model), options, metrics);
        EXPECT_TRUE(created.ok());
        ModelRunner& runner = **created;
        std::vector<std::string> outputs;
        auto ask = [&](const std::string& prompt) {
            auto channel = std::make_shared<RequestChannel>();
            std::vector<GenerationJob> jobs;
            jobs.push_back(greedy_job(runner.model(), prompt, 10, channel));
            EXPECT_TRUE(runner.submit(std::move(jobs)));
            outputs.push_back(collect(*channel));
            return outputs.back();
        };
        const std::string first = system + "Wéi vill Gemengen huet Lëtzebuerg?";
        const std::string answer = ask(first);
        ask(system + "Wat ass d'Haaptstad?");           // shares the system prompt
        ask(first);                                     // the same prompt again
        ask(first + answer + " A wéi vill Kantonen?");  // the next turn of the first chat
        ask("Ganz eppes anescht");                      // nothing in common
        return outputs;
    };
    Metrics from_scratch_metrics;
    Metrics reuse_metrics;
    const std::vector<std::string> from_scratch = run_all(false, from_scratch_metrics);
    const std::vector<std::string> reused = run_all(true, reuse_metrics);
    ASSERT_EQ(reused.size(), from_scratch.size());
    for (size_t idx = 0; idx < reused.size(); ++idx)
        EXPECT_EQ(reused[idx], from_scratch[idx]) << idx;
    auto cached_tokens = [](const Metrics& metrics) -> long long {
        const std::string text = metrics.render({});
        const std::string key = "souverain_prompt_tokens_cached_total{model=\"tiny\"} ";
        const size_t at = text.find(key);
        return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size()));
    };
    EXPECT_GT(cached_tokens(reuse_metrics), 20);
    EXPECT_EQ(cached_tokens(from_scratch_metrics), 0);
}

INSTANTIATE_TEST_SUITE_P(Types, ModelRunnerBatching, ::testing::Values("q4_k_m", "q4_0", "f16"));

TEST(ModelRunner, CancelledJobFreesItsSlotAtOnce) {
    Metrics metrics;
    std::unique_ptr<LlamaModel> model = test::make_tiny_model("q4_k_m", 11);
    ASSERT_TRUE(model);
    auto created = ModelRunner::create("tiny", std::move(model), small_options(1), metrics);
    ASSERT_TRUE(created.ok());
    ModelRunner& runner = **created;
    auto channel = std::make_shared<RequestChannel>();
    std::vector<GenerationJob> jobs;
    jobs.push_back(greedy_job(runner.model(), "long", 200, channel));
    ASSERT_TRUE(runner.submit(std::move(jobs)));
    GenerationEvent event;
    ASSERT_TRUE(channel->pop(event, 60s));  // it is generating
    EXPECT_EQ(runner.stats().active_slots, 1);
    channel->cancel();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (runner.stats().active_slots != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(runner.stats().active_slots, 0);
    EXPECT_TRUE(runner.idle());
}

TEST(ModelRunner, FullQueueRefusesAndStopEndsWaitingJobsWithAnError) {
    Metrics metrics;
    RunnerOptions options = small_options(1);
    options.max_queue = 1;
    std::unique_ptr<LlamaModel> model = test::make_tiny_model("q4_k_m", 11);
    ASSERT_TRUE(model);
    auto created = ModelRunner::create("tiny", std::move(model), options, metrics);
    ASSERT_TRUE(created.ok());
    ModelRunner& runner = **created;
    std::vector<std::shared_ptr<RequestChannel>> channels;
    auto submit = [&] {
        channels.push_back(std::make_shared<RequestChannel>());
        std::vector<GenerationJob> jobs;
        jobs.push_back(greedy_job(runner.model(), "x", 200, channels.back()));
        return runner.submit(std::move(jobs));
    };
    EXPECT_TRUE(submit());   // takes the slot
    EXPECT_TRUE(submit());   // waits in the queue
    EXPECT_FALSE(submit());  // nowhere to go
    runner.stop();
    for (size_t idx = 0; idx < 2; ++idx) {
        GenerationEvent event;
        bool got_error = false;
        while (channels[idx]->pop(event, 1s)) {
            if (event.kind == GenerationEvent::Kind::ERROR) got_error = true;
        }
        EXPECT_TRUE(got_error) << "job " << idx;
    }
}

}  // namespace
}  // namespace souverain::server
