#pragma once
// Tenants and API keys over HTTP, for admin keys (request_auth.h decides who gets here):
//
//   POST   /v1/admin/keys         {"role", "label"?, "tenant"?} → 201 {"object": "api_key",
//          "id", "key" (the whole key: shown in this answer only), "tenant", "role", "label",
//          "created_at", "revoked_at": null}
//   GET    /v1/admin/keys?tenant=T            {"object": "list", "data": [key without "key"]}
//   DELETE /v1/admin/keys/{id}                {"id", "object": "api_key.deleted", "deleted": true}
//   POST   /v1/admin/tenants      {"name", "operator"?, "keep_texts"?, "disclosure_notice"?}
//          → 201 {"object": "tenant", "id", "name", "created_at", "operator", "keep_texts",
//          "disclosure_notice"} (policy fields null: the server's flags decide)
//   GET    /v1/admin/tenants                  {"object": "list", "data": [tenant...]}
//   DELETE /v1/admin/tenants/{name}           refused (409) while it owns knowledge bases
//
// Scope: an admin manages the keys of its own tenant; "tenant" (or ?tenant=) naming another
// one is 403. Admins of the operator tenant may name any tenant, and alone reach
// /v1/admin/tenants. A key id of another tenant answers like an unknown one (404).
//
// Thread-safety: handlers run on httplib's threads; ApiKeys and the service are thread-safe.
#include "governance/api_keys.h"
#include "retrieval/knowledge_base_service.h"

namespace httplib {
class Server;
}

namespace souverain::server {

// `keys` (and `knowledge_bases` when not null) must outlive `http`'s serving.
void install_admin_routes(httplib::Server& http, governance::ApiKeys& keys,
                          retrieval::KnowledgeBaseService* knowledge_bases);

}  // namespace souverain::server
