#include "server/field_reader.h"

#include <cmath>
#include <limits>

namespace souverain::server {

using nlohmann::json;

namespace {

// 'text' (quoted as messages name fields). Appended piece by piece: GCC 12 reports a false
// -Wrestrict on `"'" + std::string` once inlined here.
std::string quoted(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '\'';
    out += text;
    out += '\'';
    return out;
}

std::string format_number(double value) {
    json number = value;
    if (value == std::floor(value)) number = (int64_t)value;
    return number.dump();
}

}  // namespace

const char* json_type_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::string:
            return "a string";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "an integer";
        case json::value_t::number_float:
            return "a number";
        case json::value_t::array:
            return "an array";
        case json::value_t::object:
            return "an object";
        default:
            return "an unsupported value";
    }
}

ApiError wrong_type(const std::string& param, const char* expected, const json& value) {
    return schema_error(param,
                        quoted(param) + " must be " + expected + ", not " + json_type_name(value));
}

std::variant<json, ApiError> parse_json_object(std::string_view body) {
    // nlohmann reports the position of a syntax error only through its exception; it is
    // caught here, at the edge, and becomes a value.
    json root;
    try {
        root = json::parse(body.begin(), body.end());
    } catch (const json::exception& error) {  // parse_error, or out_of_range for 1e999
        return invalid_json(error.what());
    }
    if (!root.is_object()) {
        return schema_error(
            "", std::string("the request body must be a JSON object, not ") + json_type_name(root));
    }
    return root;
}

const json* FieldReader::get(const std::string& key) {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
}

void FieldReader::read_string(const std::string& key, std::string& out, bool required) {
    const json* value = get(key);
    if (failed()) return;
    if (!value) {
        if (required) fail(schema_error(param(key), quoted(param(key)) + " is required"));
        return;
    }
    if (!value->is_string()) return fail(wrong_type(param(key), "a string", *value));
    out = value->get<std::string>();
}

void FieldReader::read_bool(const std::string& key, bool& out) {
    const json* value = get(key);
    if (failed() || !value) return;
    if (!value->is_boolean()) return fail(wrong_type(param(key), "a boolean", *value));
    out = value->get<bool>();
}

void FieldReader::read_number(const std::string& key, float& out, double lo, double hi) {
    const json* value = get(key);
    if (failed() || !value) return;
    if (!value->is_number()) return fail(wrong_type(param(key), "a number", *value));
    const double number = value->get<double>();
    if (!(number >= lo && number <= hi)) {
        return fail(invalid_value(param(key), quoted(param(key)) + " must be between " +
                                                  format_number(lo) + " and " + format_number(hi) +
                                                  ", not " + value->dump()));
    }
    out = (float)number;
}

void FieldReader::read_integer(const std::string& key, int64_t& out, int64_t lo, int64_t hi) {
    const json* value = get(key);
    if (failed() || !value) return;
    if (!value->is_number_integer()) return fail(wrong_type(param(key), "an integer", *value));
    if (value->is_number_unsigned() &&
        value->get<uint64_t>() > (uint64_t)std::numeric_limits<int64_t>::max()) {
        return fail(invalid_value(param(key), quoted(param(key)) + " is too large"));
    }
    const int64_t number = value->get<int64_t>();
    if (number < lo || number > hi) {
        return fail(invalid_value(
            param(key), quoted(param(key)) + " must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + ", not " + std::to_string(number)));
    }
    out = number;
}

void FieldReader::reject_unknown() {
    if (failed()) return;
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (!seen_.count(it.key())) {
            return fail(schema_error(param(it.key()), "unknown field '" + param(it.key()) + "'"));
        }
    }
}

}  // namespace souverain::server
