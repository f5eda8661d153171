// The request edge of the OpenAI API: what is accepted, and the status, param and code of
// everything that is refused.
#include "server/openai_request.h"

#include <gtest/gtest.h>

#include <string>

namespace souverain::server {
namespace {

ApiError chat_error(const std::string& body) {
    auto parsed = parse_chat_completion_request(body);
    EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << body;
    return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

ChatCompletionRequest chat_ok(const std::string& body) {
    auto parsed = parse_chat_completion_request(body);
    if (auto* error = std::get_if<ApiError>(&parsed)) {
        ADD_FAILURE() << body << " -> " << error->body();
        return {};
    }
    return std::get<ChatCompletionRequest>(parsed);
}

TEST(OpenAiRequest, ParsesAFullChatRequest) {
    const ChatCompletionRequest request = chat_ok(R"({
        "model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": [{"type": "text", "text": "Moien "},
                                                                {"type": "text", "text": "wéi?"}]},
                                   {"role": "assistant", "content": null},
                                   {"role": "developer", "content": "x"}],
        "max_completion_tokens": 12, "temperature": 0, "top_p": 0.5, "seed": 42,
        "stop": ["\n\n", "END"], "n": 2, "presence_penalty": 0.5, "frequency_penalty": -1,
        "logprobs": true, "top_logprobs": 3, "stream": true,
        "stream_options": {"include_usage": true}, "user": "u1", "top_k": 5, "min_p": 0.1})");
    EXPECT_EQ(request.options.model, "m");
    ASSERT_EQ(request.messages.size(), 4u);
    EXPECT_EQ(request.messages[1].content, "Moien wéi?");
    EXPECT_EQ(request.messages[2].content, "");
    EXPECT_EQ(request.messages[3].role, "system");
    EXPECT_EQ(*request.options.max_tokens, 12);
    EXPECT_EQ(request.options.temperature, 0.0f);
    EXPECT_EQ(*request.options.seed, 42u);
    EXPECT_EQ(request.options.stop.size(), 2u);
    EXPECT_EQ(request.options.n, 2);
    EXPECT_TRUE(request.options.logprobs);
    EXPECT_EQ(request.options.top_logprobs, 3);
    EXPECT_TRUE(request.options.stream);
    EXPECT_TRUE(request.options.include_usage);
    EXPECT_EQ(request.options.top_k, 5);
}

TEST(OpenAiRequest, DefaultsFollowOpenAi) {
    const ChatCompletionRequest request =
        chat_ok(R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_FALSE(request.options.max_tokens.has_value());
    EXPECT_EQ(request.options.temperature, 1.0f);
    EXPECT_EQ(request.options.top_p, 1.0f);
    EXPECT_EQ(request.options.n, 1);
    EXPECT_FALSE(request.options.stream);
}

TEST(OpenAiRequest, InvalidJsonIs400WithPosition) {
    const ApiError error = chat_error(R"({"model": "m", )");
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.code, "invalid_json");
    EXPECT_NE(error.message.find("column"), std::string::npos);
    EXPECT_EQ(chat_error("").status, 400);
    EXPECT_EQ(chat_error("\xff\xfe").status, 400);
    EXPECT_EQ(chat_error(R"({"model": "m\xc3"})").status, 400);  // invalid UTF-8 in a string
    EXPECT_EQ(chat_error(R"({"model": "m", "temperature": 66e9666})").status,
              400);  // found by fuzzing
}

