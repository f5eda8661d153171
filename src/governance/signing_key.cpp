#include "governance/signing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "governance/canonical_json.h"
#include "governance/sha256.h"

namespace souverain::governance {

namespace {

void ensure_sodium() {
    // Idempotent and thread-safe; fails only without a random source.
    static const int status = sodium_init();
    (void)status;
}

std::string key_file_path(const std::string& data_dir) {
    return (std::filesystem::path(data_dir) / SigningKey::kFileName).string();
}

Result<SigningKey> read_key_file(const std::string& path) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return make_error(ErrorCode::NOT_FOUND, path + ": no signing key");
        return make_error(ErrorCode::IO, path + ": " + std::strerror(errno));
    }
    if ((info.st_mode & 077) != 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          path + ": the signing key is readable by others; chmod 600 it");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return make_error(ErrorCode::IO, path + ": cannot read the signing key");
    std::string content = text.str();
    while (!content.empty() && std::isspace((unsigned char)content.back())) content.pop_back();
    std::array<uint8_t, SigningKey::kSeedSize> seed;
    size_t n_bytes = 0;
    const bool ok = is_lower_hex(content, 2 * seed.size()) &&
                    sodium_hex2bin(seed.data(), seed.size(), content.data(), content.size(),
                                   nullptr, &n_bytes, nullptr) == 0 &&
                    n_bytes == seed.size();
    sodium_memzero(content.data(), content.size());
    if (!ok) {
        return make_error(ErrorCode::FORMAT,
                          path + ": not a signing key (64 lower-case hexadecimal characters)");
    }
    SigningKey key = SigningKey::from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return key;
}

// Writes a fresh seed to a private temporary file and links it to `path`: the key file
// appears complete or not at all, and an existing one is never replaced.
Status create_key_file(const std::string& path) {
    std::array<uint8_t, SigningKey::kSeedSize> seed;
    randombytes_buf(seed.data(), seed.size());
    char hex[2 * SigningKey::kSeedSize + 1];
    sodium_bin2hex(hex, sizeof(hex), seed.data(), seed.size());
    sodium_memzero(seed.data(), seed.size());
    std::string line = std::string(hex, 2 * SigningKey::kSeedSize) + "\n";
    sodium_memzero(hex, sizeof(hex));

    // Unique per process and per call: two threads creating the key at once never collide.
    const std::string temp =
        path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(randombytes_random());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(ErrorCode::IO, temp + ": " + std::strerror(errno));
    const bool written =
        ::write(fd, line.data(), line.size()) == (ssize_t)line.size() && ::fsync(fd) == 0;
    sodium_memzero(line.data(), line.size());
    ::close(fd);
    if (!written) {
        ::unlink(temp.c_str());
        return make_error(ErrorCode::IO, temp + ": cannot write the signing key");
    }
    const int linked = ::link(temp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked != 0 && link_errno != EEXIST) {
        return make_error(ErrorCode::IO, path + ": " + std::strerror(link_errno));
    }
    return Status::success();
}

}  // namespace

std::string to_base64url(std::string_view bytes) {
    ensure_sodium();
    const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), (const unsigned char*)bytes.data(), bytes.size(),
                      variant);
    out.resize(std::strlen(out.c_str()));
    return out;
}

