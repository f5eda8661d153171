// libFuzzer target for the bodies of the knowledge-base API: any body either parses into a
// request within the documented limits or is refused with a 400/422 error whose body is JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "server/kb_request.h"

namespace {

using namespace souverain::server;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

void check_error(const ApiError& error) {
    check(error.status == 400 || error.status == 422);
    check(!error.message.empty());
    const nlohmann::json body = nlohmann::json::parse(error.body(), nullptr, false);
    check(!body.is_discarded() && body.contains("error"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto create = parse_create_kb_request(body);
    if (auto* error = std::get_if<ApiError>(&create)) check_error(*error);
    auto search = parse_kb_search_request(body);
    if (auto* error = std::get_if<ApiError>(&search)) {
        check_error(*error);
    } else {
        const KbSearchRequest& request = std::get<KbSearchRequest>(search);
        check(!request.query.empty());
        check(request.top_k >= 1 && request.top_k <= kMaxSearchTopK);
        for (const auto& [key, value] : request.filters) {
            check((key == "lang" || key == "article") && !value.empty());
        }
    }
    return 0;
}
