#include "governance/pii_vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "governance/pii_scan.h"

namespace souverain::governance {

namespace {

constexpr size_t kMinHexChars = 4;
constexpr size_t kDigestHexChars = 64;
constexpr const char kSealLabel[] = "souverain pii vault seal key v1";

std::string to_hex_string(const uint8_t* data, size_t size) {
    static const char* const kDigits = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * size);
    for (size_t i = 0; i < size; ++i) {
        hex += kDigits[data[i] >> 4];
        hex += kDigits[data[i] & 15];
    }
    return hex;
}

// The sealing key of a tenant: a label MACed under the tenant's pseudonym key, so that the
// digests and the seals never use one key for two purposes.
std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> seal_key(
    const PseudonymKey& tenant_key) {
    static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == crypto_auth_hmacsha256_BYTES);
    std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> key{};
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, tenant_key.bytes().data(), tenant_key.bytes().size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(kSealLabel),
                                  sizeof(kSealLabel) - 1);
    crypto_auth_hmacsha256_final(&state, key.data());
    return key;
}

std::string associated_data(const std::string& tenant, const std::string& digest) {
    return "souverain-pii-v1" + std::string(1, '\0') + tenant + std::string(1, '\0') + digest;
}

// nonce || ciphertext (with its tag).
std::string seal(const std::array<uint8_t, 32>& key, const std::string& tenant,
                 const std::string& digest, std::string_view original) {
    std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + original.size() +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const std::string ad = associated_data(tenant, digest);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
        reinterpret_cast<const unsigned char*>(original.data()), original.size(),
        reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce, key.data());
    out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
    return out;
}

std::optional<std::string> open_sealed(const std::array<uint8_t, 32>& key,
                                       const std::string& tenant, const std::string& digest,
                                       std::string_view sealed) {
    constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (sealed.size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) return std::nullopt;
    std::string plain(sealed.size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    const std::string ad = associated_data(tenant, digest);
    unsigned long long n_plain = 0;
    const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &n_plain, nullptr, nonce + kNonce,
            sealed.size() - kNonce, reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
            nonce, key.data()) != 0) {
        return std::nullopt;
    }
    plain.resize(n_plain);
    return plain;
}

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// The type of a pseudonym-shaped string ("<EMAIL_3f2a>"), or nullopt.
std::optional<PiiType> pseudonym_type(std::string_view candidate) {
    if (candidate.size() < 3 || candidate.front() != '<' || candidate.back() != '>') {
        return std::nullopt;
    }
    const std::string_view inner = candidate.substr(1, candidate.size() - 2);
    const size_t underscore = inner.rfind('_');
    if (underscore == std::string_view::npos) return std::nullopt;
    const std::string_view hex = inner.substr(underscore + 1);
    if (hex.size() < kMinHexChars || hex.size() > kDigestHexChars) return std::nullopt;
    if (!std::all_of(hex.begin(), hex.end(), is_lower_hex)) return std::nullopt;
    return parse_pii_type(inner.substr(0, underscore));
}

}  // namespace

Result<PseudonymKey> load_or_create_pseudonym_key(const std::string& data_dir) {
    const std::string path = (std::filesystem::path(data_dir) / kPseudonymKeyFile).string();
    if (std::filesystem::exists(path)) return PseudonymKey::from_file(path);
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    PseudonymKey key = PseudonymKey::generate();
    std::string hex = to_hex_string(key.bytes().data(), key.bytes().size()) + "\n";
    // O_EXCL: two processes starting at once do not overwrite each other's key.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        sodium_memzero(hex.data(), hex.size());
        if (errno == EEXIST) return PseudonymKey::from_file(path);
        return make_error(ErrorCode::IO, "cannot create " + path + ": " + std::strerror(errno));
    }
    const bool written = ::write(fd, hex.data(), hex.size()) == (ssize_t)hex.size();
    ::close(fd);
    sodium_memzero(hex.data(), hex.size());
    if (!written) return make_error(ErrorCode::IO, "cannot write " + path);
    return key;
}

Result<std::shared_ptr<PiiVault>> PiiVault::open(const std::string& data_dir) {
    if (sodium_init() < 0) return make_error(ErrorCode::INTERNAL, "libsodium failed to start");
    Result<PseudonymKey> master = load_or_create_pseudonym_key(data_dir);
    if (!master) return master.error();
    Result<std::unique_ptr<storage::PseudonymStore>> store =
        storage::open_sqlite_pseudonym_store(data_dir);
    if (!store) return store.error();
    return std::make_shared<PiiVault>(std::move(*store), *master);
}

