#pragma once
// Turning logits into the next token: penalties over recent tokens, then greedy or
// temperature sampling restricted by top-k, top-p (nucleus) and min-p.
//
// Determinism: the same seed, parameters and logits give the same tokens on every
// platform (our own PRNG-to-float conversion; no std::*_distribution).
// Thread-safety: a Sampler belongs to one sequence and one thread.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace souverain {

struct SamplingParams {
    float temperature = 0.8f;        // <= 0 means greedy (argmax)
    int32_t top_k = 40;              // <= 0 disables
    float top_p = 0.95f;             // >= 1 disables
    float min_p = 0.05f;             // <= 0 disables; keeps tokens with p >= min_p * p_max
    float repeat_penalty = 1.0f;     // 1 disables; divides positive logits, multiplies negative
    int32_t repeat_last_n = 64;      // window of recent tokens the penalties look at
    float frequency_penalty = 0.0f;  // subtracts count * frequency_penalty
    float presence_penalty = 0.0f;   // subtracts presence_penalty once per seen token
    uint64_t seed = 0;
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);

    // Picks the next token from logits F32 [n_vocab]. `history` holds the tokens of the
    // sequence so far (prompt and generated); the penalties read its last repeat_last_n.
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

    const SamplingParams& params() const { return params_; }

private:
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    double next_uniform();  // in [0, 1)

    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<Candidate> candidates_;
};

// Index of the largest logit (lowest index on ties).
int32_t argmax(std::span<const float> logits);

}  // namespace souverain
