#pragma once
// SHA-256 digests (OpenSSL's libcrypto: it uses the CPU's SHA instructions), for what governance must identify exactly: a model's weights
// file, the input and output of a request, a document's content.
//
// Thread-safety: pure functions.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace souverain::governance {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view bytes);

// Reads the file in blocks; fails with the file's name on any read error.
Result<Sha256Digest> sha256_file(const std::string& path);

// Lower-case hexadecimal, 64 characters.
std::string to_hex(const Sha256Digest& digest);

// Incremental hashing, for input that arrives in pieces (a model file of several GB read in
// fixed-size chunks, so memory stays constant whatever the size). One hasher per thread.
class Sha256Hasher {
public:
    Sha256Hasher();
    ~Sha256Hasher();
    Sha256Hasher(const Sha256Hasher&) = delete;
    Sha256Hasher& operator=(const Sha256Hasher&) = delete;

    void update(std::string_view bytes);
    // The digest of everything given so far; the hasher must not be used afterwards.
    Sha256Digest finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace souverain::governance
