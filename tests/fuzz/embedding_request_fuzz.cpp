// libFuzzer target for the /v1/embeddings request edge: any body either parses into a request
// that satisfies the documented invariants (1..kMaxEmbeddingInputs inputs, none empty, token ids
// non-negative, a positive dimensions) or is refused with a 400/422 OpenAI-style error whose body
// is valid JSON. The response builder is exercised too: its base64 must decode to the floats.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

#include "server/openai_embeddings.h"

namespace {

using namespace souverain::server;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

// Inverse of base64_encode for the check: the decoded bytes, or "" plus a trap on a bad char.
std::string base64_decode(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    check(text.size() % 4 == 0);
    std::string out;
    for (size_t idx = 0; idx < text.size(); idx += 4) {
        uint32_t group = 0;
        int n_pad = 0;
        for (int pos = 0; pos < 4; ++pos) {
            const char c = text[idx + pos];
            if (c == '=') {
                ++n_pad;
                group <<= 6;
                continue;
            }
            const int v = value(c);
            check(v >= 0 && n_pad == 0);
            group = group << 6 | (uint32_t)v;
        }
        out += (char)(group >> 16);
        if (n_pad < 2) out += (char)(group >> 8);
        if (n_pad < 1) out += (char)group;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_embedding_request(body);
    if (auto* error = std::get_if<ApiError>(&parsed)) {
        check(error->status == 400 || error->status == 422);
        check(!error->message.empty());
        const nlohmann::json json = nlohmann::json::parse(error->body(), nullptr, false);
        check(!json.is_discarded() && json.contains("error"));
        return 0;
    }
    const EmbeddingRequest& request = std::get<EmbeddingRequest>(parsed);
    check(!request.model.empty());
    check(!request.dimensions || *request.dimensions >= 1);
    size_t n_inputs = 0;
    if (auto* texts = std::get_if<std::vector<std::string>>(&request.input)) {
        n_inputs = texts->size();
        for (const std::string& text : *texts) check(!text.empty());
    } else {
        const auto& sequences = std::get<std::vector<std::vector<int32_t>>>(request.input);
        n_inputs = sequences.size();
        for (const auto& ids : sequences) {
            check(!ids.empty());
            for (int32_t id : ids) check(id >= 0);
        }
    }
    check(n_inputs >= 1 && n_inputs <= kMaxEmbeddingInputs);

    // The response for vectors made from the body's bytes round-trips through base64.
    std::vector<float> values(size / sizeof(float) + 1, 0.0f);
    std::memcpy(values.data(), data, size / sizeof(float) * sizeof(float));
    const std::string response =
        embedding_response_json({values}, EmbeddingEncoding::BASE64, "m", 1);
    const nlohmann::json json = nlohmann::json::parse(response, nullptr, false);
    check(!json.is_discarded());
    const std::string bytes = base64_decode(json["data"][0]["embedding"].get<std::string>());
    check(bytes.size() == values.size() * sizeof(float));
    check(std::memcmp(bytes.data(), values.data(), bytes.size()) == 0);
    return 0;
}
