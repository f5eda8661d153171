// Grounded conversations through real chat templates: where the instructions and sources go,
// the fallback for templates without a system role, and dropping sources to fit the context.
#include "server/grounded_chat.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_paths.h"

namespace souverain::server {
namespace {

ChatTemplate load_template(const std::string& name) {
    std::ifstream in(test::source_dir() + "/tests/server/chat_templates/" + name + ".jinja");
    std::stringstream text;
    text << in.rdbuf();
    Result<ChatTemplate> parsed = ChatTemplate::parse(text.str());
    EXPECT_TRUE(parsed) << name;
    return parsed ? *parsed : ChatTemplate::fallback();
}

std::vector<retrieval::RetrievedPassage> passages(size_t n) {
    std::vector<retrieval::RetrievedPassage> out;
    for (size_t i = 0; i < n; ++i) {
        retrieval::RetrievedPassage passage;
        passage.knowledge_base = "kb";
        passage.hit.chunk.chunk_id = (int64_t)i + 1;
        passage.hit.chunk.document_id = "doc" + std::to_string(i + 1) + ".md";
        passage.hit.chunk.title = "Doc " + std::to_string(i + 1);
        passage.hit.chunk.metadata_json = "{}";
        passage.hit.chunk.text = "Passage number " + std::to_string(i + 1) + std::string(200, '.');
        passage.hit.score = 10.0 - (double)i;
        out.push_back(passage);
    }
    return out;
}

// One "token" per byte of the rendered text: enough to test the budget arithmetic.
RenderChat byte_render(const ChatTemplate& chat_template, std::vector<std::string>* rendered) {
    return [&chat_template,
            rendered](const std::vector<ChatMessage>& messages) -> Result<std::vector<int32_t>> {
        ChatTemplateInputs inputs;
        inputs.messages = messages;
        inputs.bos_token = "<s>";
        inputs.eos_token = "</s>";
        Result<std::string> text = chat_template.apply(inputs);
        if (!text) return text.error();
        if (rendered) rendered->push_back(*text);
        return std::vector<int32_t>(text->size(), 1);
    };
}

TEST(GroundedChat, SystemMessageComesFirstAndMergesTheClientsOwn) {
    const retrieval::GroundedPrompt prompt =
        retrieval::build_grounded_prompt("What is in passage one?", passages(1));
    const std::vector<ChatMessage> conversation = {{"system", "Be brief."},
                                                   {"user", "Hello"},
                                                   {"assistant", "Hi"},
                                                   {"user", "What is in passage one?"}};
    const std::vector<ChatMessage> with_system = grounded_messages(conversation, prompt, true);
    ASSERT_EQ(with_system.size(), 4u);
    EXPECT_EQ(with_system[0].role, "system");
    EXPECT_EQ(with_system[0].content, prompt.system + "\n\nBe brief.");
    EXPECT_EQ(with_system[1].content, "Hello");
    EXPECT_EQ(with_system[3].content, prompt.user);

    const std::vector<ChatMessage> merged =
        grounded_messages({{"user", "What is in passage one?"}}, prompt, false);
    ASSERT_EQ(merged.size(), 1u);
    EXPECT_EQ(merged[0].content, retrieval::merged_user_message(prompt));
}

TEST(GroundedChat, TemplateWithoutSystemRoleGetsTheInstructionsInTheUserMessage) {
    // Mistral v0.1 raises an exception on a system message.
    const ChatTemplate mistral = load_template("mistral_v0.1");
    std::vector<std::string> rendered;
    Result<GroundedTokens> grounded =
        render_grounded({{"user", "What is in passage one?"}}, passages(2), 100000,
                        byte_render(mistral, &rendered));
    ASSERT_TRUE(grounded) << grounded.error().message;
    ASSERT_EQ(rendered.size(), 1u);  // the system-role attempt failed before any text
    EXPECT_EQ(rendered[0],
              "<s>[INST] " + retrieval::merged_user_message(grounded->prompt) + " [/INST]");
    EXPECT_EQ(grounded->prompt.citations.size(), 2u);

    // ChatML has a system role: the instructions go there.
    rendered.clear();
    grounded = render_grounded({{"user", "What is in passage one?"}}, passages(2), 100000,
                               byte_render(ChatTemplate::fallback(), &rendered));
    ASSERT_TRUE(grounded);
    ASSERT_EQ(rendered.size(), 1u);
    EXPECT_EQ(rendered[0].rfind("<|im_start|>system\n" + grounded->prompt.system, 0), 0u);
}

TEST(GroundedChat, WeakestSourcesAreDroppedUntilThePromptFits) {
    const ChatTemplate& chatml = ChatTemplate::fallback();
    Result<GroundedTokens> all =
        render_grounded({{"user", "q?"}}, passages(4), 100000, byte_render(chatml, nullptr));
    Result<GroundedTokens> two =
        render_grounded({{"user", "q?"}}, passages(2), 100000, byte_render(chatml, nullptr));
    ASSERT_TRUE(all && two);
    // A budget between the sizes with 2 and 3 sources keeps exactly the first 2.
    Result<GroundedTokens> fitted = render_grounded(
        {{"user", "q?"}}, passages(4), two->tokens.size() + 10, byte_render(chatml, nullptr));
    ASSERT_TRUE(fitted);
    ASSERT_EQ(fitted->prompt.citations.size(), 2u);
    EXPECT_EQ(fitted->prompt.citations[1].source.hit.chunk.document_id, "doc2.md");
    EXPECT_EQ(fitted->tokens.size(), two->tokens.size());
    EXPECT_LT(fitted->tokens.size(), all->tokens.size());

    // Nothing fits: no source is left, and the prompt says so.
    Result<GroundedTokens> none =
        render_grounded({{"user", "q?"}}, passages(4), 10, byte_render(chatml, nullptr));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->prompt.citations.empty());
    EXPECT_NE(none->prompt.user.find("(none)"), std::string::npos);
}

TEST(GroundedChat, AConversationEndingWithTheAssistantIsRefused) {
    Result<GroundedTokens> grounded =
        render_grounded({{"user", "q"}, {"assistant", "a"}}, passages(1), 1000,
                        byte_render(ChatTemplate::fallback(), nullptr));
    ASSERT_FALSE(grounded);
    EXPECT_EQ(grounded.error().code, ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace souverain::server
