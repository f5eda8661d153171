#pragma once
// The storage interface of the public register: model cards and assistants, per tenant.
//
//   model cards  keyed by (tenant, model name, file SHA-256): the administrator's fields with
//                the facts of the exact file they were written for. A new file under the
//                same name gets a card of its own; the old one stays (history).
//   assistants   keyed by (tenant, name).
//
// Records are JSON text written and read by src/governance/ (model_card.h,
// assistant_register.h); the store keeps them and does not interpret them, so a PostgreSQL
// backend is one more implementation of this interface. The CLI and the public page use
// kDefaultTenant (storage/tenant_store.h).
//
// Ownership: a RegisterStore owns its connection; rows are plain values copied out.
// Thread-safety: every call is safe from any thread (the SQLite backend serializes calls on
// an internal mutex). Durability: every mutating call is one transaction.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "storage/tenant_store.h"

namespace souverain::storage {

struct StoredModelCard {
    std::string tenant;
    std::string model_name;
    std::string sha256;  // lower-case hex of the model file
    std::string card_json;
    int64_t updated_at = 0;  // Unix seconds
};

struct StoredAssistant {
    std::string tenant;
    std::string name;
    std::string record_json;
    int64_t registered_at = 0;  // Unix seconds; kept when the record is replaced
    int64_t updated_at = 0;
};

class RegisterStore {
public:
    virtual ~RegisterStore() = default;

    // Inserts, or replaces, the card of (tenant, model_name, sha256).
    virtual Result<StoredModelCard> put_model_card(const std::string& tenant,
                                                   const std::string& model_name,
                                                   const std::string& sha256,
                                                   const std::string& card_json) = 0;
    // The card of this file under this name; else the most recent card of this file under
    // any name (the same weights served under another name); else nullopt.
    virtual Result<std::optional<StoredModelCard>> find_model_card(const std::string& tenant,
                                                                   const std::string& model_name,
                                                                   const std::string& sha256) = 0;
    // The most recently updated card recorded under this name, whatever its file.
    virtual Result<std::optional<StoredModelCard>> latest_model_card(
        const std::string& tenant, const std::string& model_name) = 0;
    // Every card of the tenant, by name then most recent first.
    virtual Result<std::vector<StoredModelCard>> list_model_cards(const std::string& tenant) = 0;

    // Stores an assistant. Fails with ALREADY_EXISTS, writing nothing, when the name is
    // taken, unless `replace` (the record is then replaced and registered_at kept).
    virtual Result<StoredAssistant> put_assistant(const std::string& tenant,
                                                  const std::string& name,
                                                  const std::string& record_json, bool replace) = 0;
    virtual Result<std::optional<StoredAssistant>> find_assistant(const std::string& tenant,
                                                                  const std::string& name) = 0;
    // Every assistant of the tenant, by name.
    virtual Result<std::vector<StoredAssistant>> list_assistants(const std::string& tenant) = 0;
    // Returns false when there was no such assistant.
    virtual Result<bool> remove_assistant(const std::string& tenant, const std::string& name) = 0;
};

// Opens (creating when absent) the register tables in `data_dir/souverain.db` (WAL mode), the
// same file as the knowledge-base store, through a connection of its own.
Result<std::unique_ptr<RegisterStore>> open_sqlite_register_store(const std::string& data_dir);

}  // namespace souverain::storage
