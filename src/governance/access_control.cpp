#include "governance/access_control.h"

namespace souverain::governance {

const char* role_name(Role role) {
    switch (role) {
        case Role::ADMIN:
            return "admin";
        case Role::EDITOR:
            return "editor";
        case Role::USER:
            return "user";
        case Role::AUDITOR:
            return "auditor";
    }
    return "user";
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role role : {Role::ADMIN, Role::EDITOR, Role::USER, Role::AUDITOR}) {
        if (name == role_name(role)) return role;
    }
    return std::nullopt;
}

const char* action_name(Action action) {
    switch (action) {
        case Action::READ_MODELS:
            return "read_models";
        case Action::CHAT:
            return "chat";
        case Action::SEARCH:
            return "search";
        case Action::READ_KBS:
            return "read_kbs";
        case Action::MANAGE_KBS:
            return "manage_kbs";
        case Action::READ_AUDIT:
            return "read_audit";
        case Action::READ_REGISTER:
            return "read_register";
        case Action::WRITE_REGISTER:
            return "write_register";
        case Action::ADMIN_KEYS:
            return "admin_keys";
        case Action::ADMIN_TENANTS:
            return "admin_tenants";
        case Action::REVERSE_PII:
            return "reverse_pii";
    }
    return "unknown";
}

bool allowed(const Principal& principal, Action action) {
    switch (action) {
        case Action::READ_MODELS:
        case Action::READ_REGISTER:
            return true;
        case Action::CHAT:
        case Action::SEARCH:
        case Action::READ_KBS:
            return principal.role != Role::AUDITOR;
        case Action::MANAGE_KBS:
            return principal.role == Role::ADMIN || principal.role == Role::EDITOR;
        case Action::READ_AUDIT:
            return principal.role == Role::ADMIN || principal.role == Role::AUDITOR;
        case Action::WRITE_REGISTER:
        case Action::ADMIN_KEYS:
        case Action::REVERSE_PII:
            return principal.role == Role::ADMIN;
        case Action::ADMIN_TENANTS:
            return principal.role == Role::ADMIN && principal.operator_tenant;
    }
    return false;
}

std::string tenant_name_problem(std::string_view name) {
    if (name.empty()) return "it is empty";
    if (name.size() > 64) return "it is longer than 64 characters";
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(name[0])) return "it must start with a lower-case letter or a digit";
    for (char c : name) {
        if (!lower_alnum(c) && c != '.' && c != '_' && c != '-') {
            return "only lower-case letters, digits, '.', '_' and '-' are allowed";
        }
    }
    return "";
}

}  // namespace souverain::governance
