#pragma once
// The edge of POST /v1/embeddings (OpenAI format): the body parsed and validated into a plain
// struct, and the response body built from the vectors. Nothing here touches a model.
//
// Request: {"model": "...", "input": ..., "encoding_format": "float"|"base64",
//           "dimensions": N, "user": "..."} where input is a string, an array of strings, an
// array of token ids (one input) or an array of arrays of token ids; at most kMaxEmbeddingInputs
// inputs, none empty. "dimensions" is accepted only when it equals the model's dimension (the
// handler checks it: encoders here cannot shorten their vectors). "user" is ignored. Unknown
// fields are refused (422), as everywhere in the API.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/api_error.h"

namespace souverain::server {

inline constexpr size_t kMaxEmbeddingInputs = 2048;

enum class EmbeddingEncoding { FLOAT, BASE64 };

struct EmbeddingRequest {
    std::string model;
    // Texts, or token id sequences: one element per input either way.
    std::variant<std::vector<std::string>, std::vector<std::vector<int32_t>>> input;
    EmbeddingEncoding encoding = EmbeddingEncoding::FLOAT;
    std::optional<int64_t> dimensions;
};

// 400 for invalid JSON or a value out of range (empty input, too many inputs, an unknown
// encoding), 422 for a wrong type or an unknown or missing field.
std::variant<EmbeddingRequest, ApiError> parse_embedding_request(std::string_view body);

// {"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...] or
// "base64 of the little-endian float32 values"}], "model": ..., "usage": {"prompt_tokens": n,
// "total_tokens": n}}.
std::string embedding_response_json(const std::vector<std::vector<float>>& vectors,
                                    EmbeddingEncoding encoding, const std::string& model,
                                    int64_t prompt_tokens);

// Standard base64 (RFC 4648 §4, with padding), as the OpenAI API encodes vectors.
std::string base64_encode(std::string_view bytes);

}  // namespace souverain::server