Result<std::string> from_base64url(std::string_view text) {
    ensure_sodium();
    std::string out(text.size(), '\0');
    size_t n_bytes = 0;
    const char* end = nullptr;
    if (sodium_base642bin((unsigned char*)out.data(), out.size(), text.data(), text.size(), nullptr,
                          &n_bytes, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size()) {
        return make_error(ErrorCode::FORMAT, "not base64url without padding");
    }
    out.resize(n_bytes);
    return out;
}

PublicKey::PublicKey(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {
    const Sha256Digest digest = sha256(std::string_view((const char*)bytes_.data(), bytes_.size()));
    key_id_ = to_hex(digest).substr(0, 16);
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
    ensure_sodium();
    if (signature.size() != kSignatureSize) return false;
    return crypto_sign_verify_detached((const unsigned char*)signature.data(),
                                       (const unsigned char*)message.data(), message.size(),
                                       bytes_.data()) == 0;
}

nlohmann::json PublicKey::to_jwk() const {
    return {{"kty", "OKP"},
            {"crv", "Ed25519"},
            {"x", to_base64url(std::string_view((const char*)bytes_.data(), bytes_.size()))},
            {"kid", key_id_},
            {"use", "sig"},
            {"alg", "EdDSA"}};
}

Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk) {
    auto text_field = [&](const char* key) -> std::string {
        auto it = jwk.find(key);
        return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (!jwk.is_object() || text_field("kty") != "OKP" || text_field("crv") != "Ed25519") {
        return make_error(ErrorCode::FORMAT, "not an Ed25519 JWK (kty \"OKP\", crv \"Ed25519\")");
    }
    Result<std::string> x = from_base64url(text_field("x"));
    if (!x || x->size() != kSize) {
        return make_error(ErrorCode::FORMAT, "JWK: \"x\" is not a 32-byte key in base64url");
    }
    std::array<uint8_t, kSize> bytes;
    std::memcpy(bytes.data(), x->data(), kSize);
    PublicKey key(bytes);
    if (jwk.contains("kid") && text_field("kid") != key.key_id()) {
        return make_error(
            ErrorCode::FORMAT,
            "JWK: kid '" + text_field("kid") + "' is not the id of its key (" + key.key_id() + ")");
    }
    return key;
}

std::string public_keys_document(const std::vector<PublicKey>& keys) {
    nlohmann::json list = nlohmann::json::array();
    for (const PublicKey& key : keys) list.push_back(key.to_jwk());
    return canonical_json({{"keys", std::move(list)}});
}

Result<std::vector<PublicKey>> parse_public_keys(std::string_view json) {
    Result<nlohmann::json> doc = parse_json_object(json, "public key document");
    if (!doc) return doc.error();
    std::vector<PublicKey> keys;
    if (!doc->contains("keys")) {
        Result<PublicKey> key = PublicKey::from_jwk(*doc);
        if (!key) return key.error();
        keys.push_back(*key);
        return keys;
    }
    const nlohmann::json& list = (*doc)["keys"];
    if (!list.is_array()) return make_error(ErrorCode::FORMAT, "\"keys\" is not an array");
    for (const nlohmann::json& jwk : list) {
        Result<PublicKey> key = PublicKey::from_jwk(jwk);
        if (!key) return key.error();
        keys.push_back(*key);
    }
    return keys;
}

Result<std::vector<PublicKey>> load_public_keys_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::IO, "cannot open '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    Result<std::vector<PublicKey>> keys = parse_public_keys(text.str());
    if (!keys) return make_error(keys.error().code, path + ": " + keys.error().message);
    return keys;
}

Result<PublicKey> find_public_key(const std::vector<PublicKey>& keys, const std::string& key_id) {
    for (const PublicKey& key : keys) {
        if (key.key_id() == key_id) return key;
    }
    return make_error(ErrorCode::NOT_FOUND, "no public key with id '" + key_id + "'");
}

SigningKey::~SigningKey() {
    sodium_memzero(secret_.data(), secret_.size());
}

SigningKey SigningKey::from_seed(const std::array<uint8_t, kSeedSize>& seed) {
    ensure_sodium();
    std::array<uint8_t, 64> secret;
    std::array<uint8_t, PublicKey::kSize> public_bytes;
    crypto_sign_seed_keypair(public_bytes.data(), secret.data(), seed.data());
    SigningKey key(secret, PublicKey(public_bytes));
    sodium_memzero(secret.data(), secret.size());
    return key;
}

SigningKey SigningKey::generate() {
    ensure_sodium();
    std::array<uint8_t, kSeedSize> seed;
    randombytes_buf(seed.data(), seed.size());
    SigningKey key = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return key;
}

Result<SigningKey> SigningKey::load(const std::string& data_dir) {
    return read_key_file(key_file_path(data_dir));
}

Result<SigningKey> SigningKey::load_or_create(const std::string& data_dir) {
    ensure_sodium();
    const std::string path = key_file_path(data_dir);
    Result<SigningKey> existing = read_key_file(path);
    if (existing || existing.error().code != ErrorCode::NOT_FOUND) return existing;
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        return make_error(ErrorCode::IO,
                          "cannot create data directory '" + data_dir + "': " + ec.message());
    }
    SOUVERAIN_TRY(create_key_file(path));
    return read_key_file(path);
}

std::string SigningKey::sign(std::string_view message) const {
    ensure_sodium();
    std::string signature(PublicKey::kSignatureSize, '\0');
    crypto_sign_detached((unsigned char*)signature.data(), nullptr,
                         (const unsigned char*)message.data(), message.size(), secret_.data());
    return signature;
}

}  // namespace souverain::governance
