#pragma once
// The auditors' view of the audit log, and the public key of receipts and tree heads.
//
//   GET /.well-known/souverain/keys      the JWK set (signing_key.h public_keys_document)
//   GET /v1/audit/tree-head              the latest signed tree head (tree_head.h JSON)
//   GET /v1/audit/records?from=N&limit=L records from seq N (default 0), at most L (default
//       100, at most 1000): {"object": "list", "tree_size", "data": [{"seq", "leaf_hash",
//       "canonical": the exact bytes hashed as a string, "record": the same as an object}]}
//   GET /v1/audit/proof/inclusion?seq=N&tree_size=M   (M default: the current size)
//       {"seq", "tree_size", "leaf_hash", "audit_path": [hex...]} (RFC 9162 §2.1.3)
//   GET /v1/audit/proof/consistency?first=M&second=N  (N default: the current size)
//       {"first", "second", "proof": [hex...]} (RFC 9162 §2.1.4)
//
// Access (request_auth.h): the keys document is public; the rest needs the read_audit
// permission (admin and auditor keys). Records are the caller's tenant's only, and an
// inclusion proof is given only for them (another tenant's seq answers like a missing one).
// Tree heads and consistency proofs are global: they hold the log's size and hashes, no data.
// Bad query values and proofs beyond the log are 400.
//
// Thread-safety: handlers run on httplib's threads; AuditLog's readers are thread-safe.
#include "governance/audit_log.h"

namespace httplib {
class Server;
}

namespace souverain::server {

// `log` must outlive `http`'s serving.
void install_audit_routes(httplib::Server& http, const governance::AuditLog& log);

}  // namespace souverain::server
