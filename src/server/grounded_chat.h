#pragma once
// A conversation turned into a grounded prompt for a chat model (the retrieved passages
// placed, the model's template applied), shared by POST /v1/chat/completions with
// "knowledge_bases" and by `souverain ask --model`.
//
// Placement: the instructions (retrieval/grounded_answer.h) become the system message, ahead
// of the conversation's own system message if it has one; the last user message becomes the
// numbered sources followed by the question. Templates without a system role (Mistral v0.1
// raises an exception on one) get the instructions at the head of the last user message
// instead: the first rendering refused with INVALID_ARGUMENT (raise_exception) is retried
// that way.
//
// Fitting the context: while the prompt is longer than `max_prompt_tokens`, the weakest
// passage is dropped and the prompt built again, so that the answer keeps the sources that
// fit (and its citations list exactly those). Without any passage left the prompt is returned
// as it is, and the caller's context check reports it.
//
// Thread-safety: pure functions (the render callback decides for itself).
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "retrieval/grounded_answer.h"
#include "server/chat_template.h"

namespace souverain::server {

// The conversation with the grounded prompt in place (see above). `conversation` must end
// with a user message.
std::vector<ChatMessage> grounded_messages(const std::vector<ChatMessage>& conversation,
                                           const retrieval::GroundedPrompt& prompt,
                                           bool system_role);

// Messages → prompt tokens (chat template + tokenizer); its Errors are the template's.
using RenderChat = std::function<Result<std::vector<int32_t>>(const std::vector<ChatMessage>&)>;

struct GroundedTokens {
    std::vector<int32_t> tokens;
    retrieval::GroundedPrompt prompt;  // its citations are the passages that were kept
};

// The question is the content of the conversation's last (user) message; `passages` best first.
Result<GroundedTokens> render_grounded(const std::vector<ChatMessage>& conversation,
                                       std::vector<retrieval::RetrievedPassage> passages,
                                       size_t max_prompt_tokens, const RenderChat& render);

}  // namespace souverain::server
