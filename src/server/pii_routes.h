#pragma once
// Reversal of pseudonyms over HTTP, for the tenant's admins (request_auth.h maps
// /v1/admin/pii/* to the reverse_pii permission, governance/access_control.h):
//
//   POST /v1/admin/pii/reverse  {"text": "..."} → 200 {"object": "pii.reversed", "text",
//        "reversed": N (pseudonyms replaced), "unopened": N (rows that failed to open)}
//
// Only the caller's tenant's pseudonyms are reversed; another tenant's, and any "<...>" that
// is not a pseudonym of the caller's tenant, come back as they were. The body is read by the
// FieldReader rules every endpoint shares (unknown fields 422).
//
// Thread-safety: handlers run on httplib's threads; the vault is thread-safe.
#include <functional>
#include <memory>

#include "common/error.h"
#include "governance/pii_vault.h"

namespace httplib {
class Server;
}

namespace souverain::server {

// Hands the data directory's vault (opened on first use); called per request.
using PiiVaultSource = std::function<Result<std::shared_ptr<governance::PiiVault>>()>;

void install_pii_routes(httplib::Server& http, PiiVaultSource vault);

}  // namespace souverain::server
