#include "server/request_auth.h"

#include <algorithm>

#include "server/register_routes.h"
#include "server/server_governance.h"

namespace souverain::server {

namespace {

using governance::Action;
using governance::Principal;
using governance::Role;

thread_local Principal t_principal{kDefaultTenant, "anonymous", Role::USER, false};

// Constant-time comparison, so the time of a refusal tells nothing about a static key.
bool same_secret(const std::string& a, const std::string& b) {
    const size_t n = std::max(a.size(), b.size());
    unsigned diff = a.size() == b.size() ? 0 : 1;
    for (size_t idx = 0; idx < n; ++idx) {
        diff |= (unsigned)(unsigned char)(idx < a.size() ? a[idx] : 0) ^
                (unsigned)(unsigned char)(idx < b.size() ? b[idx] : 0);
    }
    return diff == 0;
}

bool starts_with(const std::string& text, const char* prefix) {
    return text.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<Action> route_action(const std::string& method, const std::string& path) {
    if (path == "/health" || path == "/.well-known/souverain/keys") return std::nullopt;
    if (method == "GET" && is_public_register_path(path)) return std::nullopt;
    if (path == "/metrics") return Action::ADMIN_TENANTS;  // counts of every tenant
    if (path == "/v1/chat/completions" || path == "/v1/completions" || path == "/v1/embeddings") {
        return Action::CHAT;  // every use of a model
    }
    if (starts_with(path, "/v1/knowledge-bases")) {
        if (method == "GET") return Action::READ_KBS;
        if (method == "POST" && ends_with(path, "/search")) return Action::SEARCH;
        return Action::MANAGE_KBS;
    }
    if (starts_with(path, "/v1/audit/")) return Action::READ_AUDIT;
    if (starts_with(path, "/v1/admin/tenants")) return Action::ADMIN_TENANTS;
    if (starts_with(path, "/v1/admin/pii")) return Action::REVERSE_PII;
    if (starts_with(path, "/v1/admin")) return Action::ADMIN_KEYS;
    if (starts_with(path, "/v1/register")) {
        return method == "GET" ? Action::READ_REGISTER : Action::WRITE_REGISTER;
    }
    return Action::READ_MODELS;
}

bool RequestAuth::keys_required() {
    if (!static_keys_.empty() || required_.load()) return true;
    if (keys_ == nullptr) return false;
    Result<bool> exist = keys_->keys_exist();
    // A store that cannot be read must not open the server.
    if (!exist || *exist) required_.store(true);
    return required_.load();
}

std::variant<Principal, ApiError> RequestAuth::check(const std::string& method,
                                                     const std::string& path,
                                                     const std::string& authorization) {
    const std::optional<Action> action = route_action(method, path);
    if (!action) return Principal{kDefaultTenant, "anonymous", Role::USER, false};
    if (!keys_required()) {
        // Open mode: the single-tenant server as it was, audited under the key it was sent.
        return Principal{kDefaultTenant, api_key_id(authorization), Role::ADMIN, true};
    }
    const std::string prefix = "Bearer ";
    if (authorization.empty()) return unauthorized("no API key: send 'Authorization: Bearer KEY'");
    if (authorization.rfind(prefix, 0) != 0) return unauthorized("the API key is not valid");
    const std::string given = authorization.substr(prefix.size());
    std::optional<Principal> principal;
    bool static_match = false;
    for (const std::string& key : static_keys_) static_match |= same_secret(given, key);
    if (static_match) {
        principal = Principal{kDefaultTenant, api_key_id(authorization), Role::ADMIN, true};
    } else if (keys_ != nullptr) {
        Result<std::optional<Principal>> found = keys_->authenticate(given);
        if (!found) return internal_error("cannot read the API keys: " + found.error().message);
        principal = std::move(*found);
    }
    if (!principal) return unauthorized("the API key is not valid");
    if (!governance::allowed(*principal, *action)) {
        return forbidden(std::string("the role '") + governance::role_name(principal->role) +
                         "' may not " + governance::action_name(*action) + " (" + method + " " +
                         path + ")");
    }
    return *principal;
}

const Principal& current_principal() {
    return t_principal;
}

void set_current_principal(Principal principal) {
    t_principal = std::move(principal);
}

}  // namespace souverain::server
