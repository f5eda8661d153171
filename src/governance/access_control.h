#pragma once
// Who may do what: the roles of API keys, the actions the server distinguishes, and the one
// table that relates them. Every permission check in the server asks `allowed`; nothing else
// compares role names.
//
//   role      may
//   admin     chat, search, read_kbs, manage_kbs, read_audit, read_register, write_register,
//             admin_keys, reverse_pii; admin_tenants only in the operator tenant
//   editor    chat, search, read_kbs, manage_kbs, read_register
//   user      chat, search, read_kbs, read_register
//   auditor   read_audit, read_register
//   (every role: read_models)
//
// "read_kbs" is listing bases and their documents (names and counts of the caller's own
// tenant only); "chat" covers completions and grounded chat ("knowledge_bases" in chat
// completions is the `ask` of the HTTP API: it needs chat, and reads only the caller's
// bases). Tenants are managed only by admins of the operator tenant (the first one
// bootstrapped, or one created with --operator), because that is the only action that crosses
// tenants.
//
// "reverse_pii" turns the tenant's pseudonyms back into the personal data they stand for
// (governance/pii_vault.h). Admins only: auditors check what the log holds, and hashes and
// pseudonyms are enough for that; re-identifying a person is the data controller's decision,
// which is the admin's, and keeping the auditor apart from it keeps the "additional
// information" of GDPR Art. 4(5) with fewer people.
//
// Thread-safety: pure functions and plain values.
#include <optional>
#include <string>
#include <string_view>

namespace souverain::governance {

enum class Role { ADMIN, EDITOR, USER, AUDITOR };

enum class Action {
    READ_MODELS,     // GET /v1/models, a model's card
    CHAT,            // chat completions (grounded or not), completions, embeddings
    SEARCH,          // search a knowledge base
    READ_KBS,        // list bases and documents
    MANAGE_KBS,      // create and delete bases, upload and delete documents
    READ_AUDIT,      // the audit log (records of the own tenant, tree heads, proofs)
    READ_REGISTER,   // the register and model cards beyond the public page
    WRITE_REGISTER,  // change the register
    ADMIN_KEYS,      // create, list, revoke the API keys of the own tenant
    ADMIN_TENANTS,   // create, list, delete tenants; server metrics (counts of all tenants)
    REVERSE_PII,     // pseudonyms of the own tenant back to the original values
};

// The authenticated caller of a request.
struct Principal {
    std::string tenant;
    std::string key_id;  // as in audit records
    Role role = Role::USER;
    bool operator_tenant = false;  // the tenant may manage tenants
};

const char* role_name(Role role);
// "admin", "editor", "user", "auditor"; nullopt otherwise.
std::optional<Role> parse_role(std::string_view name);
const char* action_name(Action action);

// Whether `principal` may perform `action` (the table above).
bool allowed(const Principal& principal, Action action);

// Names of tenants: 1 to 64 characters of a-z 0-9 . _ -, starting with a letter or a digit
// (they appear in audit records, URLs and file names). Returns why not, or "" when valid.
std::string tenant_name_problem(std::string_view name);

}  // namespace souverain::governance