TEST(OpenAiRequest, WrongTypesAre422NamingTheField) {
    struct Case {
        const char* body;
        const char* param;
    };
    const Case cases[] = {
        {R"([1, 2])", ""},
        {R"({"model": 5, "messages": []})", "model"},
        {R"({"model": "m", "messages": "hi"})", "messages"},
        {R"({"model": "m", "messages": [{"role": "user", "content": 3}]})", "messages[0].content"},
        {R"({"model": "m", "messages": [{"role": 1, "content": "x"}]})", "messages[0].role"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": "9"})",
         "max_tokens"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 2.5})",
         "max_tokens"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": 1})",
         "stream"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]})",
         "stop[0]"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "temprature": 1})",
         "temprature"},
        {R"({"model": "m", "messages": [{"role": "user", "content": "x", "extra": 1}]})",
         "messages[0].extra"},
        {R"({"messages": [{"role": "user", "content": "x"}]})", "model"},
        {R"({"model": "m"})", "messages"},
        {R"({"model": "m", "messages": [{"role": "user"}]})", "messages[0].content"},
    };
    for (const Case& c : cases) {
        const ApiError error = chat_error(c.body);
        EXPECT_EQ(error.status, 422) << c.body;
        EXPECT_EQ(error.param, c.param) << c.body;
        EXPECT_EQ(error.type, "invalid_request_error");
    }
}

TEST(OpenAiRequest, ValuesOutOfRangeAre400) {
    struct Case {
        const char* fields;
        const char* param;
    };
    const Case cases[] = {
        {R"("temperature": 2.5)", "temperature"},
        {R"("temperature": -0.1)", "temperature"},
        {R"("top_p": 1.5)", "top_p"},
        {R"("n": 0)", "n"},
        {R"("n": 17)", "n"},
        {R"("max_tokens": 0)", "max_tokens"},
        {R"("max_tokens": -3)", "max_tokens"},
        {R"("presence_penalty": 3)", "presence_penalty"},
        {R"("top_logprobs": 21, "logprobs": true)", "top_logprobs"},
        {R"("top_logprobs": 2)", "top_logprobs"},  // without logprobs
        {R"("stop": ["a", "b", "c", "d", "e"])", "stop"},
        {R"("stream_options": {"include_usage": true})", "stream_options"},  // without stream
        {R"("tools": [{"type": "function"}])", "tools"},
        {R"("logit_bias": {"5": 10})", "logit_bias"},
        {R"("response_format": {"type": "json_object"})", "response_format"},
        {R"("max_tokens": 99999999999)", "max_tokens"},
    };
    for (const Case& c : cases) {
        const std::string body =
            std::string(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], )") +
            c.fields + "}";
        const ApiError error = chat_error(body);
        EXPECT_EQ(error.status, 400) << body;
        EXPECT_EQ(error.param, c.param) << body;
    }
    EXPECT_EQ(chat_error(R"({"model": "m", "messages": []})").status, 400);
    EXPECT_EQ(chat_error(R"({"model": "", "messages": [{"role": "user", "content": "x"}]})").status,
              400);
    const ApiError role =
        chat_error(R"({"model": "m", "messages": [{"role": "wizard", "content": "x"}]})");
    EXPECT_EQ(role.status, 400);
    EXPECT_EQ(role.param, "messages[0].role");
}

