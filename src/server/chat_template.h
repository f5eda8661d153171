#pragma once
// Chat templates: the Jinja2 templates models ship in their GGUF metadata
// (`tokenizer.chat_template`) that turn a conversation into the prompt text the model was
// trained on. Rendered by our own interpreter (server/jinja/), with the settings Hugging Face
// uses (trim_blocks, lstrip_blocks, raise_exception, tojson) so that a template gives the same
// text here as in transformers.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "engine/vocab.h"

namespace souverain::server {

namespace jinja {
struct Stmt;
}

struct ChatMessage {
    std::string role;
    std::string content;
};

struct ChatTemplateInputs {
    std::vector<ChatMessage> messages;
    bool add_generation_prompt = true;
    std::string bos_token;  // the model's BOS/EOS token texts, as templates reference them
    std::string eos_token;
};

class ChatTemplate {
public:
    // Parses a template; a syntax error is an Error (ErrorCode::FORMAT) naming line and column.
    static Result<ChatTemplate> parse(std::string_view source);

    // The template used when a model ships none: ChatML
    // ("<|im_start|>role\ncontent<|im_end|>\n" per message, then "<|im_start|>assistant\n").
    // It is what transformers used as its default template and what llama.cpp falls back to,
    // it marks roles unambiguously, and it needs no BOS/EOS text, so it degrades gracefully on
    // models trained with another format.
    static const ChatTemplate& fallback();

    // Renders the conversation. raise_exception("msg") in the template becomes an Error with
    // ErrorCode::INVALID_ARGUMENT whose message is the template's message; runtime errors
    // (undefined filter, type errors) are ErrorCode::FORMAT; a template that exceeds the work,
    // output or recursion limits is ErrorCode::OUT_OF_RANGE.
    // Thread-safe: const, may run concurrently on one parsed template.
    Result<std::string> apply(const ChatTemplateInputs& inputs) const;

    // The template text this was parsed from.
    const std::string& source() const { return *source_; }

    // Copyable and movable; copies share the immutable parsed tree.

private:
    ChatTemplate(std::shared_ptr<const std::string> source, std::shared_ptr<const jinja::Stmt> root)
        : source_(std::move(source)), root_(std::move(root)) {}

    std::shared_ptr<const std::string> source_;
    std::shared_ptr<const jinja::Stmt> root_;
};

// A conversation as prompt tokens: rendered with `chat_template` (the vocabulary's BOS and
// EOS texts given to it, the generation prompt added) and tokenized with special-token texts
// parsed; BOS is added unless the template wrote it itself (no double BOS).
Result<std::vector<int32_t>> render_chat_tokens(const ChatTemplate& chat_template,
                                                const Vocab& vocab,
                                                const std::vector<ChatMessage>& messages);

}  // namespace souverain::server
