#include "governance/sha256.h"

#include <sodium.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace souverain::governance {

namespace {

void ensure_sodium() {
    // sodium_init() is idempotent and thread-safe; it fails only without a random source.
    static const int status = sodium_init();
    (void)status;
}

}  // namespace

Sha256Digest sha256(std::string_view bytes) {
    ensure_sodium();
    Sha256Digest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size());
    return digest;
}

Result<Sha256Digest> sha256_file(const std::string& path) {
    ensure_sodium();
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return make_error(ErrorCode::IO, path + ": cannot open for hashing");
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::vector<unsigned char> buffer(1 << 20);
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
        crypto_hash_sha256_update(&state, buffer.data(), n);
    }
    if (std::ferror(file.get()))
        return make_error(ErrorCode::IO, path + ": read error while hashing");
    Sha256Digest digest;
    crypto_hash_sha256_final(&state, digest.data());
    return digest;
}

struct Sha256Hasher::State {
    crypto_hash_sha256_state sodium;
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
    ensure_sodium();
    crypto_hash_sha256_init(&state_->sodium);
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::update(std::string_view bytes) {
    crypto_hash_sha256_update(&state_->sodium, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
}

Sha256Digest Sha256Hasher::finish() {
    Sha256Digest digest;
    crypto_hash_sha256_final(&state_->sodium, digest.data());
    return digest;
}

std::string to_hex(const Sha256Digest& digest) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (uint8_t byte : digest) {
        out += kHex[byte >> 4];
        out += kHex[byte & 15];
    }
    return out;
}

}  // namespace souverain::governance