TEST(OpenAiRequest, CompletionPromptAsTextOrTokenIds) {
    auto text = parse_completion_request(R"({"model": "m", "prompt": "Once", "echo": true})");
    ASSERT_TRUE(std::holds_alternative<CompletionRequest>(text));
    EXPECT_EQ(std::get<std::string>(std::get<CompletionRequest>(text).prompt), "Once");
    EXPECT_TRUE(std::get<CompletionRequest>(text).echo);
    EXPECT_EQ(*std::get<CompletionRequest>(text).options.max_tokens, 16);  // OpenAI's default

    auto ids =
        parse_completion_request(R"({"model": "m", "prompt": [1, 15043, 3186], "logprobs": 2})");
    ASSERT_TRUE(std::holds_alternative<CompletionRequest>(ids));
    const CompletionRequest& request = std::get<CompletionRequest>(ids);
    EXPECT_EQ(std::get<std::vector<int32_t>>(request.prompt).size(), 3u);
    EXPECT_TRUE(request.options.logprobs);
    EXPECT_EQ(request.options.top_logprobs, 2);

    auto one = parse_completion_request(R"({"model": "m", "prompt": ["only"]})");
    ASSERT_TRUE(std::holds_alternative<CompletionRequest>(one));

    auto many = parse_completion_request(R"({"model": "m", "prompt": ["a", "b"]})");
    ASSERT_TRUE(std::holds_alternative<ApiError>(many));
    EXPECT_EQ(std::get<ApiError>(many).status, 400);
    auto negative = parse_completion_request(R"({"model": "m", "prompt": [1, -2]})");
    ASSERT_TRUE(std::holds_alternative<ApiError>(negative));
    EXPECT_EQ(std::get<ApiError>(negative).param, "prompt[1]");
    auto missing = parse_completion_request(R"({"model": "m"})");
    ASSERT_TRUE(std::holds_alternative<ApiError>(missing));
    EXPECT_EQ(std::get<ApiError>(missing).status, 422);
    auto suffix = parse_completion_request(R"({"model": "m", "prompt": "x", "suffix": "y"})");
    ASSERT_TRUE(std::holds_alternative<ApiError>(suffix));
    EXPECT_EQ(std::get<ApiError>(suffix).status, 400);
}

TEST(OpenAiRequest, KnowledgeBasesExtension) {
    const ChatCompletionRequest request = chat_ok(R"({"model": "m",
        "messages": [{"role": "user", "content": "Art. 5?"}],
        "knowledge_bases": ["laws", "notes"], "retrieval": {"top_k": 7}})");
    EXPECT_EQ(request.knowledge_bases, (std::vector<std::string>{"laws", "notes"}));
    EXPECT_EQ(request.retrieval_top_k, 7);
    const ChatCompletionRequest plain =
        chat_ok(R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_TRUE(plain.knowledge_bases.empty());
    EXPECT_EQ(plain.retrieval_top_k, 4);

    const std::string user = R"("messages": [{"role": "user", "content": "q"}])";
    struct Case {
        std::string fields;
        int status;
        std::string param;
    };
    const Case cases[] = {
        {R"("knowledge_bases": "laws")", 422, "knowledge_bases"},
        {R"("knowledge_bases": [1])", 422, "knowledge_bases[0]"},
        {R"("knowledge_bases": [""])", 400, "knowledge_bases[0]"},
        {R"("knowledge_bases": ["a","b","c","d","e","f","g","h","i"])", 400, "knowledge_bases"},
        {R"("retrieval": {"top_k": 2})", 400, "retrieval"},
        {R"("knowledge_bases": ["k"], "retrieval": {"top_k": 0})", 400, "retrieval.top_k"},
        {R"("knowledge_bases": ["k"], "retrieval": {"top_k": 21})", 400, "retrieval.top_k"},
        {R"("knowledge_bases": ["k"], "retrieval": {"topk": 2})", 422, "retrieval.topk"},
        {R"("knowledge_bases": ["k"], "retrieval": 3)", 422, "retrieval"},
        {R"("knowledge_base": ["k"])", 422, "knowledge_base"},
    };
    for (const Case& c : cases) {
        const ApiError error = chat_error(R"({"model": "m", )" + user + ", " + c.fields + "}");
        EXPECT_EQ(error.status, c.status) << c.fields;
        EXPECT_EQ(error.param, c.param) << c.fields;
    }
    // The last message is the query: it must be the user's.
    const ApiError last = chat_error(R"({"model": "m", "knowledge_bases": ["k"], "messages":
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})");
    EXPECT_EQ(last.status, 400);
    EXPECT_EQ(last.param, "messages");
}

TEST(OpenAiRequest, ErrorBodyHasTheOpenAiShape) {
    const ApiError error = chat_error(R"({"model": "m", "messages": [], "n": "2"})");
    EXPECT_EQ(
        error.body(),
        R"({"error":{"code":"invalid_type","message":"'n' must be an integer, not a string","param":"n","type":"invalid_request_error"}})");
}

}  // namespace
}  // namespace souverain::server
