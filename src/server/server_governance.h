#pragma once
// What the server needs to govern generated answers: the audit writer, the signing key of
// AI-Act receipts, the weights SHA-256 of every served model, and the policy flags. Built by
// `souverain serve` from the data directory; HttpServer works without one (tests), and then
// neither audits nor discloses.
//
// Policy, per tenant (storage/tenant_store.h TenantPolicy; what a tenant leaves unset follows
// the server's flags, which are the defaults):
// - keep_texts: records keep the prompt and the answer, pseudonymized (pii_pseudonymizer.h)
//   under the tenant's pseudonym key (derived from the data directory's); off by default, the
//   log then holds hashes only.
// - disclosure_notice: a short visible notice, in the language of the user's last message, is
//   appended to every generated text (receipts and hashes cover the text as sent).
//
// Ownership: owns the AuditWriter. Thread-safety: immutable after construction except
// through AuditWriter, whose methods are thread-safe; the free functions are pure.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/pii_pseudonymizer.h"
#include "governance/pii_vault.h"
#include "governance/signing_key.h"
#include "governance/source_ref.h"
#include "server/audit_writer.h"
#include "storage/tenant_store.h"

namespace souverain::server {

// A tenant's stored policy (what it leaves unset follows the server's flags).
using TenantPolicyLookup = std::function<storage::TenantPolicy(const std::string& tenant)>;

// The policy in force for one request.
struct EffectivePolicy {
    std::optional<governance::PseudonymKey> keep_texts_key;  // set: keep texts, pseudonymized
    bool disclosure_notice = false;
};

struct ServerGovernance {
    std::unique_ptr<AuditWriter> audit;
    governance::SigningKey key;
    std::map<std::string, std::string> model_sha256;  // model name -> hex SHA-256 of weights
    // The data directory's pseudonym key, from which each tenant's is derived; unset: no
    // tenant may keep texts.
    std::optional<governance::PseudonymKey> pseudonym_key;
    bool keep_texts = false;           // the server's default (--audit-keep-texts)
    bool disclosure_notice = false;    // the server's default (--disclosure-notice)
    TenantPolicyLookup tenant_policy;  // null: every tenant follows the defaults
    // The reversal table kept texts' pseudonyms go into (the same one as the knowledge bases'),
    // so POST /v1/admin/pii/reverse reverses them; null: pseudonyms under keep_texts_key,
    // not reversible.
    std::shared_ptr<governance::PiiVault> pii_vault;

    EffectivePolicy policy_for(const std::string& tenant) const {
        storage::TenantPolicy stored =
            tenant_policy ? tenant_policy(tenant) : storage::TenantPolicy{};
        EffectivePolicy policy;
        policy.disclosure_notice = stored.disclosure_notice.value_or(disclosure_notice);
        if (stored.keep_texts.value_or(keep_texts) && pseudonym_key) {
            policy.keep_texts_key = governance::PseudonymKey::for_tenant(*pseudonym_key, tenant);
        }
        return policy;
    }

    std::string weights_sha256(const std::string& model) const {
        auto it = model_sha256.find(model);
        return it == model_sha256.end() ? "" : it->second;
    }
};

using storage::kDefaultTenant;

// The audit key id of a request: "key-" and the first 16 hex characters of the SHA-256 of the
// bearer token, or "anonymous" without one. The key itself never reaches the log.
std::string api_key_id(std::string_view authorization_header);

// SHA-256 (hex) of the request as hashed in the log: its canonical JSON (sorted keys, no
// whitespace) when the body is JSON, so formatting does not change it; the raw bytes otherwise.
std::string request_sha256(std::string_view body);

std::string text_sha256(std::string_view text);

// The sources named by a "citations" array (retrieval/grounded_answer.h citations_json) or by
// a search's "hits" array (which name no base: `kb` is used): knowledge base, document id,
// chunk id, in order.
std::vector<governance::SourceRef> sources_from_citations(const nlohmann::json& citations,
                                                          const std::string& kb = "");

// The visible notice for text in `language_of` (fr, de, lb; English otherwise), with its
// leading blank line.
std::string disclosure_notice_for(std::string_view language_of);

}  // namespace souverain::server
