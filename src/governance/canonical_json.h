#pragma once
// Canonical JSON: the one byte form of the governance objects that are hashed or signed
// (audit records, receipts, tree heads), and a strict reader for them.
//
// The canonical form of a JSON value: objects with their keys sorted by bytes, no whitespace,
// integers in plain decimal (no floats are used), strings in UTF-8 with only `"`, `\` and the
// control characters below 0x20 escaped (`\b \f \n \r \t`, the others as `\u00xx`, lower-case
// hex); any invalid UTF-8 in a string becomes U+FFFD. Parsing canonical bytes and writing them
// again gives the same bytes, which is how a verifier notices bytes that are not canonical.
//
// Thread-safety: pure functions; a JsonFields reads one object on one thread.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"

namespace souverain::governance {

std::string canonical_json(const nlohmann::json& value);

// Parses `text` as a JSON object; FORMAT error (naming `what`) when it is not one.
Result<nlohmann::json> parse_json_object(std::string_view text, const std::string& what);

// Reads the fields of one JSON object strictly: each read checks the type, finish() rejects
// fields that were never read, so a signed object cannot carry unsigned extras.
class JsonFields {
public:
    // `what` names the object in error messages ("audit record", "receipt").
    JsonFields(const nlohmann::json& object, std::string what);

    Result<std::string> string(const std::string& key);
    Result<std::optional<std::string>> optional_string(const std::string& key);
    Result<int64_t> integer(const std::string& key);
    // A lower-case hexadecimal string of exactly `n_chars` characters.
    Result<std::string> hex(const std::string& key, size_t n_chars);
    // The array under `key` (FORMAT error when absent or not an array).
    Result<const nlohmann::json*> array(const std::string& key);
    Status finish() const;

private:
    Result<const nlohmann::json*> field(const std::string& key);
    Error format_error(const std::string& message) const;

    const nlohmann::json& object_;
    std::string what_;
    std::set<std::string> read_;
};

// True when `text` is `n_chars` lower-case hexadecimal characters.
bool is_lower_hex(std::string_view text, size_t n_chars);

}  // namespace souverain::governance
