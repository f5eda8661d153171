#pragma once
// The reversal table of PII pseudonyms, per tenant: pseudonym ("<EMAIL_3f2a>") -> the keyed
// digest of the value it stands for and the value itself, sealed (encrypted and authenticated)
// by governance/pii_vault.h. The store keeps opaque bytes: it never sees an original value or a
// key, so a copy of the database alone reveals no personal data.
//
// Allocation is the store's job because it must be atomic across processes (the server and
// `souverain ingest` may pseudonymize at once): a digest keeps the pseudonym it got first, and
// two digests never share a pseudonym within a tenant.
//
// Ownership: a PseudonymStore owns its connection. Thread-safety: every method may be called
// from any thread (a mutex serializes them); each allocation is one transaction.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace souverain::storage {

struct PseudonymRequest {
    std::string digest;                   // hex HMAC of the value; unique per tenant
    std::vector<std::string> candidates;  // pseudonyms to try, shortest first
    std::string sealed;                   // stored with a newly allocated pseudonym
};

struct StoredPseudonym {
    std::string digest;
    std::string sealed;
};

class PseudonymStore {
public:
    virtual ~PseudonymStore() = default;

    // For each request, in one transaction: the pseudonym already stored for its digest, or
    // else the first candidate no other digest of the tenant holds (stored with `sealed`).
    // ALREADY_EXISTS when every candidate is taken (cannot happen with the full digest as the
    // last candidate).
    virtual Result<std::vector<std::string>> allocate(
        const std::string& tenant, const std::vector<PseudonymRequest>& requests) = 0;

    // The row of one pseudonym of `tenant`; nullopt when the tenant has no such pseudonym.
    virtual Result<std::optional<StoredPseudonym>> find(const std::string& tenant,
                                                        const std::string& pseudonym) = 0;

    // Removes every pseudonym of a tenant (when the tenant is deleted).
    virtual Status delete_tenant(const std::string& tenant) = 0;
};

// Table `pii_pseudonyms` in DATA_DIR/souverain.db (created when absent).
Result<std::unique_ptr<PseudonymStore>> open_sqlite_pseudonym_store(const std::string& data_dir);

}  // namespace souverain::storage
