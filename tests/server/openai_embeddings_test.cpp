// The /v1/embeddings edge: every accepted input shape, the status, param and code of what is
// refused, and the response body (float and base64 encodings).
#include "server/openai_embeddings.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

namespace souverain::server {
namespace {

EmbeddingRequest parse_ok(const std::string& body) {
    auto parsed = parse_embedding_request(body);
    if (auto* error = std::get_if<ApiError>(&parsed)) {
        ADD_FAILURE() << body << " -> " << error->body();
        return {};
    }
    return std::get<EmbeddingRequest>(parsed);
}

ApiError parse_error(const std::string& body) {
    auto parsed = parse_embedding_request(body);
    EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << body;
    return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

TEST(OpenAiEmbeddings, AcceptsAStringAndAnArrayOfStrings) {
    EmbeddingRequest one = parse_ok(R"({"model": "e5", "input": "Moien"})");
    EXPECT_EQ(one.model, "e5");
    ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(one.input));
    EXPECT_EQ(std::get<std::vector<std::string>>(one.input), std::vector<std::string>{"Moien"});
    EXPECT_EQ(one.encoding, EmbeddingEncoding::FLOAT);
    EXPECT_FALSE(one.dimensions);

    EmbeddingRequest many = parse_ok(
        R"({"model": "e5", "input": ["a", "b c"], "encoding_format": "base64",
            "dimensions": 384, "user": "someone"})");
    EXPECT_EQ(std::get<std::vector<std::string>>(many.input),
              (std::vector<std::string>{"a", "b c"}));
    EXPECT_EQ(many.encoding, EmbeddingEncoding::BASE64);
    EXPECT_EQ(many.dimensions, 384);
}

TEST(OpenAiEmbeddings, AcceptsTokenIdsAndArraysOfTokenIds) {
    EmbeddingRequest one = parse_ok(R"({"model": "e5", "input": [101, 7592, 102]})");
    using Ids = std::vector<std::vector<int32_t>>;
    ASSERT_TRUE(std::holds_alternative<Ids>(one.input));
    EXPECT_EQ(std::get<Ids>(one.input), (Ids{{101, 7592, 102}}));
    EmbeddingRequest many = parse_ok(R"({"model": "e5", "input": [[101, 102], [101, 5, 102]]})");
    EXPECT_EQ(std::get<Ids>(many.input), (Ids{{101, 102}, {101, 5, 102}}));
}

TEST(OpenAiEmbeddings, RefusesEmptyAndMalformedInput) {
    struct Case {
        const char* body;
        int status;
        const char* param;
    };
    const Case cases[] = {
        {R"({"model": "e5"})", 422, "input"},
        {R"({"input": "x"})", 422, "model"},
        {R"({"model": "", "input": "x"})", 400, "model"},
        {R"({"model": "e5", "input": ""})", 400, "input"},
        {R"({"model": "e5", "input": []})", 400, "input"},
        {R"({"model": "e5", "input": ["a", ""]})", 400, "input[1]"},
        {R"({"model": "e5", "input": ["a", 5]})", 422, "input[1]"},
        {R"({"model": "e5", "input": [1, -2]})", 422, "input[1]"},
        {R"({"model": "e5", "input": [1, 2.5]})", 422, "input[1]"},
        {R"({"model": "e5", "input": [1, 4294967296]})", 422, "input[1]"},
        {R"({"model": "e5", "input": [[1], []]})", 400, "input[1]"},
        {R"({"model": "e5", "input": [[1], "a"]})", 422, "input[1]"},
        {R"({"model": "e5", "input": [{"a": 1}]})", 422, "input[0]"},
        {R"({"model": "e5", "input": 7})", 422, "input"},
        {R"({"model": "e5", "input": "x", "encoding_format": "int8"})", 400, "encoding_format"},
        {R"({"model": "e5", "input": "x", "dimensions": 0})", 400, "dimensions"},
        {R"({"model": "e5", "input": "x", "dimensions": "384"})", 422, "dimensions"},
        {R"({"model": "e5", "input": "x", "temperature": 1})", 422, "temperature"},
        {R"({"model": "e5", "input": "x",)", 400, ""},
        {R"(["model"])", 422, ""},
    };
    for (const Case& c : cases) {
        const ApiError error = parse_error(c.body);
        EXPECT_EQ(error.status, c.status) << c.body << " -> " << error.body();
        EXPECT_EQ(error.param, c.param) << c.body << " -> " << error.body();
    }
}

TEST(OpenAiEmbeddings, RefusesMoreInputsThanTheLimit) {
    std::string body = R"({"model": "e5", "input": [)";
    for (size_t idx = 0; idx <= kMaxEmbeddingInputs; ++idx) body += idx ? ",\"a\"" : "\"a\"";
    body += "]}";
    const ApiError error = parse_error(body);
    EXPECT_EQ(error.status, 400);
    EXPECT_NE(error.message.find("2048"), std::string::npos) << error.message;
}

TEST(OpenAiEmbeddings, Base64MatchesRfc4648Vectors) {
    // RFC 4648 §10 test vectors.
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(OpenAiEmbeddings, ResponseCarriesVectorsIndicesAndUsage) {
    const std::vector<std::vector<float>> vectors = {{0.5f, -0.25f}, {1.0f, 0.0f}};
    const nlohmann::json body =
        nlohmann::json::parse(embedding_response_json(vectors, EmbeddingEncoding::FLOAT, "e5", 7));
    EXPECT_EQ(body["object"], "list");
    EXPECT_EQ(body["model"], "e5");
    EXPECT_EQ(body["usage"]["prompt_tokens"], 7);
    EXPECT_EQ(body["usage"]["total_tokens"], 7);
    ASSERT_EQ(body["data"].size(), 2u);
    EXPECT_EQ(body["data"][1]["object"], "embedding");
    EXPECT_EQ(body["data"][1]["index"], 1);
    EXPECT_EQ(body["data"][0]["embedding"][1].get<float>(), -0.25f);

    // 1.0f is 00 00 80 3f little-endian, 0.5f is 00 00 00 3f: base64 "AACAPwAAAD8=".
    const nlohmann::json encoded = nlohmann::json::parse(
        embedding_response_json({{1.0f, 0.5f}}, EmbeddingEncoding::BASE64, "e5", 1));
    EXPECT_EQ(encoded["data"][0]["embedding"], "AACAPwAAAD8=");
}

}  // namespace
}  // namespace souverain::server
