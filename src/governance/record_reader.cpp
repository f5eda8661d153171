#include "governance/record_reader.h"

#include "engine/unicode.h"

namespace souverain::governance {

namespace {

Error field_error(const std::string& what, const std::string& key, const std::string& message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, what + ": field '" + key + "' " + message);
}

}  // namespace

RecordReader::RecordReader(const nlohmann::json& object, std::string what)
    : object_(object), what_(std::move(what)) {}

Status RecordReader::check_text(const std::string& what, const std::string& key,
                                const std::string& value, size_t max_bytes, bool multiline) {
    if (value.size() > max_bytes) {
        return field_error(what, key,
                           "is " + std::to_string(value.size()) + " bytes long; at most " +
                               std::to_string(max_bytes) + " are accepted");
    }
    size_t pos = 0;
    while (pos < value.size()) {
        const unicode::Utf8Step step = unicode::utf8_decode(value, pos);
        if (!step.valid) {
            return field_error(what, key, "is not valid UTF-8 (byte " + std::to_string(pos) + ")");
        }
        const uint32_t cpt = step.cpt;
        const bool line_break = cpt == '\n' || cpt == '\r' || cpt == '\t';
        if ((cpt < 0x20 || cpt == 0x7f || (cpt >= 0x80 && cpt < 0xa0)) &&
            !(multiline && line_break)) {
            return field_error(what, key,
                               std::string(multiline ? "contains a control character"
                                                     : "must be one line without control "
                                                       "characters") +
                                   " (at byte " + std::to_string(pos) + ")");
        }
        pos += step.n_bytes;
    }
    return Status::success();
}

Status RecordReader::text(const char* key, std::string& out, size_t max_bytes, bool multiline) {
    known_.insert(key);
    out.clear();
    if (!object_.is_object())
        return make_error(ErrorCode::INVALID_ARGUMENT, what_ + ": not a JSON object");
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::success();
    if (!it->is_string()) return field_error(what_, key, "must be a string");
    const std::string& value = it->get_ref<const std::string&>();
    SOUVERAIN_TRY(check_text(what_, key, value, max_bytes, multiline));
    out = value;
    return Status::success();
}

Status RecordReader::text_list(const char* key, std::vector<std::string>& out, size_t max_items,
                               size_t max_bytes) {
    known_.insert(key);
    out.clear();
    if (!object_.is_object())
        return make_error(ErrorCode::INVALID_ARGUMENT, what_ + ": not a JSON object");
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::success();
    if (!it->is_array()) return field_error(what_, key, "must be a list of strings");
    if (it->size() > max_items) {
        return field_error(what_, key,
                           "has " + std::to_string(it->size()) + " entries; at most " +
                               std::to_string(max_items) + " are accepted");
    }
    std::set<std::string> seen;
    for (size_t idx = 0; idx < it->size(); ++idx) {
        const nlohmann::json& item = (*it)[idx];
        const std::string item_key = std::string(key) + "[" + std::to_string(idx) + "]";
        if (!item.is_string()) return field_error(what_, item_key, "must be a string");
        const std::string& value = item.get_ref<const std::string&>();
        if (value.empty()) return field_error(what_, item_key, "is empty");
        SOUVERAIN_TRY(check_text(what_, item_key, value, max_bytes, /*multiline=*/false));
        if (!seen.insert(value).second) {
            return field_error(what_, key, "lists '" + value + "' twice");
        }
        out.push_back(value);
    }
    return Status::success();
}

Status RecordReader::boolean(const char* key, bool& out) {
    known_.insert(key);
    if (!object_.is_object())
        return make_error(ErrorCode::INVALID_ARGUMENT, what_ + ": not a JSON object");
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::success();
    if (!it->is_boolean()) return field_error(what_, key, "must be true or false");
    out = it->get<bool>();
    return Status::success();
}

void RecordReader::ignore(const char* key) {
    known_.insert(key);
}

Status RecordReader::finish() const {
    if (!object_.is_object())
        return make_error(ErrorCode::INVALID_ARGUMENT, what_ + ": not a JSON object");
    for (auto it = object_.begin(); it != object_.end(); ++it) {
        if (known_.count(it.key()) != 0) continue;
        std::string accepted;
        for (const std::string& key : known_) accepted += (accepted.empty() ? "" : ", ") + key;
        return make_error(ErrorCode::INVALID_ARGUMENT, what_ + ": unknown field '" + it.key() +
                                                           "' (accepted: " + accepted + ")");
    }
    return Status::success();
}

}  // namespace souverain::governance