Result<PseudonymizedText> PiiVault::pseudonymize(const std::string& tenant, std::string_view text,
                                                 const std::vector<PiiEntity>& entities) {
    const PseudonymKey key = tenant_key(tenant);
    std::array<uint8_t, 32> sealing = seal_key(key);
    // One request per distinct digest, in order of first appearance.
    std::vector<std::string> digests;
    std::map<std::string, size_t> request_of;
    std::vector<storage::PseudonymRequest> requests;
    for (const PiiEntity& entity : entities) {
        std::string digest = pseudonym_digest(key, entity.type, entity.text);
        if (request_of.emplace(digest, requests.size()).second) {
            storage::PseudonymRequest request;
            request.digest = digest;
            const std::string prefix = std::string("<") + pii_type_name(entity.type) + "_";
            for (size_t n = kMinHexChars; n <= kDigestHexChars; ++n) {
                request.candidates.push_back(prefix + digest.substr(0, n) + ">");
            }
            request.sealed = seal(sealing, tenant, digest, entity.text);
            requests.push_back(std::move(request));
        }
        digests.push_back(std::move(digest));
    }
    sodium_memzero(sealing.data(), sealing.size());
    Result<std::vector<std::string>> allocated = store_->allocate(tenant, requests);
    if (!allocated) return allocated.error();

    PseudonymizedText result;
    result.entities = entities;
    size_t cursor = 0;
    for (size_t idx = 0; idx < entities.size(); ++idx) {
        const PiiEntity& entity = entities[idx];
        std::string pseudonym = (*allocated)[request_of[digests[idx]]];
        result.mapping.emplace(pseudonym, entity.text);
        if (entity.start >= cursor && entity.end <= text.size() && entity.start <= entity.end) {
            result.text.append(text.substr(cursor, entity.start - cursor));
            result.text += pseudonym;
            cursor = entity.end;
        }
        result.pseudonyms.push_back(std::move(pseudonym));
    }
    result.text.append(text.substr(std::min(cursor, text.size())));
    return result;
}

Result<PseudonymizedText> PiiVault::pseudonymize(const std::string& tenant, std::string_view text) {
    return pseudonymize(tenant, text, scan_pii(text));
}

Result<ReversedText> PiiVault::reverse(const std::string& tenant, std::string_view text) {
    const PseudonymKey key = tenant_key(tenant);
    std::array<uint8_t, 32> sealing = seal_key(key);
    ReversedText result;
    size_t cursor = 0;
    std::map<std::string, std::optional<std::string>> opened;  // pseudonym -> original
    Status failure = Status::success();
    for (const auto& [start, end] : find_pseudonyms(text)) {
        const std::string pseudonym(text.substr(start, end - start));
        auto it = opened.find(pseudonym);
        if (it == opened.end()) {
            std::optional<std::string> original;
            Result<std::optional<storage::StoredPseudonym>> row = store_->find(tenant, pseudonym);
            if (!row) {
                failure = row.error();
                break;
            }
            if (row->has_value()) {
                original = open_sealed(sealing, tenant, (*row)->digest, (*row)->sealed);
                // The value must also be the one the digest names: a row whose digest was
                // replaced would otherwise open to another value's text.
                const std::optional<PiiType> type = pseudonym_type(pseudonym);
                if (original &&
                    (!type || pseudonym_digest(key, *type, *original) != (*row)->digest)) {
                    original.reset();
                }
                if (!original) ++result.unopened;
            }
            it = opened.emplace(pseudonym, std::move(original)).first;
        }
        result.text.append(text.substr(cursor, start - cursor));
        if (it->second) {
            result.text += *it->second;
            ++result.reversed;
        } else {
            result.text += pseudonym;
        }
        cursor = end;
    }
    sodium_memzero(sealing.data(), sealing.size());
    for (auto& [pseudonym, original] : opened) {
        if (original) sodium_memzero(original->data(), original->size());
    }
    if (!failure) return failure.error();
    result.text.append(text.substr(cursor));
    return result;
}

std::vector<std::pair<size_t, size_t>> find_pseudonyms(std::string_view text) {
    // The longest pseudonym: "<" + the longest type name + "_" + 64 hex + ">".
    constexpr size_t kMaxLength = 1 + 16 + 1 + kDigestHexChars + 1;
    std::vector<std::pair<size_t, size_t>> spans;
    size_t pos = 0;
    while ((pos = text.find('<', pos)) != std::string_view::npos) {
        const size_t close = text.find('>', pos + 1);
        if (close == std::string_view::npos) break;
        const size_t inner = text.find('<', pos + 1);
        if (inner < close) {  // "<<EMAIL_3f2a>": restart at the inner '<'
            pos = inner;
            continue;
        }
        if (close + 1 - pos <= kMaxLength && pseudonym_type(text.substr(pos, close + 1 - pos))) {
            spans.emplace_back(pos, close + 1);
            pos = close + 1;
        } else {
            pos += 1;
        }
    }
    return spans;
}

}  // namespace souverain::governance
