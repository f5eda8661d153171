// Continuous batching at the engine level: sequences decoded together in one forward pass get
// exactly (bit for bit) the logits they get alone, whatever else shares the batch and however
// their prompts are cut into chunks.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "engine/llama_model.h"
#include "test_models.h"

namespace souverain {
namespace {

std::vector<int32_t> prompt_tokens(int64_t n, int32_t seed, int64_t n_vocab) {
    std::vector<int32_t> tokens((size_t)n);
    for (int64_t idx = 0; idx < n; ++idx) {
        tokens[(size_t)idx] = (int32_t)((seed * 7919 + idx * 104729) % (n_vocab - 3) + 3);
    }
    return tokens;
}

int32_t argmax(const float* logits, int64_t n) {
    int32_t best = 0;
    for (int64_t idx = 1; idx < n; ++idx)
        if (logits[idx] > logits[best]) best = (int32_t)idx;
    return best;
}

// Greedy-decodes `prompt` alone: returns the logits of every step, concatenated.
std::vector<float> decode_alone(const LlamaModel& model, const std::vector<int32_t>& prompt,
                                int n_steps, ThreadPool& pool) {
    auto cache = model.make_cache(128, KvCacheType::F16);
    EXPECT_TRUE(cache.ok());
    std::vector<float> all, logits;
    EXPECT_TRUE(model.forward(prompt, **cache, pool, false, logits).ok());
    const int64_t n_vocab = model.hparams().n_vocab;
    for (int step = 0; step < n_steps; ++step) {
        all.insert(all.end(), logits.begin(), logits.end());
        const int32_t next = argmax(logits.data(), n_vocab);
        EXPECT_TRUE(
            model.forward(std::span<const int32_t>(&next, 1), **cache, pool, false, logits).ok());
    }
    return all;
}

class BatchForward : public ::testing::TestWithParam<const char*> {};

TEST_P(BatchForward, SequencesInOneBatchMatchTheirSoloRunsBitForBit) {
    ThreadPool pool(2);
    auto model = test::make_tiny_model(GetParam(), 7);
    ASSERT_TRUE(model);
    const int64_t n_vocab = model->hparams().n_vocab;
    constexpr int kSeqs = 5;
    constexpr int kSteps = 6;
    // Prompts of different lengths; they are fed in chunks of 3 tokens while the others
    // already decode, so prefill and decode tokens share batches.
    std::vector<std::vector<int32_t>> prompts;
    std::vector<std::vector<float>> expected;
    for (int seq_idx = 0; seq_idx < kSeqs; ++seq_idx) {
        prompts.push_back(prompt_tokens(2 + 5 * seq_idx, seq_idx + 1, n_vocab));
        expected.push_back(decode_alone(*model, prompts.back(), kSteps, pool));
    }

    std::vector<std::unique_ptr<KvCache>> caches;
    for (int seq_idx = 0; seq_idx < kSeqs; ++seq_idx)
        caches.push_back(std::move(model->make_cache(128, KvCacheType::F16)).value());
    std::vector<size_t> fed(kSeqs, 0);     // prompt tokens consumed
    std::vector<int32_t> next(kSeqs, -1);  // token to decode next, once the prompt is in
    std::vector<std::vector<float>> got(kSeqs);
    std::vector<float> logits;
    for (int round = 0; round < 64; ++round) {
        std::vector<SequenceBatch> batch;
        std::vector<int> owners;
        for (int seq_idx = 0; seq_idx < kSeqs; ++seq_idx) {
            if ((int)(got[seq_idx].size() / n_vocab) >= kSteps) continue;
            if (fed[seq_idx] < prompts[seq_idx].size()) {
                const size_t n = std::min<size_t>(3, prompts[seq_idx].size() - fed[seq_idx]);
                const bool last_chunk = fed[seq_idx] + n == prompts[seq_idx].size();
                batch.push_back(
                    {caches[seq_idx].get(),
                     std::span<const int32_t>(prompts[seq_idx].data() + fed[seq_idx], n),
                     last_chunk ? LogitsWanted::LAST : LogitsWanted::NONE});
                fed[seq_idx] += n;
                if (last_chunk) owners.push_back(seq_idx);
            } else {
                batch.push_back({caches[seq_idx].get(), std::span<const int32_t>(&next[seq_idx], 1),
                                 LogitsWanted::LAST});
                owners.push_back(seq_idx);
            }
        }
        if (batch.empty()) break;
        ASSERT_TRUE(model->forward_batch(batch, pool, logits).ok());
        ASSERT_EQ(logits.size(), owners.size() * (size_t)n_vocab);
        for (size_t out_idx = 0; out_idx < owners.size(); ++out_idx) {
            const float* row = logits.data() + out_idx * n_vocab;
            got[owners[out_idx]].insert(got[owners[out_idx]].end(), row, row + n_vocab);
            next[owners[out_idx]] = argmax(row, n_vocab);
        }
    }
    for (int seq_idx = 0; seq_idx < kSeqs; ++seq_idx) {
        ASSERT_EQ(got[seq_idx].size(), expected[seq_idx].size()) << "sequence " << seq_idx;
        EXPECT_EQ(std::memcmp(got[seq_idx].data(), expected[seq_idx].data(),
                              got[seq_idx].size() * sizeof(float)),
                  0)
            << "sequence " << seq_idx << " differs from its solo run";
    }
}

INSTANTIATE_TEST_SUITE_P(Types, BatchForward,
                         ::testing::Values("f32", "f16", "q8_0", "q4_0", "q4_k_m"));

TEST(BatchForwardErrors, RefusesOneCacheTwiceAndLeavesCachesUnchanged) {
    ThreadPool pool(2);
    auto model = test::make_tiny_model("f32", 7);
    ASSERT_TRUE(model);
    auto cache = std::move(model->make_cache(16, KvCacheType::F32).value());
    auto small = std::move(model->make_cache(4, KvCacheType::F32).value());
    const std::vector<int32_t> tokens = {5, 6, 7};
    std::vector<float> logits;
    const SequenceBatch twice[] = {{cache.get(), tokens}, {cache.get(), tokens}};
    EXPECT_FALSE(model->forward_batch(twice, pool, logits).ok());
    const std::vector<int32_t> too_many = {5, 6, 7, 8, 9};
    const SequenceBatch overflow[] = {{cache.get(), tokens}, {small.get(), too_many}};
    auto status = model->forward_batch(overflow, pool, logits);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::OUT_OF_RANGE);
    EXPECT_EQ(cache->n_past(), 0);
    EXPECT_EQ(small->n_past(), 0);
}

}  // namespace
}  // namespace souverain
