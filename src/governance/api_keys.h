#pragma once
// Tenants and their API keys as the server and the CLI use them: creating keys (shown once),
// authenticating a presented key, revoking.
//
// A key reads `sk-souv-<key id>-<secret>`: the key id (16 hex characters) finds the stored
// row, the secret (64 hex characters, 256 random bits) is never stored. The row keeps an
// argon2id hash of the whole key (libsodium crypto_pwhash_str: salted, slow), so a copy of the
// database yields no usable key.
//
// Why a cache: argon2id costs tens of milliseconds by design, too much for every request. A
// successful verification is remembered in memory under the SHA-256 of the whole key (never
// the key itself); a hit still reads the key's row, so a revocation (by this process or by
// `souverain admin key revoke` in another) takes effect at the next request, and a changed
// role or a deleted tenant too. revoke() also drops the cached entries at once.
//
// Timing: a key whose id is unknown (or revoked, or of a deleted tenant) is checked against a
// fixed dummy argon2id hash made with the same cost, so it takes as long as a known id with a
// wrong secret: the answer's timing does not tell whether an id exists. (A key that does not
// even have the shape of one is refused at once: its shape is public.) Only a key verified
// before is answered faster, from the cache, and only its holder can present it.
//
// Ownership: owns its TenantStore. Thread-safety: every method may be called from any thread
// (the store serializes its calls; the cache has its own mutex; argon2id runs outside it).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "governance/access_control.h"
#include "storage/tenant_store.h"

namespace souverain::governance {

// argon2id cost of new hashes; a stored hash carries its own, so verification follows it.
struct KeyHashCost {
    unsigned long long opslimit;
    size_t memlimit;                   // bytes
    static KeyHashCost interactive();  // libsodium's INTERACTIVE: 2 passes, 64 MiB
    static KeyHashCost minimal();      // the minimum: for tests that create many keys
};

struct CreatedKey {
    std::string key;  // the whole key: shown once, never stored
    storage::ApiKeyRow row;
};

// The parts of a key, or nullopt when `key` does not have the shape of one.
struct KeyParts {
    std::string key_id;
    std::string secret;
};
std::optional<KeyParts> parse_api_key(std::string_view key);

class ApiKeys {
public:
    explicit ApiKeys(std::unique_ptr<storage::TenantStore> store,
                     KeyHashCost cost = KeyHashCost::interactive());
    // The tenant store of `data_dir/souverain.db`.
    static Result<std::unique_ptr<ApiKeys>> open(const std::string& data_dir,
                                                 KeyHashCost cost = KeyHashCost::interactive());

    // INVALID_ARGUMENT for a bad name (tenant_name_problem), ALREADY_EXISTS when taken. The
    // first tenant ever created is the operator tenant, whatever `operator_tenant` says.
    Result<storage::TenantRow> create_tenant(const std::string& name, bool operator_tenant);
    Result<std::vector<storage::TenantRow>> list_tenants();
    Result<std::optional<storage::TenantRow>> find_tenant(const std::string& name);
    // NOT_FOUND when the tenant does not exist.
    Status set_policy(const std::string& name, const storage::TenantPolicy& policy);
    // NOT_FOUND when absent. Removes the tenant's keys with it (they stop working at once).
    Status delete_tenant(const std::string& name);

    // A new key of `tenant` (NOT_FOUND when the tenant does not exist).
    Result<CreatedKey> create_key(const std::string& tenant, Role role, const std::string& label);
    // The keys of a tenant, without secrets (there are none to show), oldest first.
    Result<std::vector<storage::ApiKeyRow>> list_keys(const std::string& tenant);
    Result<std::optional<storage::ApiKeyRow>> find_key(const std::string& key_id);
    // NOT_FOUND when no active key has this id.
    Status revoke_key(const std::string& key_id);

    // The principal of a presented key; nullopt when it is malformed, unknown, revoked, or its
    // secret does not match. Errors are storage failures only.
    Result<std::optional<Principal>> authenticate(std::string_view key);

    // Whether keys are required: true as soon as one key was ever created.
    Result<bool> keys_exist();

    // How many argon2id verifications ran (stored or dummy hash): lets tests check that
    // every refusal pays the slow hash, without measuring time.
    uint64_t slow_verifications() const { return slow_verifications_.load(); }

private:
    void forget(const std::string& key_id);
    // argon2id of `key` against `hash`, counted.
    bool verify_slow(const char* hash, std::string_view key);
    // Spends the time of a verification on a key that cannot match.
    void verify_dummy(std::string_view key);

    std::unique_ptr<storage::TenantStore> store_;
    KeyHashCost cost_;
    std::mutex cache_mutex_;
    // SHA-256 (hex) of a whole key -> its key id, for keys verified since start.
    std::unordered_map<std::string, std::string> verified_;
    std::once_flag dummy_once_;
    std::string dummy_hash_;  // argon2id of a random secret at cost_, made on first use
    std::atomic<uint64_t> slow_verifications_{0};
};

}  // namespace souverain::governance
