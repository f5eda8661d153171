#pragma once
// Pseudonymization of detected personal data: each value becomes a typed pseudonym
// "<TYPE_xxxx>" whose hex part is a prefix of HMAC-SHA-256(tenant key, type || 0 || normalized
// value). The same value (after normalization: "+352 621 123 456" and "00352621123456" are one
// phone number) gets the same pseudonym within a tenant; another tenant's key gives another.
// Four hex characters are used unless two different values of one type in the same text
// share them; then those values get as many characters as tell them apart.
//
// Reversal: pseudonymize() returns the mapping pseudonym -> original text (the first surface
// form seen); whoever may reverse keeps it (later: stored per tenant, behind a role check) and
// calls reverse(). The key and the mapping are plain values passed in: no global state.
//
// Thread-safety: PseudonymKey is an immutable value; the functions are pure.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/pii_entity.h"

namespace souverain::governance {

// A tenant's 32-byte pseudonymization key. The bytes are wiped when the key is destroyed.
class PseudonymKey {
public:
    static constexpr size_t kSize = 32;

    explicit PseudonymKey(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
    PseudonymKey(const PseudonymKey&) = default;
    PseudonymKey& operator=(const PseudonymKey&) = default;
    ~PseudonymKey();

    // 64 hexadecimal characters; leading and trailing whitespace is ignored.
    static Result<PseudonymKey> from_hex(std::string_view hex);
    // A file holding the key as 64 hexadecimal characters (e.g. `openssl rand -hex 32`).
    static Result<PseudonymKey> from_file(const std::string& path);
    // A fresh random key (libsodium's CSPRNG).
    static PseudonymKey generate();
    // The key of one tenant, derived from a data directory's key: HMAC-SHA-256 of the
    // tenant's name under `master`, so that tenants' pseudonyms of the same value differ and
    // one tenant's mapping never reverses another's. Tenant "default" uses `master` itself
    // (what the single-tenant server kept before tenants existed).
    static PseudonymKey for_tenant(const PseudonymKey& master, std::string_view tenant);

    const std::array<uint8_t, kSize>& bytes() const { return bytes_; }

private:
    std::array<uint8_t, kSize> bytes_;
};

// The form a value is compared in: case-folded e-mail, IP address and name, separators
// dropped from numbers, "00" and "(0)" removed from international phone numbers (a leading
// "+" kept), dates as YYYY-MM-DD.
std::string normalize_pii_value(PiiType type, std::string_view value);

// HMAC-SHA-256 of (type name, 0 byte, normalize_pii_value(type, value)) as 64 hex characters.
std::string pseudonym_digest(const PseudonymKey& key, PiiType type, std::string_view value);

// pseudonym ("<EMAIL_3f2a>") -> original text.
using PseudonymMapping = std::map<std::string, std::string>;

struct PseudonymizedText {
    std::string text;                     // the input with every entity replaced
    std::vector<PiiEntity> entities;      // what was replaced, offsets into the input
    std::vector<std::string> pseudonyms;  // one per entity
    PseudonymMapping mapping;
};

// Replaces `entities` (disjoint spans into `text`, sorted by start, as scan_pii returns).
PseudonymizedText pseudonymize(std::string_view text, const std::vector<PiiEntity>& entities,
                               const PseudonymKey& key);
// scan_pii(text), then the above.
PseudonymizedText pseudonymize(std::string_view text, const PseudonymKey& key);

// Puts the originals back: every pseudonym of `mapping` found in `text` is replaced; other
// text (including unknown "<...>") is left as it is.
std::string reverse(std::string_view text, const PseudonymMapping& mapping);

}  // namespace souverain::governance
