#include "server/chat_template.h"

namespace souverain::server {

Result<ChatTemplate> ChatTemplate::parse(std::string_view) {
    return ChatTemplate();
}

const ChatTemplate& ChatTemplate::fallback() {
    static const ChatTemplate instance;
    return instance;
}

Result<std::string> ChatTemplate::apply(const ChatTemplateInputs& inputs) const {
    std::string out;
    for (const ChatMessage& message : inputs.messages) {
        out += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n";
    }
    if (inputs.add_generation_prompt) out += "<|im_start|>assistant\n";
    return out;
}

}  // namespace souverain::server
