// Authentication modes and the admin API through the real HTTP server on 127.0.0.1: open
// until the first key exists, then 401 without a valid key; keys made and revoked over
// /v1/admin; tenants managed only by the operator tenant's admins.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "governance/api_keys.h"
#include "server/http_server.h"
#include "test_paths.h"

namespace souverain::server {
namespace {

using governance::Role;
using nlohmann::json;

class AuthServer {
public:
    explicit AuthServer(const std::string& dir) {
        auto kbs = retrieval::KnowledgeBaseService::open(dir);
        auto keys = governance::ApiKeys::open(dir, governance::KeyHashCost::minimal());
        EXPECT_TRUE(kbs && keys);
        if (!kbs || !keys) return;
        keys_ = keys->get();
        ServerOptions options;
        options.port = 0;
        options.n_http_threads = 4;
        options.shutdown_grace_seconds = 0.2;
        server_ = std::make_unique<HttpServer>(options, std::vector<ServedModel>(), metrics_,
                                               std::move(*kbs), nullptr, nullptr, std::move(*keys));
        EXPECT_TRUE(server_->bind());
        thread_ = std::thread([this] { server_->run(); });
        client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    }
    ~AuthServer() {
        if (server_) server_->shutdown();
        if (thread_.joinable()) thread_.join();
    }

    governance::ApiKeys& keys() { return *keys_; }

    httplib::Result get(const std::string& path, const std::string& key = "") {
        return client_->Get(path, headers(key));
    }
    httplib::Result post(const std::string& path, const json& body, const std::string& key = "") {
        return client_->Post(path, headers(key), body.dump(), "application/json");
    }
    httplib::Result del(const std::string& path, const std::string& key = "") {
        return client_->Delete(path, headers(key));
    }

private:
    static httplib::Headers headers(const std::string& key) {
        httplib::Headers out;
        if (!key.empty()) out.emplace("Authorization", "Bearer " + key);
        return out;
    }

    Metrics metrics_;
    governance::ApiKeys* keys_ = nullptr;  // owned by the server
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    std::unique_ptr<httplib::Client> client_;
};

TEST(TenantAuthTest, OpenUntilTheFirstKeyThenEveryRouteButHealthNeedsOne) {
    AuthServer server(test::make_temp_dir("auth"));
    // Open mode: today's single-tenant server, as tenant "default".
    auto created = server.post("/v1/knowledge-bases", {{"name", "laws"}});
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;

    ASSERT_TRUE(server.keys().create_tenant("default", false));
    Result<governance::CreatedKey> admin = server.keys().create_key("default", Role::ADMIN, "");
    ASSERT_TRUE(admin);

    auto refused = server.get("/v1/knowledge-bases");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    const json error = json::parse(refused->body)["error"];
    EXPECT_EQ(error["type"], "authentication_error");
    EXPECT_EQ(error["code"], "invalid_api_key");
    std::string wrong_key = admin->key;
    wrong_key.back() = wrong_key.back() == '0' ? '1' : '0';
    auto wrong = server.get("/v1/knowledge-bases", wrong_key);
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    auto unknown_route = server.get("/v1/nothing-here");  // 401 before 404: nothing is told
    ASSERT_TRUE(unknown_route);
    EXPECT_EQ(unknown_route->status, 401);
    auto health = server.get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);

    // The base made in open mode is tenant default's.
    auto listed = server.get("/v1/knowledge-bases", admin->key);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200);
    ASSERT_EQ(json::parse(listed->body)["data"].size(), 1u);
    EXPECT_EQ(json::parse(listed->body)["data"][0]["name"], "laws");

    // Revoking every key does not reopen the server.
    ASSERT_TRUE(server.keys().revoke_key(admin->row.key_id));
    auto after = server.get("/v1/knowledge-bases");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 401);
}

