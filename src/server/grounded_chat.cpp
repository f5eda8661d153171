#include "server/grounded_chat.h"

namespace souverain::server {

std::vector<ChatMessage> grounded_messages(const std::vector<ChatMessage>& conversation,
                                           const retrieval::GroundedPrompt& prompt,
                                           bool system_role) {
    std::vector<ChatMessage> messages;
    size_t first = 0;
    if (system_role) {
        ChatMessage system{"system", prompt.system};
        if (!conversation.empty() && conversation[0].role == "system") {
            system.content += "\n\n" + conversation[0].content;
            first = 1;
        }
        messages.push_back(std::move(system));
    }
    messages.insert(messages.end(), conversation.begin() + (ptrdiff_t)first, conversation.end());
    if (!messages.empty() && messages.back().role == "user") {
        messages.back().content =
            system_role ? prompt.user : retrieval::merged_user_message(prompt);
    }
    return messages;
}

Result<GroundedTokens> render_grounded(const std::vector<ChatMessage>& conversation,
                                       std::vector<retrieval::RetrievedPassage> passages,
                                       size_t max_prompt_tokens, const RenderChat& render) {
    if (conversation.empty() || conversation.back().role != "user") {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "a grounded answer needs the conversation to end with a user message");
    }
    const std::string& question = conversation.back().content;
    bool system_role = true;
    for (;;) {
        GroundedTokens out;
        out.prompt = retrieval::build_grounded_prompt(question, passages);
        Result<std::vector<int32_t>> tokens =
            render(grounded_messages(conversation, out.prompt, system_role));
        if (!tokens && system_role && tokens.error().code == ErrorCode::INVALID_ARGUMENT) {
            // The template refuses a system role (or something else in this conversation: then
            // the second rendering fails the same way and reports it).
            system_role = false;
            continue;
        }
        if (!tokens) return tokens.error();
        if (tokens->size() <= max_prompt_tokens || passages.empty()) {
            out.tokens = std::move(*tokens);
            return out;
        }
        passages.pop_back();
    }
}

}  // namespace souverain::server
