#include "engine/sampling.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace souverain {
namespace {

std::vector<float> ramp_logits(int n) {
    std::vector<float> logits((size_t)n);
    for (int idx = 0; idx < n; ++idx) logits[(size_t)idx] = (float)idx * 0.1f;
    return logits;
}

TEST(Sampling, GreedyPicksTheLargestLogit) {
    SamplingParams params;
    params.temperature = 0.0f;
    Sampler sampler(params);
    std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
    EXPECT_EQ(sampler.sample(logits, {}), 1);
    EXPECT_EQ(argmax(logits), 1);
}

TEST(Sampling, SameSeedGivesSameTokensAndDifferentSeedsDiffer) {
    std::vector<float> logits = ramp_logits(100);
    auto draw = [&](uint64_t seed) {
        SamplingParams params;
        params.temperature = 1.5f;
        params.top_k = 0;
        params.top_p = 1.0f;
        params.min_p = 0.0f;
        params.seed = seed;
        Sampler sampler(params);
        std::vector<int32_t> out;
        for (int step = 0; step < 50; ++step) out.push_back(sampler.sample(logits, {}));
        return out;
    };
    EXPECT_EQ(draw(7), draw(7));
    EXPECT_NE(draw(7), draw(8));
}

TEST(Sampling, TopKRestrictsToTheKBest) {
    SamplingParams params;
    params.temperature = 5.0f;  // nearly flat, so the filter does the work
    params.top_k = 3;
    params.top_p = 1.0f;
    params.min_p = 0.0f;
    Sampler sampler(params);
    std::vector<float> logits = ramp_logits(50);
    for (int step = 0; step < 300; ++step) EXPECT_GE(sampler.sample(logits, {}), 47);
}

TEST(Sampling, TopPKeepsTheSmallestSetReachingP) {
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 0;
    params.top_p = 0.5f;
    params.min_p = 0.0f;
    Sampler sampler(params);
    // Probabilities ~ 0.6, 0.3, 0.1: p = 0.5 keeps only the first.
    std::vector<float> logits = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    for (int step = 0; step < 100; ++step) EXPECT_EQ(sampler.sample(logits, {}), 0);
}

TEST(Sampling, MinPDropsUnlikelyTokens) {
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 0;
    params.top_p = 1.0f;
    params.min_p = 0.4f;
    Sampler sampler(params);
    // 0.5, 0.3, 0.2 relative to max 0.5: threshold 0.2 keeps 0 and 1 (0.2 >= 0.2 too).
    std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.1f)};
    std::map<int32_t, int> seen;
    for (int step = 0; step < 400; ++step) seen[sampler.sample(logits, {})]++;
    EXPECT_EQ(seen.count(2), 0u);
    EXPECT_GT(seen[0], 0);
    EXPECT_GT(seen[1], 0);
}

TEST(Sampling, RepetitionPenaltyAvoidsRepeatedTokenUnderGreedy) {
    SamplingParams params;
    params.temperature = 0.0f;
    params.repeat_penalty = 2.0f;
    Sampler sampler(params);
    std::vector<float> logits = {1.0f, 1.5f, 0.2f};
    std::vector<int32_t> history = {1};
    EXPECT_EQ(sampler.sample(logits, history), 0);  // 1.5 / 2 = 0.75 < 1.0
}

TEST(Sampling, FrequencyAndPresencePenaltiesSubtract) {
    SamplingParams params;
    params.temperature = 0.0f;
    params.frequency_penalty = 0.3f;
    params.presence_penalty = 0.0f;
    Sampler sampler(params);
    std::vector<float> logits = {1.0f, 1.5f};
    std::vector<int32_t> history = {1, 1};  // 1.5 - 2 * 0.3 = 0.9 < 1.0
    EXPECT_EQ(sampler.sample(logits, history), 0);
    SamplingParams presence;
    presence.temperature = 0.0f;
    presence.presence_penalty = 0.4f;
    Sampler sampler2(presence);
    std::vector<int32_t> once = {1};  // 1.5 - 0.4 = 1.1 > 1.0
    EXPECT_EQ(sampler2.sample(logits, once), 1);
}

}  // namespace
}  // namespace souverain
