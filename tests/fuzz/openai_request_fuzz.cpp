// libFuzzer target for the request edge of the OpenAI API: any body either parses into a
// request that satisfies the documented invariants or is refused with an OpenAI-style error
// whose status is one the API documents and whose body is valid JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "server/openai_request.h"

namespace {

using namespace souverain::server;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

void check_error(const ApiError& error) {
    check(error.status == 400 || error.status == 422);
    check(!error.message.empty());
    const nlohmann::json body = nlohmann::json::parse(error.body(), nullptr, false);
    check(!body.is_discarded() && body.contains("error") && body["error"].contains("message"));
}

void check_options(const GenerationOptions& options) {
    check(!options.model.empty());
    check(!options.max_tokens || *options.max_tokens >= 1);
    check(options.temperature >= 0.0f && options.temperature <= 2.0f);
    check(options.top_p >= 0.0f && options.top_p <= 1.0f);
    check(options.n >= 1 && options.n <= kMaxChoices);
    check(options.top_logprobs >= 0 && options.top_logprobs <= kMaxTopLogprobs);
    check(options.stop.size() <= kMaxStopStrings);
    for (const auto& stop : options.stop) check(!stop.empty());
    check(!options.include_usage || options.stream);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto chat = parse_chat_completion_request(body);
    if (auto* error = std::get_if<ApiError>(&chat)) {
        check_error(*error);
    } else {
        const ChatCompletionRequest& request = std::get<ChatCompletionRequest>(chat);
        check_options(request.options);
        check(!request.messages.empty());
        for (const auto& message : request.messages) {
            check(message.role == "system" || message.role == "user" ||
                  message.role == "assistant");
        }
        check(request.knowledge_bases.size() <= kMaxKnowledgeBases);
        for (const auto& name : request.knowledge_bases) check(!name.empty());
        check(request.knowledge_bases.empty() || request.messages.back().role == "user");
        check(request.retrieval_top_k >= 1 && request.retrieval_top_k <= kMaxRetrievalTopK);
    }
    auto completion = parse_completion_request(body);
    if (auto* error = std::get_if<ApiError>(&completion)) {
        check_error(*error);
    } else {
        const CompletionRequest& request = std::get<CompletionRequest>(completion);
        check_options(request.options);
        if (auto* ids = std::get_if<std::vector<int32_t>>(&request.prompt)) {
            for (int32_t id : *ids) check(id >= 0);
        }
    }
    return 0;
}
