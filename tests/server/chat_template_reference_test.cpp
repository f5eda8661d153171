// Our chat-template rendering against Python jinja2 (tests/server/render_chat_reference.py):
// every real template in tests/server/chat_templates/ times every conversation of the
// reference script, byte for byte, including the conversations a template refuses.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "server/chat_template.h"

namespace souverain::server {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string TEMPLATE_DIR =
    std::string(SOUVERAIN_SOURCE_DIR) + "/tests/server/chat_templates/";

TEST(ChatTemplateReference, EveryTemplateAndConversationMatchesJinja2) {
    const std::string text = read_file(TEMPLATE_DIR + "expected.json");
    ASSERT_FALSE(text.empty()) << "missing " << TEMPLATE_DIR << "expected.json";
    const auto cases = nlohmann::json::parse(text);
    std::map<std::string, ChatTemplate> templates;
    size_t compared = 0;
    size_t refused = 0;
    for (const auto& c : cases) {
        const std::string name = c["template"];
        if (!templates.count(name)) {
            auto parsed = ChatTemplate::parse(read_file(TEMPLATE_DIR + name + ".jinja"));
            ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().message;
            templates.emplace(name, std::move(*parsed));
        }
        ChatTemplateInputs inputs;
        for (const auto& m : c["messages"]) inputs.messages.push_back({m["role"], m["content"]});
        inputs.add_generation_prompt = c["add_generation_prompt"];
        inputs.bos_token = c["bos_token"];
        inputs.eos_token = c["eos_token"];
        const std::string label = name + " / " + std::string(c["conversation"]) +
                                  (inputs.add_generation_prompt ? " / generation prompt" : "");
        auto rendered = templates.at(name).apply(inputs);
        if (c.contains("error")) {
            ASSERT_FALSE(rendered.ok()) << label << " rendered but jinja2 raised";
            EXPECT_EQ(rendered.error().code, ErrorCode::INVALID_ARGUMENT) << label;
            EXPECT_EQ(rendered.error().message, std::string(c["error"])) << label;
            ++refused;
        } else {
            ASSERT_TRUE(rendered.ok()) << label << ": " << rendered.error().message;
            EXPECT_EQ(*rendered, std::string(c["output"])) << label;
        }
        ++compared;
    }
    EXPECT_GE(templates.size(), 10u);
    EXPECT_EQ(compared, cases.size());
    EXPECT_GT(refused, 0u);
    std::printf("compared %zu renderings (%zu refusals) over %zu templates\n", compared, refused,
                templates.size());
}

TEST(ChatTemplateReference, FallbackIsChatML) {
    ChatTemplateInputs inputs;
    inputs.messages = {{"system", "Sois bref."}, {"user", "Moien!"}};
    auto out = ChatTemplate::fallback().apply(inputs);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out,
              "<|im_start|>system\nSois bref.<|im_end|>\n<|im_start|>user\nMoien!<|im_end|>\n"
              "<|im_start|>assistant\n");
}

TEST(ChatTemplateReference, CopiesShareTheParsedTreeAndRenderConcurrently) {
    auto parsed = ChatTemplate::parse(read_file(TEMPLATE_DIR + "mistral_v0.3.jinja"));
    ASSERT_TRUE(parsed.ok());
    const ChatTemplate copy = *parsed;
    ChatTemplateInputs inputs;
    inputs.messages = {{"user", "Wéi geet et?"}};
    inputs.bos_token = "<s>";
    std::vector<std::thread> threads;
    std::vector<std::string> outputs(8);
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            auto r = (t % 2 ? copy : *parsed).apply(inputs);
            outputs[static_cast<size_t>(t)] = r.ok() ? *r : "error";
        });
    }
    for (auto& th : threads) th.join();
    for (const auto& o : outputs) EXPECT_EQ(o, "<s>[INST] Wéi geet et?[/INST]");
}

}  // namespace
}  // namespace souverain::server
