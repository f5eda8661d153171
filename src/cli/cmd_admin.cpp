// `souverain admin tenant|key ...`: tenants and their API keys in a data directory.
//
//   admin tenant create NAME [--operator] [--keep-texts on|off] [--disclosure-notice on|off]
//   admin tenant policy NAME [--keep-texts on|off|server] [--disclosure-notice on|off|server]
//   admin tenant list
//   admin tenant delete NAME        (refused while the tenant owns knowledge bases)
//   admin key create --tenant T --role admin|editor|user|auditor [--label L]
//   admin key list --tenant T
//   admin key revoke KEYID
//
// `key create` prints the whole key alone on stdout, once (it is never stored: only its
// argon2id hash is), and what it is on stderr, so that `KEY=$(souverain admin key create ...)`
// works. Listing never shows secrets.
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "governance/access_control.h"
#include "governance/api_keys.h"
#include "storage/pseudonym_store.h"
#include "storage/store.h"

namespace souverain::cli {

namespace {

struct AdminOptions {
    std::string data_dir = "./souverain-data";
    std::string name;  // tenant name, or key id for revoke
    std::string tenant;
    std::string role;
    std::string label;
    bool operator_tenant = false;
    std::string keep_texts;  // "", on, off, server
    std::string disclosure_notice;
};

// "on"/"off" set a policy, "server" (or nothing given) leaves it to the server's flags.
Result<std::optional<bool>> policy_flag(const std::string& flag, const std::string& value,
                                        std::optional<bool> current) {
    if (value.empty()) return current;
    if (value == "on") return std::optional<bool>(true);
    if (value == "off") return std::optional<bool>(false);
    if (value == "server") return std::optional<bool>();
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      flag + " takes on, off or server, not '" + value + "'");
}

std::string policy_text(std::optional<bool> value) {
    if (!value) return "server";
    return *value ? "on" : "off";
}

std::string time_text(int64_t unix_seconds) {
    const std::time_t t = (std::time_t)unix_seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

Result<std::unique_ptr<governance::ApiKeys>> open_keys(const AdminOptions& options) {
    return governance::ApiKeys::open(options.data_dir);
}

int run_tenant_create(const AdminOptions& options) {
    // Flags are checked before anything is written.
    Result<std::optional<bool>> keep = policy_flag("--keep-texts", options.keep_texts, {});
    if (!keep) return report_error(keep.error());
    Result<std::optional<bool>> notice =
        policy_flag("--disclosure-notice", options.disclosure_notice, {});
    if (!notice) return report_error(notice.error());
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    Result<storage::TenantRow> tenant =
        (*keys)->create_tenant(options.name, options.operator_tenant);
    if (!tenant) return report_error(tenant.error());
    if (*keep || *notice) {
        if (Status set = (*keys)->set_policy(tenant->name, {*keep, *notice}); !set) {
            return report_error(set.error());
        }
    }
    std::printf("created tenant '%s'%s in %s\n", tenant->name.c_str(),
                tenant->operator_tenant ? " (operator: may manage tenants)" : "",
                options.data_dir.c_str());
    return 0;
}

int run_tenant_policy(const AdminOptions& options) {
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    Result<std::optional<storage::TenantRow>> tenant = (*keys)->find_tenant(options.name);
    if (!tenant) return report_error(tenant.error());
    if (!tenant->has_value()) {
        return report_error({ErrorCode::NOT_FOUND, "no tenant '" + options.name + "'"});
    }
    Result<std::optional<bool>> keep =
        policy_flag("--keep-texts", options.keep_texts, (*tenant)->policy.keep_texts);
    if (!keep) return report_error(keep.error());
    Result<std::optional<bool>> notice = policy_flag(
        "--disclosure-notice", options.disclosure_notice, (*tenant)->policy.disclosure_notice);
    if (!notice) return report_error(notice.error());
    if (Status set = (*keys)->set_policy(options.name, {*keep, *notice}); !set) {
        return report_error(set.error());
    }
    std::printf("tenant '%s': keep-texts %s, disclosure-notice %s\n", options.name.c_str(),
                policy_text(*keep).c_str(), policy_text(*notice).c_str());
    return 0;
}

int run_tenant_list(const AdminOptions& options) {
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    Result<std::vector<storage::TenantRow>> tenants = (*keys)->list_tenants();
    if (!tenants) return report_error(tenants.error());
    for (const storage::TenantRow& tenant : *tenants) {
        std::printf("%s\tcreated %s\tkeep-texts %s\tdisclosure-notice %s%s\n", tenant.name.c_str(),
                    time_text(tenant.created_at).c_str(),
                    policy_text(tenant.policy.keep_texts).c_str(),
                    policy_text(tenant.policy.disclosure_notice).c_str(),
                    tenant.operator_tenant ? "\toperator" : "");
    }
    return 0;
}

int run_tenant_delete(const AdminOptions& options) {
    // A tenant's knowledge bases would be left without an owner: they go first.
    Result<std::unique_ptr<storage::Store>> kb_store = storage::open_sqlite_store(options.data_dir);
    if (!kb_store) return report_error(kb_store.error());
    Result<std::vector<storage::KbInfo>> kbs = (*kb_store)->list_kbs(options.name);
    if (!kbs) return report_error(kbs.error());
    if (!kbs->empty()) {
        return report_error(
            {ErrorCode::INVALID_ARGUMENT, "tenant '" + options.name + "' still owns " +
                                              std::to_string(kbs->size()) +
                                              " knowledge base(s); delete them first"});
    }
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    if (Status deleted = (*keys)->delete_tenant(options.name); !deleted) {
        return report_error(deleted.error());
    }
    // Its pseudonyms' originals go with it (governance/pii_vault.h); no key is needed.
    Result<std::unique_ptr<storage::PseudonymStore>> pseudonyms =
        storage::open_sqlite_pseudonym_store(options.data_dir);
    if (!pseudonyms) return report_error(pseudonyms.error());
    if (Status forgotten = (*pseudonyms)->delete_tenant(options.name); !forgotten) {
        return report_error(forgotten.error());
    }
    std::printf("deleted tenant '%s' and its keys\n", options.name.c_str());
    return 0;
}

int run_key_create(const AdminOptions& options) {
    const std::optional<governance::Role> role = governance::parse_role(options.role);
    if (!role) {
        return report_error(
            {ErrorCode::INVALID_ARGUMENT,
             "unknown role '" + options.role + "' (admin, editor, user or auditor)"});
    }
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    Result<governance::CreatedKey> created =
        (*keys)->create_key(options.tenant, *role, options.label);
    if (!created) return report_error(created.error());
    std::printf("%s\n", created->key.c_str());
    std::fflush(stdout);
    std::fprintf(stderr,
                 "created key %s (tenant '%s', role %s). It is shown only this once: store it "
                 "now.\n",
                 created->row.key_id.c_str(), created->row.tenant.c_str(),
                 created->row.role.c_str());
    return 0;
}

int run_key_list(const AdminOptions& options) {
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    Result<std::optional<storage::TenantRow>> tenant = (*keys)->find_tenant(options.tenant);
    if (!tenant) return report_error(tenant.error());
    if (!tenant->has_value()) {
        return report_error({ErrorCode::NOT_FOUND, "no tenant '" + options.tenant + "'"});
    }
    Result<std::vector<storage::ApiKeyRow>> rows = (*keys)->list_keys(options.tenant);
    if (!rows) return report_error(rows.error());
    for (const storage::ApiKeyRow& key : *rows) {
        const std::string state =
            key.revoked_at ? "revoked " + time_text(*key.revoked_at) : std::string("active");
        std::printf("%s\t%s\tcreated %s\t%s\t%s\n", key.key_id.c_str(), key.role.c_str(),
                    time_text(key.created_at).c_str(), state.c_str(), key.label.c_str());
    }
    return 0;
}

int run_key_revoke(const AdminOptions& options) {
    Result<std::unique_ptr<governance::ApiKeys>> keys = open_keys(options);
    if (!keys) return report_error(keys.error());
    if (Status revoked = (*keys)->revoke_key(options.name); !revoked) {
        return report_error(revoked.error());
    }
    std::printf("revoked key %s\n", options.name.c_str());
    return 0;
}

void add_data_option(CLI::App* cmd, AdminOptions& options) {
    cmd->add_option("--data", options.data_dir, "Data directory (default ./souverain-data)");
}

}  // namespace

void register_admin(CLI::App& app) {
    auto options = std::make_shared<AdminOptions>();
    CLI::App* admin = app.add_subcommand("admin", "Tenants and their API keys");
    admin->require_subcommand(1);

    CLI::App* tenant = admin->add_subcommand("tenant", "Manage tenants");
    tenant->require_subcommand(1);
    CLI::App* create = tenant->add_subcommand("create", "Create a tenant");
    create->add_option("name", options->name, "Tenant name (a-z 0-9 . _ -)")->required();
    create->add_flag("--operator", options->operator_tenant,
                     "The tenant's admins may manage tenants (the first tenant always may)");
    create->add_option("--keep-texts", options->keep_texts,
                       "Audit records keep pseudonymized texts: on, off (default: the server's "
                       "--audit-keep-texts)");
    create->add_option("--disclosure-notice", options->disclosure_notice,
                       "Visible AI notice on answers: on, off (default: the server's flag)");
    add_data_option(create, *options);
    create->callback([options]() { set_exit_code(run_tenant_create(*options)); });
    CLI::App* policy = tenant->add_subcommand("policy", "Set a tenant's policy");
    policy->add_option("name", options->name, "Tenant name")->required();
    policy->add_option("--keep-texts", options->keep_texts, "on, off or server");
    policy->add_option("--disclosure-notice", options->disclosure_notice, "on, off or server");
    add_data_option(policy, *options);
    policy->callback([options]() { set_exit_code(run_tenant_policy(*options)); });
    CLI::App* list = tenant->add_subcommand("list", "List tenants");
    add_data_option(list, *options);
    list->callback([options]() { set_exit_code(run_tenant_list(*options)); });
    CLI::App* remove = tenant->add_subcommand("delete", "Delete a tenant and its keys");
    remove->add_option("name", options->name, "Tenant name")->required();
    add_data_option(remove, *options);
    remove->callback([options]() { set_exit_code(run_tenant_delete(*options)); });

    CLI::App* key = admin->add_subcommand("key", "Manage API keys");
    key->require_subcommand(1);
    CLI::App* key_create = key->add_subcommand("create", "Create a key (printed once)");
    key_create->add_option("--tenant", options->tenant, "Tenant of the key")->required();
    key_create->add_option("--role", options->role, "admin, editor, user or auditor")->required();
    key_create->add_option("--label", options->label, "A note (who or what uses the key)");
    add_data_option(key_create, *options);
    key_create->callback([options]() { set_exit_code(run_key_create(*options)); });
    CLI::App* key_list = key->add_subcommand("list", "List a tenant's keys (never secrets)");
    key_list->add_option("--tenant", options->tenant, "Tenant")->required();
    add_data_option(key_list, *options);
    key_list->callback([options]() { set_exit_code(run_key_list(*options)); });
    CLI::App* revoke = key->add_subcommand("revoke", "Revoke a key (it stops working at once)");
    revoke->add_option("key_id", options->name, "Key id (the 16 hex characters after sk-souv-)")
        ->required();
    add_data_option(revoke, *options);
    revoke->callback([options]() { set_exit_code(run_key_revoke(*options)); });
}

}  // namespace souverain::cli
