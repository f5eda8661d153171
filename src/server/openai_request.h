#pragma once
// The edge of the OpenAI-compatible API: request bodies parsed and validated into plain
// structs, before anything reaches the inference loop. Every rule a body can break gives an
// ApiError naming the field (`param`) and the reason; nothing here throws or touches a model.
//
// Fields follow the OpenAI reference for /v1/chat/completions and /v1/completions. Fields
// that OpenAI defines but we do not implement are refused when they would change the output
// (tools, logit_bias, response_format other than text) and ignored when they do not (user,
// store, metadata, service_tier, parallel_tool_calls). Unknown fields are refused (422), so a
// typo such as "max_token" never passes silently. Extensions that llama.cpp and vLLM accept
// are accepted too: top_k, min_p, repeat_penalty, ignore_eos (benchmarks need a fixed length).
// Ours: "knowledge_bases" (names, 1 to 8) and "retrieval" ({"top_k": 1..20}) on chat requests.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/api_error.h"
#include "server/chat_template.h"

namespace souverain::server {

// What both endpoints share: the model, the sampling and the shape of the answer.
struct GenerationOptions {
    std::string model;
    std::optional<int32_t> max_tokens;  // absent: until the context is full
    float temperature = 1.0f;           // 0: greedy
    float top_p = 1.0f;
    int32_t top_k = 0;            // extension; 0 disables
    float min_p = 0.0f;           // extension; 0 disables
    float repeat_penalty = 1.0f;  // extension; 1 disables
    bool ignore_eos = false;      // extension (as vLLM): generate max_tokens whatever comes
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    std::optional<uint64_t> seed;
    std::vector<std::string> stop;
    int32_t n = 1;  // choices per request
    bool logprobs = false;
    int32_t top_logprobs = 0;  // alternatives listed per token, 0..20
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
};

struct ChatCompletionRequest {
    GenerationOptions options;
    std::vector<ChatMessage> messages;
    // Extension: answer from these knowledge bases. The last message (then required to be the
    // user's) is the query; the answer comes with top-level "citations" (kb_routes.h).
    std::vector<std::string> knowledge_bases;
    int32_t retrieval_top_k = 4;  // "retrieval": {"top_k": K}, passages put in the prompt
};

struct CompletionRequest {
    GenerationOptions options;
    // The prompt as text, or as token ids (both are allowed by the API).
    std::variant<std::string, std::vector<int32_t>> prompt;
    bool echo = false;
};

inline constexpr int32_t kMaxChoices = 16;
inline constexpr int32_t kMaxTopLogprobs = 20;
inline constexpr size_t kMaxStopStrings = 4;
inline constexpr size_t kMaxKnowledgeBases = 8;
inline constexpr int32_t kMaxRetrievalTopK = 20;

// Parse a body. 400 for invalid JSON or a value out of its range, 422 for a wrong type or an
// unknown or missing field.
std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(std::string_view body);
std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body);

}  // namespace souverain::server
