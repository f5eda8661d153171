#include "server/openai_embeddings.h"

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "server/field_reader.h"

namespace souverain::server {

using nlohmann::json;

namespace {

// One token id sequence at `param`; false (with the reader failed) when it is not one.
bool read_token_ids(FieldReader& reader, const json& array, const std::string& param,
                    std::vector<int32_t>& out) {
    if (array.empty()) {
        reader.fail(invalid_value(param, "'" + param + "' must not be empty"));
        return false;
    }
    out.reserve(array.size());
    for (size_t idx = 0; idx < array.size(); ++idx) {
        const json& id = array[idx];
        if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
            id.get<int64_t>() > std::numeric_limits<int32_t>::max() ||
            (id.is_number_unsigned() &&
             id.get<uint64_t>() > (uint64_t)std::numeric_limits<int32_t>::max())) {
            reader.fail(wrong_type(param + "[" + std::to_string(idx) + "]",
                                   "a token id (a non-negative integer)", id));
            return false;
        }
        out.push_back((int32_t)id.get<int64_t>());
    }
    return true;
}

void read_input(FieldReader& reader, EmbeddingRequest& request) {
    const json* input = reader.get("input");
    if (reader.failed()) return;
    if (!input) return reader.fail(schema_error("input", "'input' is required"));
    if (input->is_string()) {
        if (input->get_ref<const std::string&>().empty()) {
            return reader.fail(invalid_value("input", "'input' must not be an empty string"));
        }
        request.input = std::vector<std::string>{input->get<std::string>()};
        return;
    }
    if (!input->is_array()) {
        return reader.fail(wrong_type(
            "input", "a string, an array of strings or an array of token id arrays", *input));
    }
    if (input->empty()) return reader.fail(invalid_value("input", "'input' must not be empty"));
    if (input->size() > kMaxEmbeddingInputs) {
        return reader.fail(invalid_value(
            "input", "'input' has " + std::to_string(input->size()) + " elements; at most " +
                         std::to_string(kMaxEmbeddingInputs) + " are accepted per request"));
    }
    const json& first = (*input)[0];
    if (first.is_number()) {  // one input given as token ids
        std::vector<int32_t> ids;
        if (!read_token_ids(reader, *input, "input", ids)) return;
        request.input = std::vector<std::vector<int32_t>>{std::move(ids)};
        return;
    }
    if (first.is_string()) {
        std::vector<std::string> texts;
        texts.reserve(input->size());
        for (size_t idx = 0; idx < input->size(); ++idx) {
            const std::string param = "input[" + std::to_string(idx) + "]";
            const json& text = (*input)[idx];
            if (!text.is_string()) return reader.fail(wrong_type(param, "a string", text));
            if (text.get_ref<const std::string&>().empty()) {
                return reader.fail(invalid_value(param, "'" + param + "' must not be empty"));
            }
            texts.push_back(text.get<std::string>());
        }
        request.input = std::move(texts);
        return;
    }
    if (first.is_array()) {
        std::vector<std::vector<int32_t>> sequences(input->size());
        for (size_t idx = 0; idx < input->size(); ++idx) {
            const std::string param = "input[" + std::to_string(idx) + "]";
            const json& ids = (*input)[idx];
            if (!ids.is_array())
                return reader.fail(wrong_type(param, "an array of token ids", ids));
            if (!read_token_ids(reader, ids, param, sequences[idx])) return;
        }
        request.input = std::move(sequences);
        return;
    }
    reader.fail(wrong_type("input[0]", "a string, a token id or an array of token ids", first));
}

}  // namespace

std::variant<EmbeddingRequest, ApiError> parse_embedding_request(std::string_view body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    FieldReader reader(std::get<json>(root), "");
    EmbeddingRequest request;
    reader.read_string("model", request.model, /*required=*/true);
    if (!reader.failed() && request.model.empty()) {
        reader.fail(invalid_value("model", "'model' must not be empty"));
    }
    read_input(reader, request);
    std::string encoding = "float";
    reader.read_string("encoding_format", encoding, /*required=*/false);
    if (!reader.failed()) {
        if (encoding == "base64") {
            request.encoding = EmbeddingEncoding::BASE64;
        } else if (encoding != "float") {
            reader.fail(
                invalid_value("encoding_format", "'encoding_format' must be 'float' or 'base64'"));
        }
    }
    int64_t dimensions = 0;
    if (reader.get("dimensions")) {
        reader.read_integer("dimensions", dimensions, 1, 1 << 20);
        request.dimensions = dimensions;
    }
    std::string user;
    reader.read_string("user", user, /*required=*/false);
    reader.reject_unknown();
    if (reader.failed()) return reader.error();
    return request;
}

std::string base64_encode(std::string_view bytes) {
    static const char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t idx = 0;
    for (; idx + 3 <= bytes.size(); idx += 3) {
        const uint32_t group = (uint32_t)(uint8_t)bytes[idx] << 16 |
                               (uint32_t)(uint8_t)bytes[idx + 1] << 8 | (uint8_t)bytes[idx + 2];
        out += kAlphabet[group >> 18];
        out += kAlphabet[(group >> 12) & 63];
        out += kAlphabet[(group >> 6) & 63];
        out += kAlphabet[group & 63];
    }
    const size_t rest = bytes.size() - idx;
    if (rest > 0) {
        uint32_t group = (uint32_t)(uint8_t)bytes[idx] << 16;
        if (rest == 2) group |= (uint32_t)(uint8_t)bytes[idx + 1] << 8;
        out += kAlphabet[group >> 18];
        out += kAlphabet[(group >> 12) & 63];
        out += rest == 2 ? kAlphabet[(group >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string embedding_response_json(const std::vector<std::vector<float>>& vectors,
                                    EmbeddingEncoding encoding, const std::string& model,
                                    int64_t prompt_tokens) {
    static_assert(std::numeric_limits<float>::is_iec559, "base64 vectors are IEEE float32");
    json data = json::array();
    for (size_t idx = 0; idx < vectors.size(); ++idx) {
        json item = {{"object", "embedding"}, {"index", idx}};
        if (encoding == EmbeddingEncoding::BASE64) {
            // x86-64 is little-endian: the floats' bytes are already in the wire order.
            std::string bytes(vectors[idx].size() * sizeof(float), '\0');
            std::memcpy(bytes.data(), vectors[idx].data(), bytes.size());
            item["embedding"] = base64_encode(bytes);
        } else {
            item["embedding"] = vectors[idx];
        }
        data.push_back(std::move(item));
    }
    return json{{"object", "list"},
                {"data", std::move(data)},
                {"model", model},
                {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}}
        .dump();
}

}  // namespace souverain::server
