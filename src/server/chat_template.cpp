#include "server/chat_template.h"

#include "server/jinja/interpreter.h"
#include "server/jinja/parser.h"

namespace souverain::server {

namespace {

constexpr std::string_view CHATML_TEMPLATE =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

Result<ChatTemplate> ChatTemplate::parse(std::string_view source) {
    auto root = jinja::parse_template(source);
    if (!root.ok()) return root.error();
    return ChatTemplate(std::make_shared<const std::string>(source),
                        std::shared_ptr<const jinja::Stmt>(std::move(*root)));
}

const ChatTemplate& ChatTemplate::fallback() {
    static const ChatTemplate chatml = [] {
        auto parsed = parse(CHATML_TEMPLATE);
        assert(parsed.ok());
        return std::move(*parsed);
    }();
    return chatml;
}

Result<std::string> ChatTemplate::apply(const ChatTemplateInputs& inputs) const {
    using jinja::Value;
    jinja::ValueList messages;
    messages.reserve(inputs.messages.size());
    for (const ChatMessage& m : inputs.messages) {
        jinja::ValueDict d;
        d.set("role", Value::string(m.role));
        d.set("content", Value::string(m.content));
        messages.push_back(Value::dict(std::move(d)));
    }
    jinja::ValueDict variables;
    variables.set("messages", Value::list(std::move(messages)));
    variables.set("add_generation_prompt", Value::boolean(inputs.add_generation_prompt));
    variables.set("bos_token", Value::string(inputs.bos_token));
    variables.set("eos_token", Value::string(inputs.eos_token));
    // transformers passes these explicitly as None when a request has none.
    variables.set("tools", Value::none());
    variables.set("documents", Value::none());
    static const jinja::RenderOptions options;
    return jinja::render(*root_, variables, options);
}

Result<std::vector<int32_t>> render_chat_tokens(const ChatTemplate& chat_template,
                                                const Vocab& vocab,
                                                const std::vector<ChatMessage>& messages) {
    ChatTemplateInputs inputs;
    inputs.messages = messages;
    inputs.add_generation_prompt = true;
    if (vocab.bos_id() >= 0) inputs.bos_token = vocab.token_to_piece(vocab.bos_id());
    if (vocab.eos_id() >= 0) inputs.eos_token = vocab.token_to_piece(vocab.eos_id());
    Result<std::string> prompt = chat_template.apply(inputs);
    if (!prompt) return prompt.error();
    // Templates that write the BOS text themselves must not get a second BOS.
    const bool template_has_bos =
        !inputs.bos_token.empty() && prompt->rfind(inputs.bos_token, 0) == 0;
    return vocab.tokenize(*prompt, /*add_special=*/!template_has_bos, /*parse_special=*/true);
}

}  // namespace souverain::server
