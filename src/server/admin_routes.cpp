#include "server/admin_routes.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "server/api_error.h"
#include "server/field_reader.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

using governance::ApiKeys;
using governance::Principal;
using nlohmann::json;

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

json optional_bool_json(std::optional<bool> value) {
    return value ? json(*value) : json(nullptr);
}

json key_json(const storage::ApiKeyRow& key) {
    return {{"id", key.key_id},
            {"object", "api_key"},
            {"tenant", key.tenant},
            {"role", key.role},
            {"label", key.label},
            {"created_at", key.created_at},
            {"revoked_at", key.revoked_at ? json(*key.revoked_at) : json(nullptr)}};
}

json tenant_json(const storage::TenantRow& tenant) {
    return {{"id", tenant.name},
            {"object", "tenant"},
            {"name", tenant.name},
            {"created_at", tenant.created_at},
            {"operator", tenant.operator_tenant},
            {"keep_texts", optional_bool_json(tenant.policy.keep_texts)},
            {"disclosure_notice", optional_bool_json(tenant.policy.disclosure_notice)}};
}

// The tenant a key request is about: the caller's own unless an operator admin names another.
std::variant<std::string, ApiError> target_tenant(const std::string& requested) {
    const Principal& caller = current_principal();
    if (requested.empty() || requested == caller.tenant) return caller.tenant;
    if (!caller.operator_tenant) {
        return forbidden("an admin manages the keys of its own tenant only");
    }
    return requested;
}

// A policy field: true, false, or null/absent (the server's flag decides).
void read_policy(FieldReader& reader, const std::string& key, std::optional<bool>& out) {
    const json* value = reader.get(key);
    if (value == nullptr || value->is_null()) return;
    if (!value->is_boolean())
        return reader.fail(wrong_type(reader.param(key), "a boolean", *value));
    out = value->get<bool>();
}

}  // namespace

