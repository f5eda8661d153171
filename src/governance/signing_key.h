#pragma once
// The server's Ed25519 signing identity (libsodium): it signs the audit log's tree heads and
// the AI-Act receipts. The key pair is created on first use in the data directory, in
// DATA_DIR/signing_key.ed25519 (the 32-byte seed as 64 hex characters, mode 0600; a file that
// the group or others may read is refused, as ssh does). The key id is the first 16 hex
// characters of SHA-256(public key). The public key is published as a JWK set (RFC 8037,
// {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64url, "kid", "use": "sig",
// "alg": "EdDSA"}]}), the document the server serves at /.well-known/souverain/keys.
//
// Who holds the data directory holds the key: the audit log's signatures protect against
// whoever can write the database but not read this file (a DBA, a backup, a restored copy),
// and a tree head saved outside (by an auditor) protects against the key holder too.
//
// Thread-safety: both classes are immutable values; sign() and verify() are safe from any
// thread. The secret bytes are wiped when a SigningKey is destroyed.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace souverain::governance {

class PublicKey {
public:
    static constexpr size_t kSize = 32;
    static constexpr size_t kSignatureSize = 64;

    explicit PublicKey(const std::array<uint8_t, kSize>& bytes);

    const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
    // First 16 lower-case hex characters of SHA-256(bytes).
    const std::string& key_id() const { return key_id_; }
    // True when `signature` (64 bytes) is this key's Ed25519 signature of `message`.
    bool verify(std::string_view message, std::string_view signature) const;

    nlohmann::json to_jwk() const;
    // A JWK with kty "OKP", crv "Ed25519" and x; a "kid", when present, must be this key's id.
    static Result<PublicKey> from_jwk(const nlohmann::json& jwk);

private:
    std::array<uint8_t, kSize> bytes_;
    std::string key_id_;
};

// {"keys": [JWK, ...]}: the /.well-known/souverain/keys document.
std::string public_keys_document(const std::vector<PublicKey>& keys);
// Reads such a document, or a single JWK; FORMAT error naming the fault.
Result<std::vector<PublicKey>> parse_public_keys(std::string_view json);
Result<std::vector<PublicKey>> load_public_keys_file(const std::string& path);
// The key with this id among `keys`; NOT_FOUND naming the id otherwise.
Result<PublicKey> find_public_key(const std::vector<PublicKey>& keys, const std::string& key_id);

class SigningKey {
public:
    static constexpr const char* kFileName = "signing_key.ed25519";
    static constexpr size_t kSeedSize = 32;

    // DATA_DIR/signing_key.ed25519, created with a fresh key (mode 0600) when absent. Two
    // processes creating it at once end with the same key (the file appears atomically).
    static Result<SigningKey> load_or_create(const std::string& data_dir);
    // The existing key only: NOT_FOUND when the file is absent (a verifier never creates one).
    static Result<SigningKey> load(const std::string& data_dir);
    static SigningKey from_seed(const std::array<uint8_t, kSeedSize>& seed);
    static SigningKey generate();

    SigningKey(const SigningKey&) = default;
    SigningKey& operator=(const SigningKey&) = default;
    ~SigningKey();

    const PublicKey& public_key() const { return public_key_; }
    const std::string& key_id() const { return public_key_.key_id(); }
    // The 64-byte Ed25519 signature of `message`.
    std::string sign(std::string_view message) const;

private:
    SigningKey(const std::array<uint8_t, 64>& secret, const PublicKey& public_key)
        : secret_(secret), public_key_(public_key) {}

    std::array<uint8_t, 64> secret_;  // libsodium's secret key: seed || public key
    PublicKey public_key_;
};

// base64url without padding (RFC 4648 §5), as JWKs write keys.
std::string to_base64url(std::string_view bytes);
Result<std::string> from_base64url(std::string_view text);

}  // namespace souverain::governance
