#pragma once
// One entry of the audit log: what a request that used a model or a knowledge base did, and
// its canonical serialization, the bytes whose leaf hash enters the Merkle tree.
//
// Canonical form (canonical_json.h: sorted keys, no whitespace, integers, UTF-8 strings):
//   {"completion_tokens":N,"endpoint":S,"input_sha256":H,"key_id":S,"latency_ms":N,
//    "model":S,"model_sha256":H,["output_text":S,]"output_sha256":H,["prompt_text":S,]
//    "prompt_tokens":N,"seq":N,"sources":[{"chunk_id":N,"document":S,"kb":S},...],
//    "status":N,"tenant":S,"time_ms":N,"v":1}
// H is 64 lower-case hex characters or "" (nothing to hash: no model, no output). The texts
// are present only when kept (see attach_pseudonymized_texts). Sources keep the caller's
// order. "v" versions the format; a reader refuses versions it does not know.
//
// Thread-safety: AuditRecord is a plain value; the functions are pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/pii_pseudonymizer.h"
#include "governance/pii_vault.h"
#include "governance/source_ref.h"

namespace souverain::governance {

struct AuditRecord {
    uint64_t seq = 0;                // position in the log, from 0; assigned by AuditLog::append
    int64_t time_ms = 0;             // when the request finished: Unix time in milliseconds, UTC
    std::string tenant;              // the tenant the API key belongs to
    std::string key_id;              // the API key's id (never the key itself)
    std::string endpoint;            // "/v1/chat/completions"
    std::string model;               // the served model's name; "" when no model was used
    std::string model_sha256;        // hex SHA-256 of the model's weights file; "" without model
    std::vector<SourceRef> sources;  // knowledge-base passages used, in the order given
    std::string input_sha256;        // hex SHA-256 of the request's input bytes
    std::string output_sha256;       // hex SHA-256 of the output text; "" when there was none
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    int64_t latency_ms = 0;
    int64_t status = 0;  // the HTTP status answered
    // Kept only when the tenant's policy says so, and then pseudonymized.
    std::optional<std::string> prompt_text;
    std::optional<std::string> output_text;

    bool operator==(const AuditRecord&) const = default;
};

// INVALID_ARGUMENT naming the field when a hash is neither "" nor 64 lower-case hex
// characters, or a count is negative.
Status validate_audit_record(const AuditRecord& record);

std::string serialize_audit_record(const AuditRecord& record);

// Strict reading of canonical bytes: FORMAT error on anything else than the fields above with
// their types (unknown fields, a missing field, another version). Parsing does not check that
// the bytes are canonical: compare serialize_audit_record(parsed) with them for that.
Result<AuditRecord> parse_audit_record(std::string_view bytes);

// For tenants whose policy keeps texts: stores prompt and output with the personal data found
// by scan_pii replaced by pseudonyms under the tenant's key. Without that policy, callers
// leave the texts empty: the log then holds only their hashes.
void attach_pseudonymized_texts(AuditRecord& record, std::string_view prompt,
                                std::string_view output, const PseudonymKey& tenant_key);
// The same through the data directory's vault (pii_vault.h), under record.tenant: the
// pseudonyms are the tenant's everywhere (knowledge bases too) and its admins can reverse
// them. On a storage failure the texts are left out (the hashes stay): never the originals.
Status attach_pseudonymized_texts(AuditRecord& record, std::string_view prompt,
                                  std::string_view output, PiiVault& vault);

}  // namespace souverain::governance
