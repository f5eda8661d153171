#include "governance/api_keys.h"

#include <sodium.h>

#include <ctime>
#include <iterator>

#include "governance/sha256.h"

namespace souverain::governance {

namespace {

constexpr std::string_view kKeyPrefix = "sk-souv-";
constexpr size_t kKeyIdHex = 16;
constexpr size_t kSecretHex = 64;
// A bound on the cache, so that it cannot grow without limit; it holds verified keys only.
constexpr size_t kMaxCachedKeys = 100000;

bool ensure_sodium() {
    // sodium_init() is idempotent and thread-safe; it fails only without a random source.
    static const int status = sodium_init();
    return status >= 0;
}

bool is_lower_hex(std::string_view text) {
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string random_hex(size_t n_bytes) {
    std::string bytes(n_bytes, '\0');
    randombytes_buf(bytes.data(), bytes.size());
    static const char* const kDigits = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : bytes) {
        hex += kDigits[c >> 4];
        hex += kDigits[c & 15];
    }
    sodium_memzero(bytes.data(), bytes.size());
    return hex;
}

Error invalid_tenant_name(const std::string& name, const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "invalid tenant name '" + name + "': " + why);
}

}  // namespace

KeyHashCost KeyHashCost::interactive() {
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

KeyHashCost KeyHashCost::minimal() {
    return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

std::optional<KeyParts> parse_api_key(std::string_view key) {
    if (key.size() != kKeyPrefix.size() + kKeyIdHex + 1 + kSecretHex) return std::nullopt;
    if (key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return std::nullopt;
    const std::string_view id = key.substr(kKeyPrefix.size(), kKeyIdHex);
    if (key[kKeyPrefix.size() + kKeyIdHex] != '-') return std::nullopt;
    const std::string_view secret = key.substr(kKeyPrefix.size() + kKeyIdHex + 1);
    if (!is_lower_hex(id) || !is_lower_hex(secret)) return std::nullopt;
    return KeyParts{std::string(id), std::string(secret)};
}

ApiKeys::ApiKeys(std::unique_ptr<storage::TenantStore> store, KeyHashCost cost)
    : store_(std::move(store)), cost_(cost) {}

Result<std::unique_ptr<ApiKeys>> ApiKeys::open(const std::string& data_dir, KeyHashCost cost) {
    Result<std::unique_ptr<storage::TenantStore>> store =
        storage::open_sqlite_tenant_store(data_dir);
    if (!store) return store.error();
    return std::make_unique<ApiKeys>(std::move(*store), cost);
}

Result<storage::TenantRow> ApiKeys::create_tenant(const std::string& name, bool operator_tenant) {
    if (std::string why = tenant_name_problem(name); !why.empty()) {
        return invalid_tenant_name(name, why);
    }
    Result<std::vector<storage::TenantRow>> existing = store_->list_tenants();
    if (!existing) return existing.error();
    return store_->create_tenant(name, operator_tenant || existing->empty());
}

Result<std::vector<storage::TenantRow>> ApiKeys::list_tenants() {
    return store_->list_tenants();
}

Result<std::optional<storage::TenantRow>> ApiKeys::find_tenant(const std::string& name) {
    return store_->find_tenant(name);
}

Status ApiKeys::set_policy(const std::string& name, const storage::TenantPolicy& policy) {
    return store_->set_policy(name, policy);
}

Status ApiKeys::delete_tenant(const std::string& name) {
    Result<std::vector<storage::ApiKeyRow>> keys = store_->list_keys(name);
    if (!keys) return keys.error();
    Result<bool> removed = store_->delete_tenant(name);
    if (!removed) return removed.error();
    if (!*removed) return make_error(ErrorCode::NOT_FOUND, "no tenant '" + name + "'");
    for (const storage::ApiKeyRow& key : *keys) forget(key.key_id);
    return Status::success();
}

Result<CreatedKey> ApiKeys::create_key(const std::string& tenant, Role role,
                                       const std::string& label) {
    if (!ensure_sodium()) return make_error(ErrorCode::INTERNAL, "libsodium failed to start");
    if (label.size() > 200) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "a key label is at most 200 bytes");
    }
    CreatedKey created;
    created.row.key_id = random_hex(kKeyIdHex / 2);
    created.key = std::string(kKeyPrefix) + created.row.key_id + "-" + random_hex(kSecretHex / 2);
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, created.key.data(), created.key.size(), cost_.opslimit,
                          cost_.memlimit) != 0) {
        return make_error(ErrorCode::INTERNAL, "cannot hash the new key (out of memory)");
    }
    created.row.tenant = tenant;
    created.row.role = role_name(role);
    created.row.hash = hash;
    created.row.label = label;
    created.row.created_at = (int64_t)std::time(nullptr);
    SOUVERAIN_TRY(store_->insert_key(created.row));
    return created;
}

