#include "governance/audit_record.h"

#include <nlohmann/json.hpp>

#include "governance/canonical_json.h"

namespace souverain::governance {

namespace {

constexpr int64_t kFormatVersion = 1;

bool is_hash_field(std::string_view value) {
    return value.empty() || is_lower_hex(value, 64);
}

Result<std::string> read_hash(JsonFields& fields, const std::string& key) {
    Result<std::string> value = fields.string(key);
    if (!value) return value.error();
    if (!is_hash_field(*value)) {
        return make_error(ErrorCode::FORMAT, "audit record: field '" + key +
                                                 "' is neither empty nor a SHA-256 in hex");
    }
    return value;
}

}  // namespace

Status validate_audit_record(const AuditRecord& record) {
    const std::pair<const char*, const std::string*> hashes[] = {
        {"model_sha256", &record.model_sha256},
        {"input_sha256", &record.input_sha256},
        {"output_sha256", &record.output_sha256},
    };
    for (const auto& [name, value] : hashes) {
        if (!is_hash_field(*value)) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              std::string("audit record: ") + name +
                                  " must be empty or 64 lower-case hexadecimal characters");
        }
    }
    const std::pair<const char*, int64_t> counts[] = {
        {"prompt_tokens", record.prompt_tokens},
        {"completion_tokens", record.completion_tokens},
        {"latency_ms", record.latency_ms},
        {"time_ms", record.time_ms},
    };
    for (const auto& [name, value] : counts) {
        if (value < 0) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              std::string("audit record: ") + name + " is negative");
        }
    }
    return Status::success();
}

std::string serialize_audit_record(const AuditRecord& record) {
    nlohmann::json sources = nlohmann::json::array();
    for (const SourceRef& source : record.sources) {
        sources.push_back(
            {{"kb", source.kb}, {"document", source.document}, {"chunk_id", source.chunk_id}});
    }
    nlohmann::json doc = {
        {"v", kFormatVersion},
        {"seq", record.seq},
        {"time_ms", record.time_ms},
        {"tenant", record.tenant},
        {"key_id", record.key_id},
        {"endpoint", record.endpoint},
        {"model", record.model},
        {"model_sha256", record.model_sha256},
        {"sources", std::move(sources)},
        {"input_sha256", record.input_sha256},
        {"output_sha256", record.output_sha256},
        {"prompt_tokens", record.prompt_tokens},
        {"completion_tokens", record.completion_tokens},
        {"latency_ms", record.latency_ms},
        {"status", record.status},
    };
    if (record.prompt_text) doc["prompt_text"] = *record.prompt_text;
    if (record.output_text) doc["output_text"] = *record.output_text;
    return canonical_json(doc);
}

Result<AuditRecord> parse_audit_record(std::string_view bytes) {
    Result<nlohmann::json> doc = parse_json_object(bytes, "audit record");
    if (!doc) return doc.error();
    JsonFields fields(*doc, "audit record");
    Result<int64_t> version = fields.integer("v");
    if (!version) return version.error();
    if (*version != kFormatVersion) {
        return make_error(ErrorCode::FORMAT,
                          "audit record: unknown format version " + std::to_string(*version));
    }
    AuditRecord record;
    Result<int64_t> seq = fields.integer("seq");
    if (!seq) return seq.error();
    if (*seq < 0) return make_error(ErrorCode::FORMAT, "audit record: negative seq");
    record.seq = (uint64_t)*seq;

    const std::pair<const char*, int64_t*> integers[] = {
        {"time_ms", &record.time_ms},
        {"prompt_tokens", &record.prompt_tokens},
        {"completion_tokens", &record.completion_tokens},
        {"latency_ms", &record.latency_ms},
        {"status", &record.status},
    };
    for (const auto& [key, out] : integers) {
        Result<int64_t> value = fields.integer(key);
        if (!value) return value.error();
        *out = *value;
    }
    const std::pair<const char*, std::string*> strings[] = {
        {"tenant", &record.tenant},
        {"key_id", &record.key_id},
        {"endpoint", &record.endpoint},
        {"model", &record.model},
    };
    for (const auto& [key, out] : strings) {
        Result<std::string> value = fields.string(key);
        if (!value) return value.error();
        *out = std::move(*value);
    }
    const std::pair<const char*, std::string*> hashes[] = {
        {"model_sha256", &record.model_sha256},
        {"input_sha256", &record.input_sha256},
        {"output_sha256", &record.output_sha256},
    };
    for (const auto& [key, out] : hashes) {
        Result<std::string> value = read_hash(fields, key);
        if (!value) return value.error();
        *out = std::move(*value);
    }
    Result<std::optional<std::string>> prompt_text = fields.optional_string("prompt_text");
    if (!prompt_text) return prompt_text.error();
    record.prompt_text = std::move(*prompt_text);
    Result<std::optional<std::string>> output_text = fields.optional_string("output_text");
    if (!output_text) return output_text.error();
    record.output_text = std::move(*output_text);

    Result<const nlohmann::json*> sources = fields.array("sources");
    if (!sources) return sources.error();
    for (const nlohmann::json& item : **sources) {
        if (!item.is_object()) {
            return make_error(ErrorCode::FORMAT, "audit record: a source is not an object");
        }
        JsonFields source_fields(item, "audit record source");
        SourceRef source;
        Result<std::string> kb = source_fields.string("kb");
        if (!kb) return kb.error();
        Result<std::string> document = source_fields.string("document");
        if (!document) return document.error();
        Result<int64_t> chunk_id = source_fields.integer("chunk_id");
        if (!chunk_id) return chunk_id.error();
        SOUVERAIN_TRY(source_fields.finish());
        record.sources.push_back(SourceRef{std::move(*kb), std::move(*document), *chunk_id});
    }
    SOUVERAIN_TRY(fields.finish());
    return record;
}

void attach_pseudonymized_texts(AuditRecord& record, std::string_view prompt,
                                std::string_view output, const PseudonymKey& tenant_key) {
    record.prompt_text = pseudonymize(prompt, tenant_key).text;
    record.output_text = pseudonymize(output, tenant_key).text;
}

Status attach_pseudonymized_texts(AuditRecord& record, std::string_view prompt,
                                  std::string_view output, PiiVault& vault) {
    Result<PseudonymizedText> kept_prompt = vault.pseudonymize(record.tenant, prompt);
    Result<PseudonymizedText> kept_output =
        kept_prompt ? vault.pseudonymize(record.tenant, output) : kept_prompt;
    if (!kept_prompt || !kept_output) {
        record.prompt_text.reset();
        record.output_text.reset();
        return kept_prompt ? kept_output.error() : kept_prompt.error();
    }
    record.prompt_text = std::move(kept_prompt->text);
    record.output_text = std::move(kept_output->text);
    return Status::success();
}

}  // namespace souverain::governance
