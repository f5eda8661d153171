// libFuzzer target for the chat-template interpreter: parses the input as a template and, when
// it parses, renders it for a fixed conversation. Any outcome is fine except a crash, a hang
// (the interpreter's limits must stop it) or an error without a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/chat_template.h"

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace souverain::server;
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    auto parsed = ChatTemplate::parse(source);
    if (!parsed.ok()) {
        check(!parsed.error().message.empty());
        return 0;
    }
    ChatTemplateInputs inputs;
    inputs.messages = {{"system", "Sois bref."}, {"user", "Wéi geet et?"},
                       {"assistant", "  Gutt, merci!  "}, {"user", "{{ x }} \xff"}};
    inputs.bos_token = "<s>";
    inputs.eos_token = "</s>";
    auto rendered = parsed->apply(inputs);
    if (!rendered.ok()) check(!rendered.error().message.empty() || rendered.error().code == souverain::ErrorCode::INVALID_ARGUMENT);
    return 0;
}
