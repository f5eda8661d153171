#pragma once
// Authentication and authorization at the HTTP edge: which action a route is, who is asking
// (the `Authorization: Bearer KEY` header), and whether that caller may.
//
// Modes:
// - open: the data directory has no API key and no --api-key was given. Every request is
//   the implicit tenant "default" with the admin role (the server before tenants); the
//   server warns at start-up.
// - keys: as soon as one key exists (created by `souverain admin key create`, or over
//   /v1/admin/keys), every route needs a valid key except the public ones: /health,
//   /.well-known/souverain/keys and GET /v1/register. Static --api-key keys stay valid as
//   admin keys of tenant "default" (the operator tenant for these purposes).
// A missing or invalid key is 401, a role without the permission 403
// (governance/access_control.h), both with OpenAI-style bodies (api_error.h). The 401 is
// decided before the route is known to exist, so an unauthenticated caller learns nothing.
//
// The caller of the current request (current_principal) is kept per thread: httplib runs a
// request's gate, handler and content provider on one thread, one request at a time.
//
// Ownership: RequestAuth borrows the ApiKeys (may be null: only static keys, or open).
// Thread-safety: check() may be called from any thread.
#include <atomic>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "governance/access_control.h"
#include "governance/api_keys.h"
#include "server/api_error.h"

namespace souverain::server {

// The action a request performs; nullopt for the public routes (no key needed). Unknown paths
// need an authenticated caller of any role (they then answer 404).
std::optional<governance::Action> route_action(const std::string& method, const std::string& path);

class RequestAuth {
public:
    RequestAuth(governance::ApiKeys* keys, std::vector<std::string> static_keys)
        : keys_(keys), static_keys_(std::move(static_keys)) {}

    // Whether requests need keys now (checked per request: a key created by the CLI while
    // the server runs closes open mode at once, and it never reopens).
    bool keys_required();

    // The caller of a request, or the error to answer with (401, 403, or 500 when the key
    // store cannot be read).
    std::variant<governance::Principal, ApiError> check(const std::string& method,
                                                        const std::string& path,
                                                        const std::string& authorization);

private:
    governance::ApiKeys* keys_;
    std::vector<std::string> static_keys_;
    std::atomic<bool> required_{false};
};

// The caller of the request being served on this thread (set by the server's gate).
const governance::Principal& current_principal();
void set_current_principal(governance::Principal principal);

}  // namespace souverain::server
