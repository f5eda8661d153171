#pragma once
// The register kept in a RegisterStore: assistants and model cards go in as governance
// values, are stored as their JSON, and come back validated. The command line and the
// server both publish through document().
//
// Stored records are validated again when read: a record that no longer passes (edited by
// hand in the database) fails the read with a FORMAT error naming it, rather than being
// published half-checked.
//
// Ownership: borrows the store, which must outlive it. Thread-safety: as the store (the
// SQLite backend is safe from any thread); the service itself holds no mutable state.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "governance/assistant_register.h"
#include "governance/model_card.h"
#include "storage/register_store.h"

namespace souverain::governance {

class RegisterService {
public:
    explicit RegisterService(storage::RegisterStore& store,
                             std::string tenant = storage::kDefaultTenant);

    // Validates and stores an assistant; fails when the name is taken unless `replace`.
    // Returns it with registered_at and updated_at set.
    Result<Assistant> add_assistant(const Assistant& assistant, bool replace);
    Result<std::vector<Assistant>> assistants();
    Result<std::optional<Assistant>> find_assistant(const std::string& name);
    // NOT_FOUND when there is no such assistant.
    Status remove_assistant(const std::string& name);

    // Stores a card with its admin fields; the card must carry the file's SHA-256. Returns
    // the card with admin.updated_at set.
    Result<ModelCard> put_model_card(const ModelCard& card);
    // The stored card of this file (model_name first, then the same file under another name).
    Result<std::optional<ModelCard>> find_model_card(const std::string& model_name,
                                                     const std::string& sha256);
    // The most recent stored card under this name.
    Result<std::optional<ModelCard>> latest_model_card(const std::string& model_name);

    // The register as published, assistants by name. Each gets the card `live_card` returns
    // for its model (the server passes the cards of the models it serves); when it returns
    // nothing, or is empty, the most recent stored card under the model's name.
    using CardLookup = std::function<std::optional<ModelCard>(const std::string& model_name)>;
    Result<RegisterDocument> document(const CardLookup& live_card = {});

    const std::string& tenant() const { return tenant_; }

private:
    storage::RegisterStore& store_;
    std::string tenant_;
};

// Unix seconds as ISO 8601 UTC ("2025-03-12T09:30:00Z").
std::string iso8601_utc(int64_t unix_seconds);

}  // namespace souverain::governance
