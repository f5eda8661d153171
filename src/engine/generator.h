#pragma once
// Text generation for one sequence: tokenize the prompt, prefill it in one batch, then
// sample token by token until EOS, a stop string, max tokens or a full context.
//
// Thread-safety: one generation at a time per cache; the model may be shared.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/kv_cache.h"
#include "engine/llama_model.h"
#include "engine/sampling.h"

namespace souverain {

enum class FinishReason { STOP, LENGTH };  // STOP: EOS or a stop string; LENGTH: a limit

const char* finish_reason_name(FinishReason reason);  // "stop" / "length" as OpenAI names them

struct GenerateParams {
    SamplingParams sampling;
    int32_t max_tokens = 128;       // < 0: until the context is full
    std::vector<std::string> stop;  // generation ends before the first occurrence of any
    bool parse_special = true;      // special-token text in the prompt becomes those tokens
};

struct GenerateResult {
    std::string text;             // generated text, stop string excluded
    std::vector<int32_t> tokens;  // generated tokens (including one that completed a stop)
    int32_t n_prompt_tokens = 0;
    FinishReason finish_reason = FinishReason::LENGTH;
    double prefill_seconds = 0.0;
    double decode_seconds = 0.0;
};

// Holds back text that might be the start of a stop string, so a stop string is never
// shown to the user, even when it arrives split over several tokens.
class StopStringFilter {
public:
    explicit StopStringFilter(std::vector<std::string> stops);
    // Adds text; returns what is safe to emit now. After a stop string is found, stopped()
    // is true and the text before it has been emitted.
    std::string push(std::string_view text);
    std::string flush();  // text held back at the end of generation
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string pending_;
    bool stopped_ = false;
};

// Runs one generation from an empty cache. on_text receives text pieces as they are
// decided (UTF-8 complete); returning false cancels (finish reason STOP).
Result<GenerateResult> generate(const LlamaModel& model, ThreadPool& pool, KvCache& cache,
                                std::string_view prompt, const GenerateParams& params,
                                const std::function<bool(std::string_view)>& on_text);

// The same from prompt tokens the caller made (a chat template's text, tokenized with the BOS
// rule that template needs); `params.parse_special` does not apply.
Result<GenerateResult> generate_from_tokens(const LlamaModel& model, ThreadPool& pool,
                                            KvCache& cache, std::vector<int32_t> prompt,
                                            const GenerateParams& params,
                                            const std::function<bool(std::string_view)>& on_text);

}  // namespace souverain