Result<std::vector<storage::ApiKeyRow>> ApiKeys::list_keys(const std::string& tenant) {
    return store_->list_keys(tenant);
}

Result<std::optional<storage::ApiKeyRow>> ApiKeys::find_key(const std::string& key_id) {
    return store_->find_key(key_id);
}

Status ApiKeys::revoke_key(const std::string& key_id) {
    Result<bool> revoked = store_->revoke_key(key_id);
    if (!revoked) return revoked.error();
    forget(key_id);
    if (!*revoked) return make_error(ErrorCode::NOT_FOUND, "no active key '" + key_id + "'");
    return Status::success();
}

Result<std::optional<Principal>> ApiKeys::authenticate(std::string_view key) {
    const std::optional<KeyParts> parts = parse_api_key(key);
    if (!parts) return std::optional<Principal>();
    if (!ensure_sodium()) return make_error(ErrorCode::INTERNAL, "libsodium failed to start");
    Result<std::optional<storage::ApiKeyRow>> row = store_->find_key(parts->key_id);
    if (!row) return row.error();
    if (!row->has_value() || (*row)->revoked_at) {
        forget(parts->key_id);
        verify_dummy(key);
        return std::optional<Principal>();
    }
    const std::optional<Role> role = parse_role((*row)->role);
    if (!role) {
        verify_dummy(key);
        return std::optional<Principal>();
    }
    Result<std::optional<storage::TenantRow>> tenant = store_->find_tenant((*row)->tenant);
    if (!tenant) return tenant.error();
    if (!tenant->has_value()) {
        verify_dummy(key);
        return std::optional<Principal>();
    }

    const std::string digest = to_hex(sha256(key));
    bool verified = false;
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        auto it = verified_.find(digest);
        verified = it != verified_.end() && it->second == parts->key_id;
    }
    if (!verified) {
        verified = verify_slow((*row)->hash.c_str(), key);
        if (!verified) return std::optional<Principal>();
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (verified_.size() >= kMaxCachedKeys) verified_.clear();
        verified_[digest] = parts->key_id;
    }
    return std::optional<Principal>(
        Principal{(*row)->tenant, (*row)->key_id, *role, (*tenant)->operator_tenant});
}

Result<bool> ApiKeys::keys_exist() {
    return store_->any_key();
}

bool ApiKeys::verify_slow(const char* hash, std::string_view key) {
    slow_verifications_.fetch_add(1);
    return crypto_pwhash_str_verify(hash, key.data(), key.size()) == 0;
}

void ApiKeys::verify_dummy(std::string_view key) {
    std::call_once(dummy_once_, [this]() {
        std::string secret = random_hex(32);
        char hash[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(hash, secret.data(), secret.size(), cost_.opslimit, cost_.memlimit) ==
            0) {
            dummy_hash_ = hash;
        }
        sodium_memzero(secret.data(), secret.size());
    });
    // Out of memory while hashing leaves no dummy: the refusal is then merely faster.
    if (!dummy_hash_.empty()) (void)verify_slow(dummy_hash_.c_str(), key);
}

void ApiKeys::forget(const std::string& key_id) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    for (auto it = verified_.begin(); it != verified_.end();) {
        it = it->second == key_id ? verified_.erase(it) : std::next(it);
    }
}

}  // namespace souverain::governance