TEST(TenantAuthTest, AdminsManageTheirOwnKeysAndOnlyTheOperatorManagesTenants) {
    AuthServer server(test::make_temp_dir("auth"));
    ASSERT_TRUE(server.keys().create_tenant("ministry", false));  // the first: operator
    ASSERT_TRUE(server.keys().create_tenant("agency", false));
    const std::string op = server.keys().create_key("ministry", Role::ADMIN, "")->key;
    const std::string agency_admin = server.keys().create_key("agency", Role::ADMIN, "")->key;
    const std::string agency_user = server.keys().create_key("agency", Role::USER, "")->key;

    // A key made over HTTP is shown once, works at once, and is listed without its secret.
    auto made =
        server.post("/v1/admin/keys", {{"role", "editor"}, {"label", "robot"}}, agency_admin);
    ASSERT_TRUE(made);
    ASSERT_EQ(made->status, 201) << made->body;
    const json key = json::parse(made->body);
    EXPECT_EQ(key["tenant"], "agency");
    const std::string editor = key["key"].get<std::string>();
    auto used = server.post("/v1/knowledge-bases", {{"name", "laws"}}, editor);
    ASSERT_TRUE(used);
    EXPECT_EQ(used->status, 201) << used->body;
    auto listed = server.get("/v1/admin/keys", agency_admin);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200);
    EXPECT_EQ(json::parse(listed->body)["data"].size(), 3u);
    EXPECT_EQ(listed->body.find(editor), std::string::npos);

    // Roles: a user may not make keys; an admin may not reach another tenant.
    auto by_user = server.post("/v1/admin/keys", {{"role", "admin"}}, agency_user);
    ASSERT_TRUE(by_user);
    EXPECT_EQ(by_user->status, 403);
    EXPECT_EQ(json::parse(by_user->body)["error"]["type"], "permission_error");
    auto elsewhere =
        server.post("/v1/admin/keys", {{"role", "admin"}, {"tenant", "ministry"}}, agency_admin);
    ASSERT_TRUE(elsewhere);
    EXPECT_EQ(elsewhere->status, 403);
    auto tenants_by_agency = server.get("/v1/admin/tenants", agency_admin);
    ASSERT_TRUE(tenants_by_agency);
    EXPECT_EQ(tenants_by_agency->status, 403);
    auto op_key_id = governance::parse_api_key(op)->key_id;
    auto revoke_foreign = server.del("/v1/admin/keys/" + op_key_id, agency_admin);
    ASSERT_TRUE(revoke_foreign);
    EXPECT_EQ(revoke_foreign->status, 404);
    auto revoke_missing = server.del("/v1/admin/keys/ffffffffffffffff", agency_admin);
    ASSERT_TRUE(revoke_missing);
    EXPECT_EQ(revoke_missing->status, 404);

    // The operator makes a tenant and its first admin key.
    auto tenant = server.post("/v1/admin/tenants", {{"name", "police"}, {"keep_texts", true}}, op);
    ASSERT_TRUE(tenant);
    ASSERT_EQ(tenant->status, 201) << tenant->body;
    EXPECT_EQ(json::parse(tenant->body)["keep_texts"], true);
    auto police_key = server.post("/v1/admin/keys", {{"role", "admin"}, {"tenant", "police"}}, op);
    ASSERT_TRUE(police_key);
    ASSERT_EQ(police_key->status, 201) << police_key->body;
    auto police_list =
        server.get("/v1/knowledge-bases", json::parse(police_key->body)["key"].get<std::string>());
    ASSERT_TRUE(police_list);
    EXPECT_EQ(police_list->status, 200);
    EXPECT_TRUE(json::parse(police_list->body)["data"].empty());  // agency's "laws" is not here

    // Revoked over HTTP: refused at the next request.
    const std::string editor_id = key["id"].get<std::string>();
    auto revoked = server.del("/v1/admin/keys/" + editor_id, agency_admin);
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->status, 200) << revoked->body;
    auto after = server.get("/v1/knowledge-bases", editor);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 401);

    // A tenant that still owns bases is not deleted.
    auto busy = server.del("/v1/admin/tenants/agency", op);
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status, 409);
    auto gone = server.del("/v1/admin/tenants/police", op);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 200);
}

}  // namespace
}  // namespace souverain::server
