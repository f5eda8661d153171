#pragma once
// Reading the JSON records administrators write (a model card's fields, an assistant of the
// register): every field is read once with its type and limits checked, and an error names
// the record and the field. Keys nobody read are reported by finish(), so a misspelt field
// ("legal_base") is refused instead of silently dropped.
//
// Text rules: values are JSON strings (so valid UTF-8), at most `max_bytes` long, without
// control characters other than line breaks and tabs (one-line fields allow neither): such
// characters cannot be shown to a citizen and usually betray a copy-paste accident.
//
// Unlike JsonFields (canonical_json.h), which reads signed objects whose fields are all
// required and whose faults are FORMAT errors, this reads what people type: optional texts
// with limits, lists, flags, and INVALID_ARGUMENT errors meant for the person.
//
// Thread-safety: a reader is used by one thread; it does not own the JSON it reads.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::governance {

class RecordReader {
public:
    // `what` names the record in messages ("assistant", "model card"). Fails at the first
    // call when `object` is not a JSON object.
    RecordReader(const nlohmann::json& object, std::string what);

    // A text field: absent or null leaves `out` empty.
    Status text(const char* key, std::string& out, size_t max_bytes, bool multiline);
    // A list of one-line texts: absent or null leaves `out` empty; duplicates are refused.
    Status text_list(const char* key, std::vector<std::string>& out, size_t max_items,
                     size_t max_bytes);
    // A boolean: absent or null leaves `out` unchanged (its default).
    Status boolean(const char* key, bool& out);
    // A key whose value is accepted and ignored (fields the system sets itself).
    void ignore(const char* key);
    // Fails when the object holds a key no call above named; the message lists the keys
    // this record accepts.
    Status finish() const;

    // The same checks for a value that did not come from JSON (a command-line argument).
    static Status check_text(const std::string& what, const std::string& key,
                             const std::string& value, size_t max_bytes, bool multiline);

private:
    const nlohmann::json& object_;
    std::string what_;
    std::set<std::string> known_;
};

}  // namespace souverain::governance
