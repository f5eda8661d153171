#pragma once
// STAND-IN until the Jinja interpreter lands (branch `jinja`): same API, fallback only.
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace souverain::server {

struct ChatMessage {
    std::string role;
    std::string content;
};

struct ChatTemplateInputs {
    std::vector<ChatMessage> messages;
    bool add_generation_prompt = true;
    std::string bos_token;
    std::string eos_token;
};

class ChatTemplate {
public:
    static Result<ChatTemplate> parse(std::string_view source);
    static const ChatTemplate& fallback();
    Result<std::string> apply(const ChatTemplateInputs& inputs) const;
};

}  // namespace souverain::server