void install_admin_routes(httplib::Server& http, ApiKeys& keys,
                          retrieval::KnowledgeBaseService* knowledge_bases) {
    ApiKeys* store = &keys;
    http.Post("/v1/admin/keys", [store](const httplib::Request& req, httplib::Response& res) {
        auto root = parse_json_object(req.body);
        if (auto* error = std::get_if<ApiError>(&root)) return send_error(res, *error);
        FieldReader reader(std::get<json>(root), "");
        std::string role_text, label, tenant_text;
        reader.read_string("role", role_text, /*required=*/true);
        reader.read_string("label", label, /*required=*/false);
        reader.read_string("tenant", tenant_text, /*required=*/false);
        reader.reject_unknown();
        if (reader.failed()) return send_error(res, reader.error());
        const std::optional<governance::Role> role = governance::parse_role(role_text);
        if (!role) {
            return send_error(res,
                              invalid_value("role", "'role' is admin, editor, user or auditor"));
        }
        auto tenant = target_tenant(tenant_text);
        if (auto* error = std::get_if<ApiError>(&tenant)) return send_error(res, *error);
        Result<governance::CreatedKey> created =
            store->create_key(std::get<std::string>(tenant), *role, label);
        if (!created) return send_error(res, api_error_from(created.error()));
        json body = key_json(created->row);
        body["key"] = created->key;
        send_json(res, 201, body);
    });
    http.Get("/v1/admin/keys", [store](const httplib::Request& req, httplib::Response& res) {
        auto tenant = target_tenant(req.get_param_value("tenant"));
        if (auto* error = std::get_if<ApiError>(&tenant)) return send_error(res, *error);
        Result<std::vector<storage::ApiKeyRow>> rows =
            store->list_keys(std::get<std::string>(tenant));
        if (!rows) return send_error(res, api_error_from(rows.error()));
        json data = json::array();
        for (const storage::ApiKeyRow& row : *rows) data.push_back(key_json(row));
        send_json(res, 200, {{"object", "list"}, {"data", data}});
    });
    http.Delete(
        R"(/v1/admin/keys/([^/]+))", [store](const httplib::Request& req, httplib::Response& res) {
            const std::string key_id = req.matches[1];
            const Principal& caller = current_principal();
            const ApiError unknown =
                api_error_from(make_error(ErrorCode::NOT_FOUND, "no active key '" + key_id + "'"));
            Result<std::optional<storage::ApiKeyRow>> row = store->find_key(key_id);
            if (!row) return send_error(res, api_error_from(row.error()));
            if (!row->has_value() || (*row)->revoked_at ||
                ((*row)->tenant != caller.tenant && !caller.operator_tenant)) {
                return send_error(res, unknown);
            }
            if (Status revoked = store->revoke_key(key_id); !revoked) {
                return send_error(res, api_error_from(revoked.error()));
            }
            send_json(res, 200, {{"id", key_id}, {"object", "api_key.deleted"}, {"deleted", true}});
        });

    http.Post("/v1/admin/tenants", [store](const httplib::Request& req, httplib::Response& res) {
        auto root = parse_json_object(req.body);
        if (auto* error = std::get_if<ApiError>(&root)) return send_error(res, *error);
        FieldReader reader(std::get<json>(root), "");
        std::string name;
        bool operator_tenant = false;
        storage::TenantPolicy policy;
        reader.read_string("name", name, /*required=*/true);
        reader.read_bool("operator", operator_tenant);
        read_policy(reader, "keep_texts", policy.keep_texts);
        read_policy(reader, "disclosure_notice", policy.disclosure_notice);
        reader.reject_unknown();
        if (reader.failed()) return send_error(res, reader.error());
        Result<storage::TenantRow> tenant = store->create_tenant(name, operator_tenant);
        if (!tenant) {
            ApiError error = api_error_from(tenant.error());
            error.param = "name";
            return send_error(res, error);
        }
        if (policy.keep_texts || policy.disclosure_notice) {
            if (Status set = store->set_policy(name, policy); !set) {
                return send_error(res, api_error_from(set.error()));
            }
            tenant->policy = policy;
        }
        send_json(res, 201, tenant_json(*tenant));
    });
    http.Get("/v1/admin/tenants", [store](const httplib::Request&, httplib::Response& res) {
        Result<std::vector<storage::TenantRow>> tenants = store->list_tenants();
        if (!tenants) return send_error(res, api_error_from(tenants.error()));
        json data = json::array();
        for (const storage::TenantRow& tenant : *tenants) data.push_back(tenant_json(tenant));
        send_json(res, 200, {{"object", "list"}, {"data", data}});
    });
    http.Delete(
        R"(/v1/admin/tenants/([^/]+))",
        [store, knowledge_bases](const httplib::Request& req, httplib::Response& res) {
            const std::string name = req.matches[1];
            if (name == current_principal().tenant) {
                return send_error(res, invalid_value("", "a tenant cannot delete itself"));
            }
            if (knowledge_bases != nullptr) {
                Result<std::vector<retrieval::KbSummary>> kbs = knowledge_bases->list(name);
                if (!kbs) return send_error(res, api_error_from(kbs.error()));
                if (!kbs->empty()) {
                    return send_error(
                        res, api_error_from(make_error(
                                 ErrorCode::ALREADY_EXISTS,
                                 "tenant '" + name + "' still owns " + std::to_string(kbs->size()) +
                                     " knowledge base(s); delete them first")));
                }
            }
            if (Status deleted = store->delete_tenant(name); !deleted) {
                return send_error(res, api_error_from(deleted.error()));
            }
            if (knowledge_bases != nullptr) {
                Result<std::shared_ptr<governance::PiiVault>> vault = knowledge_bases->pii_vault();
                Status forgotten = vault ? (*vault)->forget_tenant(name) : Status(vault.error());
                if (!forgotten) return send_error(res, api_error_from(forgotten.error()));
            }
            send_json(res, 200, {{"id", name}, {"object", "tenant.deleted"}, {"deleted", true}});
        });
}

}  // namespace souverain::server
