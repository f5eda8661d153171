#include "governance/register_service.h"

#include <ctime>

namespace souverain::governance {

namespace {

Result<nlohmann::json> parse_stored(const std::string& text, const std::string& what) {
    nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return make_error(ErrorCode::FORMAT, "register store: " + what + " is not valid JSON");
    }
    return json;
}

Result<Assistant> assistant_from_row(const storage::StoredAssistant& row) {
    Result<nlohmann::json> json = parse_stored(row.record_json, "assistant '" + row.name + "'");
    if (!json) return json.error();
    Result<Assistant> assistant = parse_assistant(*json);
    if (!assistant) {
        return make_error(ErrorCode::FORMAT,
                          "register store: the stored " + assistant.error().message);
    }
    assistant->registered_at = iso8601_utc(row.registered_at);
    assistant->updated_at = iso8601_utc(row.updated_at);
    return assistant;
}

Result<std::optional<ModelCard>> card_from_row(const std::optional<storage::StoredModelCard>& row) {
    if (!row) return std::optional<ModelCard>();
    Result<nlohmann::json> json =
        parse_stored(row->card_json, "the model card of '" + row->model_name + "'");
    if (!json) return json.error();
    Result<ModelCard> card = model_card_from_json(*json);
    if (!card) {
        return make_error(ErrorCode::FORMAT, "register store: the model card of '" +
                                                 row->model_name + "': " + card.error().message);
    }
    if (card->admin) card->admin->updated_at = iso8601_utc(row->updated_at);
    return std::optional<ModelCard>(std::move(*card));
}

}  // namespace

std::string iso8601_utc(int64_t unix_seconds) {
    const std::time_t t = (std::time_t)unix_seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

RegisterService::RegisterService(storage::RegisterStore& store, std::string tenant)
    : store_(store), tenant_(std::move(tenant)) {}

Result<Assistant> RegisterService::add_assistant(const Assistant& assistant, bool replace) {
    SOUVERAIN_TRY(validate_assistant(assistant));
    nlohmann::ordered_json record = assistant_json(assistant, /*for_publication=*/false);
    record.erase("registered_at");
    record.erase("updated_at");
    Result<storage::StoredAssistant> row =
        store_.put_assistant(tenant_, assistant.name, record.dump(), replace);
    if (!row) return row.error();
    Assistant stored = assistant;
    stored.registered_at = iso8601_utc(row->registered_at);
    stored.updated_at = iso8601_utc(row->updated_at);
    return stored;
}

Result<std::vector<Assistant>> RegisterService::assistants() {
    Result<std::vector<storage::StoredAssistant>> rows = store_.list_assistants(tenant_);
    if (!rows) return rows.error();
    std::vector<Assistant> out;
    for (const storage::StoredAssistant& row : *rows) {
        Result<Assistant> assistant = assistant_from_row(row);
        if (!assistant) return assistant.error();
        out.push_back(std::move(*assistant));
    }
    return out;
}

Result<std::optional<Assistant>> RegisterService::find_assistant(const std::string& name) {
    Result<std::optional<storage::StoredAssistant>> row = store_.find_assistant(tenant_, name);
    if (!row) return row.error();
    if (!*row) return std::optional<Assistant>();
    Result<Assistant> assistant = assistant_from_row(**row);
    if (!assistant) return assistant.error();
    return std::optional<Assistant>(std::move(*assistant));
}

Status RegisterService::remove_assistant(const std::string& name) {
    Result<bool> removed = store_.remove_assistant(tenant_, name);
    if (!removed) return removed.error();
    if (!*removed) {
        return make_error(ErrorCode::NOT_FOUND, "no assistant named '" + name + "' is registered");
    }
    return Status::success();
}

Result<ModelCard> RegisterService::put_model_card(const ModelCard& card) {
    if (card.facts.sha256.size() != 64) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "model card of '" + card.name + "': the file's SHA-256 is not known");
    }
    if (!card.admin) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "model card of '" + card.name + "': no administrator fields to store");
    }
    if (card.name.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "model card: the model has no name");
    }
    Result<storage::StoredModelCard> row =
        store_.put_model_card(tenant_, card.name, card.facts.sha256, model_card_json(card).dump());
    if (!row) return row.error();
    ModelCard stored = card;
    stored.admin->updated_at = iso8601_utc(row->updated_at);
    return stored;
}

Result<std::optional<ModelCard>> RegisterService::find_model_card(const std::string& model_name,
                                                                  const std::string& sha256) {
    Result<std::optional<storage::StoredModelCard>> row =
        store_.find_model_card(tenant_, model_name, sha256);
    if (!row) return row.error();
    return card_from_row(*row);
}

Result<std::optional<ModelCard>> RegisterService::latest_model_card(const std::string& model_name) {
    Result<std::optional<storage::StoredModelCard>> row =
        store_.latest_model_card(tenant_, model_name);
    if (!row) return row.error();
    return card_from_row(*row);
}

Result<RegisterDocument> RegisterService::document(const CardLookup& live_card) {
    Result<std::vector<Assistant>> list = assistants();
    if (!list) return list.error();
    RegisterDocument document;
    document.tenant = tenant_;
    document.generated_at = iso8601_utc((int64_t)std::time(nullptr));
    for (Assistant& assistant : *list) {
        RegisterEntry entry;
        if (live_card) entry.model_card = live_card(assistant.model);
        if (!entry.model_card) {
            Result<std::optional<ModelCard>> stored = latest_model_card(assistant.model);
            if (!stored) return stored.error();
            entry.model_card = std::move(*stored);
        }
        // The card describes the file under the assistant's model name, whatever name the
        // card was first written under.
        if (entry.model_card) entry.model_card->name = assistant.model;
        entry.assistant = std::move(assistant);
        document.entries.push_back(std::move(entry));
    }
    return document;
}

}  // namespace souverain::governance
