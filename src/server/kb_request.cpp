#include "server/kb_request.h"

#include "server/field_reader.h"

namespace souverain::server {

using nlohmann::json;

std::variant<CreateKbRequest, ApiError> parse_create_kb_request(std::string_view body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    FieldReader reader(std::get<json>(root), "");
    CreateKbRequest request;
    reader.read_string("name", request.name, /*required=*/true);
    std::string pii = storage::pii_policy_name(request.pii);
    reader.read_string("pii", pii, /*required=*/false);
    reader.read_string("embedding_model", request.embedding_model, /*required=*/false);
    reader.reject_unknown();
    if (reader.failed()) return reader.error();
    std::optional<storage::PiiPolicy> policy = storage::parse_pii_policy(pii);
    if (!policy) return invalid_value("pii", "'pii' must be \"off\" or \"pseudonymize\"");
    request.pii = *policy;
    return request;
}

std::variant<KbSearchRequest, ApiError> parse_kb_search_request(std::string_view body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    FieldReader reader(std::get<json>(root), "");
    KbSearchRequest request;
    reader.read_string("query", request.query, /*required=*/true);
    if (!reader.failed() && request.query.empty()) {
        reader.fail(invalid_value("query", "'query' must not be empty"));
    }
    int64_t top_k = request.top_k;
    reader.read_integer("top_k", top_k, 1, kMaxSearchTopK);
    request.top_k = (int32_t)top_k;
    reader.read_string("mode", request.mode, /*required=*/false);
    reader.read_bool("rerank", request.rerank);
    int64_t rerank_depth = request.rerank_depth;
    reader.read_integer("rerank_depth", rerank_depth, 1, 1000);
    request.rerank_depth = (int32_t)rerank_depth;
    if (const json* filters = reader.get("filters"); filters && !reader.failed()) {
        if (!filters->is_object()) {
            reader.fail(wrong_type("filters", "an object", *filters));
        } else {
            // The metadata the index keeps filter terms for (retrieval/ingest.cpp).
            FieldReader sub(*filters, "filters.");
            for (const char* key : {"lang", "article"}) {
                std::string value;
                sub.read_string(key, value, /*required=*/false);
                if (!value.empty()) request.filters.emplace_back(key, value);
            }
            sub.reject_unknown();
            if (sub.failed()) reader.fail(sub.error());
        }
    }
    reader.reject_unknown();
    if (reader.failed()) return reader.error();
    return request;
}

}  // namespace souverain::server
