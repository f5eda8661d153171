#pragma once
// Bodies of the knowledge-base API parsed and validated into plain structs, with the rules of
// openai_request.h: invalid JSON 400, wrong type, missing or unknown field 422, a value out of
// range 400, each error naming the field.
//
//   POST /v1/knowledge-bases                {"name": "laws", "pii": "off"|"pseudonymize",
//                                            "embedding_model": "e5"}
//                                            (`pii` absent: off; storage::PiiPolicy;
//                                            `embedding_model` absent: none)
//   POST /v1/knowledge-bases/{name}/search  {"query": "...", "top_k": 10, "mode": "hybrid",
//                                            "filters": {"lang": "fr", "article": "12"},
//                                            "rerank": true, "rerank_depth": 50}
// (`embedding_model` optional: "hashing:DIM" or the name of an encoder the server serves,
// never a path; `mode` lexical, dense or hybrid, absent: the default of
// retrieval/hybrid_search.h; `rerank` asks for the server's --reranker over the first
// `rerank_depth` candidates, 1 to 1000, default 50)
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "server/api_error.h"
#include "storage/store.h"

namespace souverain::server {

struct CreateKbRequest {
    std::string name;
    storage::PiiPolicy pii = storage::PiiPolicy::OFF;
    std::string embedding_model;  // empty: none
};

struct KbSearchRequest {
    std::string query;
    int32_t top_k = 10;
    std::string mode;                                          // empty: the default mode
    std::vector<std::pair<std::string, std::string>> filters;  // (key, value): lang, article
    bool rerank = false;
    int32_t rerank_depth = 50;
};

inline constexpr int32_t kMaxSearchTopK = 1000;

std::variant<CreateKbRequest, ApiError> parse_create_kb_request(std::string_view body);
std::variant<KbSearchRequest, ApiError> parse_kb_search_request(std::string_view body);

}  // namespace souverain::server
