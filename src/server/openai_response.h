#pragma once
// Response bodies of the OpenAI-compatible API, serialized as the official clients expect
// them: chat.completion / chat.completion.chunk and text_completion objects, with usage and
// logprobs in OpenAI's shapes (they differ between the chat and the legacy endpoint).
//
// Token texts may be partial UTF-8 characters; invalid bytes are written as U+FFFD so the
// JSON stays valid (the raw bytes are in the chat format's "bytes" arrays).
//
// Thread-safety: pure functions.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "server/request_channel.h"

namespace souverain::server {

struct Usage {
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
};

struct ChoiceResult {
    std::string text;
    FinishReason finish_reason = FinishReason::STOP;
    std::vector<TokenLogprob> logprobs;
    // AI-Act disclosure of this choice's text ({"generated": true, "receipt": {...}},
    // governance/receipt.h); null when the server does not disclose (no governance set up).
    nlohmann::json ai_disclosure;
};

// What every object of one response shares.
struct ResponseHeader {
    std::string id;  // "chatcmpl-..." or "cmpl-..."
    int64_t created = 0;
    std::string model;
};

// A fresh id with the given prefix and 24 random hex digits.
std::string make_response_id(const std::string& prefix);

// `citations` (answers grounded in knowledge bases): a top-level "citations" array.
// Disclosure: each choice carries its own "ai_disclosure" (its receipt covers that choice's
// text), and the body's top-level "ai_disclosure" repeats the first choice's, so that a body
// with one choice is itself a verifiable receipt (`souverain receipt verify BODY.json`).
std::string chat_completion_body(const ResponseHeader& header,
                                 const std::vector<ChoiceResult>& choices, bool with_logprobs,
                                 const Usage& usage, const nlohmann::json* citations = nullptr);
std::string text_completion_body(const ResponseHeader& header,
                                 const std::vector<ChoiceResult>& choices, bool with_logprobs,
                                 const Usage& usage);

// One streamed chunk for one choice. `role` only in a chat stream's first chunk, and
// `citations` only in the first chunk of a grounded answer; `finish` only in a choice's last one.
// usage_null: the request asked for usage, so every chunk but the last carries "usage": null.
struct ChunkContent {
    int32_t choice = 0;
    bool role = false;
    std::string text;
    const std::vector<TokenLogprob>* logprobs = nullptr;  // null: "logprobs": null
    std::optional<FinishReason> finish;
    const nlohmann::json* citations = nullptr;  // a top-level "citations" array (chat only)
    // A top-level "ai_disclosure" object: in a choice's finish chunk, covering the whole text
    // of that choice as streamed.
    const nlohmann::json* ai_disclosure = nullptr;
};
std::string chat_chunk(const ResponseHeader& header, const ChunkContent& content, bool usage_null);
std::string text_chunk(const ResponseHeader& header, const ChunkContent& content, bool usage_null);
// The last chunk when stream_options.include_usage is set: no choices, the usage.
std::string usage_chunk(const ResponseHeader& header, bool chat, const Usage& usage);

}  // namespace souverain::server
