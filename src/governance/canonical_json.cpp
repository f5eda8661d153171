#include "governance/canonical_json.h"

namespace souverain::governance {

std::string canonical_json(const nlohmann::json& value) {
    // nlohmann::json keeps object keys in a std::map (sorted by bytes) and writes exactly the
    // escapes documented in the header when ensure_ascii is off; tests pin the bytes.
    return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> parse_json_object(std::string_view text, const std::string& what) {
    nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                                 /*allow_exceptions=*/false);
    if (value.is_discarded()) return make_error(ErrorCode::FORMAT, what + " is not valid JSON");
    if (!value.is_object()) return make_error(ErrorCode::FORMAT, what + " is not a JSON object");
    return value;
}

bool is_lower_hex(std::string_view text, size_t n_chars) {
    if (text.size() != n_chars) return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

JsonFields::JsonFields(const nlohmann::json& object, std::string what)
    : object_(object), what_(std::move(what)) {}

Error JsonFields::format_error(const std::string& message) const {
    return make_error(ErrorCode::FORMAT, what_ + ": " + message);
}

Result<const nlohmann::json*> JsonFields::field(const std::string& key) {
    read_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) return format_error("missing field '" + key + "'");
    return &*it;
}

Result<std::string> JsonFields::string(const std::string& key) {
    Result<const nlohmann::json*> value = field(key);
    if (!value) return value.error();
    if (!(*value)->is_string()) return format_error("field '" + key + "' is not a string");
    return (*value)->get<std::string>();
}

Result<std::optional<std::string>> JsonFields::optional_string(const std::string& key) {
    if (!object_.contains(key)) {
        read_.insert(key);
        return std::optional<std::string>();
    }
    Result<std::string> value = string(key);
    if (!value) return value.error();
    return std::optional<std::string>(std::move(*value));
}

Result<int64_t> JsonFields::integer(const std::string& key) {
    Result<const nlohmann::json*> value = field(key);
    if (!value) return value.error();
    const nlohmann::json& v = **value;
    if (v.is_number_unsigned()) {
        if (v.get<uint64_t>() > (uint64_t)INT64_MAX) {
            return format_error("field '" + key + "' is out of range");
        }
        return (int64_t)v.get<uint64_t>();
    }
    if (!v.is_number_integer()) return format_error("field '" + key + "' is not an integer");
    return v.get<int64_t>();
}

Result<std::string> JsonFields::hex(const std::string& key, size_t n_chars) {
    Result<std::string> value = string(key);
    if (!value) return value.error();
    if (!is_lower_hex(*value, n_chars)) {
        return format_error("field '" + key + "' is not " + std::to_string(n_chars) +
                            " lower-case hexadecimal characters");
    }
    return value;
}

Result<const nlohmann::json*> JsonFields::array(const std::string& key) {
    Result<const nlohmann::json*> value = field(key);
    if (!value) return value.error();
    if (!(*value)->is_array()) return format_error("field '" + key + "' is not an array");
    return value;
}

Status JsonFields::finish() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (read_.count(it.key()) == 0) return format_error("unknown field '" + it.key() + "'");
    }
    return Status::success();
}

}  // namespace souverain::governance
