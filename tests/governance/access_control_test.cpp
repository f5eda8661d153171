// The role table: every (role, action) pair, so that a change to a permission is a visible
// change to this test.
#include "governance/access_control.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace souverain::governance {
namespace {

TEST(AccessControlTest, EveryRoleHasExactlyItsPermissions) {
    using A = Action;
    const std::vector<A> actions = {A::READ_MODELS,   A::CHAT,           A::SEARCH,
                                    A::READ_KBS,      A::MANAGE_KBS,     A::READ_AUDIT,
                                    A::READ_REGISTER, A::WRITE_REGISTER, A::ADMIN_KEYS,
                                    A::ADMIN_TENANTS, A::REVERSE_PII};
    // Columns in the order of `actions`.
    const std::map<Role, std::vector<bool>> table = {
        {Role::ADMIN, {true, true, true, true, true, true, true, true, true, false, true}},
        {Role::EDITOR, {true, true, true, true, true, false, true, false, false, false, false}},
        {Role::USER, {true, true, true, true, false, false, true, false, false, false, false}},
        {Role::AUDITOR, {true, false, false, false, false, true, true, false, false, false, false}},
    };
    for (const auto& [role, row] : table) {
        for (size_t idx = 0; idx < actions.size(); ++idx) {
            EXPECT_EQ(allowed(Principal{"t", "k", role, false}, actions[idx]), row[idx])
                << role_name(role) << " " << action_name(actions[idx]);
        }
    }
}

TEST(AccessControlTest, OnlyAdminsOfTheOperatorTenantManageTenants) {
    EXPECT_TRUE(allowed(Principal{"ops", "k", Role::ADMIN, true}, Action::ADMIN_TENANTS));
    EXPECT_FALSE(allowed(Principal{"ops", "k", Role::EDITOR, true}, Action::ADMIN_TENANTS));
    EXPECT_FALSE(allowed(Principal{"agency", "k", Role::ADMIN, false}, Action::ADMIN_TENANTS));
}

TEST(AccessControlTest, RoleNamesRoundTripAndUnknownNamesAreRefused) {
    for (Role role : {Role::ADMIN, Role::EDITOR, Role::USER, Role::AUDITOR}) {
        EXPECT_EQ(parse_role(role_name(role)), role);
    }
    EXPECT_FALSE(parse_role("Admin"));
    EXPECT_FALSE(parse_role("root"));
    EXPECT_FALSE(parse_role(""));
}

TEST(AccessControlTest, TenantNamesFollowTheRules) {
    EXPECT_EQ(tenant_name_problem("ministry-of.finance_2"), "");
    EXPECT_NE(tenant_name_problem(""), "");
    EXPECT_NE(tenant_name_problem("Ministry"), "");
    EXPECT_NE(tenant_name_problem("-agency"), "");
    EXPECT_NE(tenant_name_problem("a/b"), "");
    EXPECT_NE(tenant_name_problem(std::string(65, 'a')), "");
}

}  // namespace
}  // namespace souverain::governance
