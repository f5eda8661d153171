#pragma once
// Reading JSON request bodies field by field, with the API's rules: absent and null mean the
// same, a wrong type is 422 naming the field, a value out of range is 400, and a field that no
// read asked for is an unknown field (422), so a typo never passes silently. Shared by every
// endpoint that takes a JSON body (openai_request, kb_request).
//
// Thread-safety: a FieldReader is used by one thread; the functions are pure.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "server/api_error.h"

namespace souverain::server {

// "a string", "an integer", ... for error messages.
const char* json_type_name(const nlohmann::json& value);
ApiError wrong_type(const std::string& param, const char* expected, const nlohmann::json& value);

// Parses a body into an object: 400 for invalid JSON, 422 for a non-object.
std::variant<nlohmann::json, ApiError> parse_json_object(std::string_view body);

// Reads the fields of one object, remembering which ones were consumed, so that whatever is
// left at the end is an unknown field. The first error sticks; later reads do nothing.
class FieldReader {
public:
    FieldReader(const nlohmann::json& object, std::string prefix)
        : object_(object), prefix_(std::move(prefix)) {}

    bool failed() const { return error_.has_value(); }
    const ApiError& error() const { return *error_; }
    void fail(ApiError error) {
        if (!error_) error_ = std::move(error);
    }
    std::string param(const std::string& key) const { return prefix_ + key; }

    // The value of `key`, or null when it is absent (absent and null mean the same here).
    const nlohmann::json* get(const std::string& key);

    void read_string(const std::string& key, std::string& out, bool required);
    void read_bool(const std::string& key, bool& out);
    // A number in [lo, hi]; integers are numbers too.
    void read_number(const std::string& key, float& out, double lo, double hi);
    // An integer in [lo, hi].
    void read_integer(const std::string& key, int64_t& out, int64_t lo, int64_t hi);
    // Fails on the first field that no read asked for.
    void reject_unknown();

private:
    const nlohmann::json& object_;
    std::string prefix_;
    std::set<std::string> seen_;
    std::optional<ApiError> error_;
};

}  // namespace souverain::server
