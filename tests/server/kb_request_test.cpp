// Bodies of the knowledge-base API: what is accepted, and the status and param of what is not.
#include "server/kb_request.h"

#include <gtest/gtest.h>

namespace souverain::server {
namespace {

template <typename T>
ApiError error_of(const std::variant<T, ApiError>& parsed) {
    EXPECT_TRUE(std::holds_alternative<ApiError>(parsed));
    return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

TEST(KbRequest, CreateTakesANameAndAnOptionalEmbeddingModel) {
    auto ok = parse_create_kb_request(R"({"name": "laws"})");
    ASSERT_TRUE(std::holds_alternative<CreateKbRequest>(ok));
    EXPECT_EQ(std::get<CreateKbRequest>(ok).name, "laws");
    EXPECT_EQ(std::get<CreateKbRequest>(ok).embedding_model, "");
    auto with_model = parse_create_kb_request(R"({"name": "laws", "embedding_model": "e5"})");
    ASSERT_TRUE(std::holds_alternative<CreateKbRequest>(with_model));
    EXPECT_EQ(std::get<CreateKbRequest>(with_model).embedding_model, "e5");
    ApiError model_typed =
        error_of(parse_create_kb_request(R"({"name": "a", "embedding_model": 3})"));
    EXPECT_EQ(model_typed.status, 422);
    EXPECT_EQ(model_typed.param, "embedding_model");

    EXPECT_EQ(error_of(parse_create_kb_request("{")).status, 400);
    EXPECT_EQ(error_of(parse_create_kb_request("[]")).status, 422);
    ApiError missing = error_of(parse_create_kb_request("{}"));
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.param, "name");
    ApiError typed = error_of(parse_create_kb_request(R"({"name": 3})"));
    EXPECT_EQ(typed.status, 422);
    ApiError unknown = error_of(parse_create_kb_request(R"({"name": "a", "lang": "fr"})"));
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(unknown.param, "lang");
}

TEST(KbRequest, SearchRerankFields) {
    auto plain = parse_kb_search_request(R"({"query": "bail"})");
    ASSERT_TRUE(std::holds_alternative<KbSearchRequest>(plain));
    EXPECT_FALSE(std::get<KbSearchRequest>(plain).rerank);
    EXPECT_EQ(std::get<KbSearchRequest>(plain).rerank_depth, 50);
    auto ok = parse_kb_search_request(R"({"query": "bail", "rerank": true, "rerank_depth": 20})");
    ASSERT_TRUE(std::holds_alternative<KbSearchRequest>(ok));
    EXPECT_TRUE(std::get<KbSearchRequest>(ok).rerank);
    EXPECT_EQ(std::get<KbSearchRequest>(ok).rerank_depth, 20);
    for (const char* body :
         {R"({"query": "q", "rerank_depth": 0})", R"({"query": "q", "rerank_depth": 1001})"}) {
        ApiError range = error_of(parse_kb_search_request(body));
        EXPECT_EQ(range.status, 400) << body;
        EXPECT_EQ(range.param, "rerank_depth") << body;
    }
    ApiError typed = error_of(parse_kb_search_request(R"({"query": "q", "rerank": "yes"})"));
    EXPECT_EQ(typed.status, 422);
    EXPECT_EQ(typed.param, "rerank");
}

TEST(KbRequest, SearchDefaultsAndLimits) {
    auto ok = parse_kb_search_request(
        R"({"query": "bail", "top_k": 3, "mode": "lexical", "filters": {"lang": "fr"}})");
    ASSERT_TRUE(std::holds_alternative<KbSearchRequest>(ok));
    const KbSearchRequest& request = std::get<KbSearchRequest>(ok);
    EXPECT_EQ(request.query, "bail");
    EXPECT_EQ(request.top_k, 3);
    ASSERT_EQ(request.filters.size(), 1u);
    EXPECT_EQ(request.filters[0].first, "lang");
    EXPECT_EQ(request.filters[0].second, "fr");

    auto plain = parse_kb_search_request(R"({"query": "bail"})");
    ASSERT_TRUE(std::holds_alternative<KbSearchRequest>(plain));
    EXPECT_EQ(std::get<KbSearchRequest>(plain).top_k, 10);
    EXPECT_EQ(std::get<KbSearchRequest>(plain).mode, "");

    struct Case {
        const char* body;
        int status;
        const char* param;
    };
    const Case cases[] = {
        {R"({})", 422, "query"},
        {R"({"query": ""})", 400, "query"},
        {R"({"query": "x", "top_k": 0})", 400, "top_k"},
        {R"({"query": "x", "top_k": 1001})", 400, "top_k"},
        {R"({"query": "x", "top_k": "3"})", 422, "top_k"},
        {R"({"query": "x", "filters": []})", 422, "filters"},
        {R"({"query": "x", "filters": {"author": "me"}})", 422, "filters.author"},
        {R"({"query": "x", "k": 3})", 422, "k"},
    };
    for (const Case& c : cases) {
        ApiError error = error_of(parse_kb_search_request(c.body));
        EXPECT_EQ(error.status, c.status) << c.body;
        EXPECT_EQ(error.param, c.param) << c.body;
    }
}

}  // namespace
}  // namespace souverain::server
