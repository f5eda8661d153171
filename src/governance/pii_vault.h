#pragma once
// Reversible pseudonymization for a data directory: typed pseudonyms (pii_pseudonymizer.h)
// whose reversal mapping is kept per tenant through storage::PseudonymStore, the originals
// sealed so that the database alone reveals none of them.
//
// Keys: the data directory's master key (DATA_DIR/audit_pseudonym.key, 64 hex characters,
// mode 0600, created on first use: the file the audit log's kept texts already used) gives
// each tenant its key (PseudonymKey::for_tenant). From a tenant's key come its digests
// (HMAC-SHA-256 over type and normalized value) and its sealing key (HMAC-SHA-256 of a fixed
// label under the tenant key); originals are sealed with XChaCha20-Poly1305 (libsodium), a
// random nonce each, the tenant and the digest as associated data, so a sealed value moved to
// another row or tenant does not open.
//
// Pseudonyms: the same value (after normalization) has one pseudonym per tenant wherever it
// appears, in knowledge bases and in the audit log: the first allocation of its digest is kept.
// A pseudonym is "<TYPE_" + the shortest prefix of the digest (4 hex characters at least)
// that no other value of the tenant already holds + ">", so two values never share one.
//
// Reversal is only for callers allowed to (the server's reverse_pii permission, the
// operator's CLI): this class checks no role. A pseudonym of another tenant, or any "<...>"
// that is not in the tenant's table, stays as it is.
//
// Ownership: owns its store and the master key (wiped on destruction).
// Thread-safety: every method may be called from any thread (the store serializes).
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "governance/pii_pseudonymizer.h"
#include "storage/pseudonym_store.h"

namespace souverain::governance {

inline constexpr const char* kPseudonymKeyFile = "audit_pseudonym.key";

// The data directory's master pseudonym key; created (mode 0600) when absent.
Result<PseudonymKey> load_or_create_pseudonym_key(const std::string& data_dir);

struct ReversedText {
    std::string text;
    size_t reversed = 0;  // pseudonyms replaced by their originals
    size_t unopened = 0;  // in the table, but the sealed value did not open or verify
};

class PiiVault {
public:
    PiiVault(std::unique_ptr<storage::PseudonymStore> store, const PseudonymKey& master)
        : store_(std::move(store)), master_(master) {}

    // The master key of `data_dir` (created when absent) and its pseudonym table.
    static Result<std::shared_ptr<PiiVault>> open(const std::string& data_dir);

    // Replaces `entities` (disjoint, sorted by start, as scan_pii returns) in `text` with
    // the tenant's pseudonyms, storing the new ones. The result's entities and pseudonyms are
    // parallel; its mapping is pseudonym -> original.
    Result<PseudonymizedText> pseudonymize(const std::string& tenant, std::string_view text,
                                           const std::vector<PiiEntity>& entities);
    // scan_pii(text), then the above.
    Result<PseudonymizedText> pseudonymize(const std::string& tenant, std::string_view text);

    // Every pseudonym of `tenant` in `text` replaced by its original.
    Result<ReversedText> reverse(const std::string& tenant, std::string_view text);

    // Removes a tenant's whole table (when the tenant is deleted): its pseudonyms, in the
    // audit log too, can no longer be reversed, also not by a tenant re-created under its name.
    Status forget_tenant(const std::string& tenant) { return store_->delete_tenant(tenant); }

    const PseudonymKey& master_key() const { return master_; }
    PseudonymKey tenant_key(std::string_view tenant) const {
        return PseudonymKey::for_tenant(master_, tenant);
    }

private:
    std::unique_ptr<storage::PseudonymStore> store_;
    PseudonymKey master_;
};

// Where pseudonym-shaped substrings are in `text`: "<" TYPE "_" 4-64 lower-case hex ">" with
// TYPE a PII type name; [start, end) byte spans in text order.
std::vector<std::pair<size_t, size_t>> find_pseudonyms(std::string_view text);

}  // namespace souverain::governance
