// Tenant isolation through the real HTTP server on 127.0.0.1: many tenants, keys of every role,
// knowledge bases with overlapping names and documents holding tenant-specific marker words,
// then thousands of random requests (random key, route, knowledge-base name of any tenant,
// query words of any tenant). Every answer must hold no other tenant's marker (which is in its
// documents' texts, ids and private base names) or key id, counts must be the caller's own,
// a foreign base must answer exactly like a missing one, and roles must hold.
//
// SOUVERAIN_TENANT_REQUESTS sets the number of random requests (default 2000).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "governance/access_control.h"
#include "governance/api_keys.h"
#include "governance/audit_log.h"
#include "server/http_server.h"
#include "test_models.h"
#include "test_paths.h"

namespace souverain::server {
namespace {

using governance::Role;
using nlohmann::json;

constexpr int kTenants = 8;
// Words no analyzer splits or stems into one another, one per tenant.
const char* const kMarkers[kTenants] = {"zirplon", "quavmet", "droskel", "fenwapt",
                                        "blorvix", "trumzel", "gakwint", "pelnorf"};
const char* const kCommonWords[] = {"budget", "citizen", "office", "notes", "memo", "staff"};
const Role kRoles[] = {Role::ADMIN, Role::EDITOR, Role::USER, Role::AUDITOR};

struct Tenant {
    std::string name;
    std::string marker;
    std::map<Role, std::string> keys;  // role -> whole key
    std::vector<std::string> key_ids;
    int64_t shared_documents = 0;
};

// A server with everything real: SQLite stores in a temporary data directory, the audit log,
// a tiny random-weight model for grounded chat, argon2id keys (at minimal cost).
class IsolationServer {
public:
    Status start(const std::string& dir, std::vector<Tenant>& tenants) {
        auto kbs = retrieval::KnowledgeBaseService::open(dir);
        if (!kbs) return kbs.error();
        auto keys = governance::ApiKeys::open(dir, governance::KeyHashCost::minimal());
        if (!keys) return keys.error();
        for (int t = 0; t < kTenants; ++t) {
            Tenant tenant;
            tenant.name = "tenant" + std::to_string(t);
            tenant.marker = kMarkers[t];
            auto created_tenant = (*keys)->create_tenant(tenant.name, false);
            if (!created_tenant) return created_tenant.error();
            for (Role role : kRoles) {
                auto created = (*keys)->create_key(tenant.name, role, governance::role_name(role));
                if (!created) return created.error();
                tenant.keys[role] = created->key;
                tenant.key_ids.push_back(created->row.key_id);
            }
            SOUVERAIN_TRY(fill_knowledge_bases(**kbs, tenant, t));
            tenants.push_back(std::move(tenant));
        }
        auto signing_key = governance::SigningKey::load_or_create(dir);
        if (!signing_key) return signing_key.error();
        auto log = governance::AuditLog::open(dir);
        if (!log) return log.error();
        auto gov = std::make_unique<ServerGovernance>(
            ServerGovernance{std::make_unique<AuditWriter>(std::move(*log)),
                             *signing_key,
                             {},
                             std::nullopt,
                             false,
                             false,
                             nullptr,
                             nullptr});

        std::vector<ServedModel> models;
        std::unique_ptr<LlamaModel> model = test::make_tiny_model("q8_0", 5);
        if (!model) return make_error(ErrorCode::INTERNAL, "no tiny model");
        RunnerOptions runner_options;
        runner_options.n_slots = 4;
        runner_options.n_ctx = 512;
        runner_options.n_threads = 2;
        auto runner = ModelRunner::create("tiny", std::move(model), runner_options, metrics_);
        if (!runner) return runner.error();
        ServedModel served;
        served.runner = std::move(*runner);
        models.push_back(std::move(served));

        ServerOptions options;
        options.port = 0;
        options.n_http_threads = 16;
        options.shutdown_grace_seconds = 1;
        server_ =
            std::make_unique<HttpServer>(options, std::move(models), metrics_, std::move(*kbs),
                                         std::move(gov), nullptr, std::move(*keys));
        SOUVERAIN_TRY(server_->bind());
        thread_ = std::thread([this] { server_->run(); });
        return Status::success();
    }

    ~IsolationServer() {
        if (server_) server_->shutdown();
        if (thread_.joinable()) thread_.join();
    }

    int port() const { return server_->port(); }

private:
    static Status fill_knowledge_bases(retrieval::KnowledgeBaseService& kbs, Tenant& tenant,
                                       int index) {
        const std::string& m = tenant.marker;
        auto upload = [&](const std::string& kb, const std::string& file, const std::string& text) {
            auto result = kbs.upload(tenant.name, kb, file, text);
            return result ? Status::success() : Status(result.error());
        };
        for (const std::string& kb : std::vector<std::string>{"laws", "shared", "private-" + m}) {
            auto created = kbs.create(tenant.name, kb);
            if (!created) return created.error();
        }
        SOUVERAIN_TRY(upload(
            "laws", "note-" + m + ".md",
            "# Notes " + m + "\n\nThe " + m + " office publishes the budget for every citizen.\n"));
        // A different number of documents per tenant, so that a leaked count shows.
        tenant.shared_documents = index + 1;
        for (int d = 0; d <= index; ++d) {
            SOUVERAIN_TRY(upload("shared", "shared-" + m + "-" + std::to_string(d) + ".md",
                                 "Budget line " + std::to_string(d) + " of the " + m +
                                     " office: the citizen pays.\n"));
        }
        return upload("private-" + m, "secret-" + m + ".md",
                      "Only " + m + " staff read this budget memo about the citizen.\n");
    }

    Metrics metrics_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
};

enum class Route {
    LIST,
    GET,
    DOCUMENTS,
    SEARCH,
    CHAT,
    AUDIT,
    DELETE_KB,
    DELETE_DOCUMENT,
    UPLOAD,
    ADMIN_KEYS,
    REVOKE_KEY,
    TENANTS,
};
constexpr int kRoutes = 12;

bool role_may(Route route, Role role, bool operator_tenant) {
    switch (route) {
        case Route::LIST:
        case Route::GET:
        case Route::DOCUMENTS:
        case Route::SEARCH:
        case Route::CHAT:
            return role != Role::AUDITOR;
        case Route::AUDIT:
            return role == Role::ADMIN || role == Role::AUDITOR;
        case Route::DELETE_KB:
        case Route::DELETE_DOCUMENT:
        case Route::UPLOAD:
            return role == Role::ADMIN || role == Role::EDITOR;
        case Route::ADMIN_KEYS:
        case Route::REVOKE_KEY:
            return role == Role::ADMIN;
        case Route::TENANTS:
            return role == Role::ADMIN && operator_tenant;
    }
    return false;
}

struct Answer {
    int status = 0;
    std::string body;
};

struct Request {
    std::string method;
    std::string path;
    std::string body;
    std::string kb;  // the knowledge-base name the request names ("" when none)
};

class Client {
public:
    explicit Client(int port) : http_("127.0.0.1", port) {
        http_.set_read_timeout(60, 0);
        http_.set_keep_alive(true);
    }

    Answer send(const Request& request, const std::string& key) {
        httplib::Headers headers;
        if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
        httplib::Result result = [&] {
            if (request.method == "GET") return http_.Get(request.path, headers);
            if (request.method == "DELETE") return http_.Delete(request.path, headers);
            const bool upload = request.path.find("/documents?") != std::string::npos;
            return http_.Post(request.path, headers, request.body,
                              upload ? "text/markdown" : "application/json");
        }();
        if (!result) return Answer{-1, httplib::to_string(result.error())};
        return Answer{result->status, result->body};
    }

private:
    httplib::Client http_;
};

Request make_request(Route route, const std::string& kb, const std::string& query,
                     const std::string& key_id) {
    const std::string base = "/v1/knowledge-bases/" + kb;
    switch (route) {
        case Route::LIST:
            return {"GET", "/v1/knowledge-bases", "", ""};
        case Route::GET:
            return {"GET", base, "", kb};
        case Route::DOCUMENTS:
            return {"GET", base + "/documents", "", kb};
        case Route::SEARCH:
            return {"POST", base + "/search", json{{"query", query}, {"top_k", 10}}.dump(), kb};
        case Route::CHAT:
            return {"POST", "/v1/chat/completions",
                    json{{"model", "tiny"},
                         {"messages", {{{"role", "user"}, {"content", query}}}},
                         {"knowledge_bases", {kb}},
                         {"retrieval", {{"top_k", 2}}},
                         {"max_tokens", 1},
                         {"temperature", 0}}
                        .dump(),
                    kb};
        case Route::AUDIT:
            return {"GET", "/v1/audit/records?limit=50&from=0", "", ""};
        case Route::DELETE_KB:
            return {"DELETE", base, "", kb};
        case Route::DELETE_DOCUMENT:
            return {"DELETE", base + "/documents/note-" + kb + ".md", "", kb};
        case Route::UPLOAD:
            return {"POST", base + "/documents?filename=intruder.md", "# Intruder\n\nbudget\n", kb};
        case Route::ADMIN_KEYS:
            return {"GET", "/v1/admin/keys", "", ""};
        case Route::REVOKE_KEY:
            return {"DELETE", "/v1/admin/keys/" + key_id, "", ""};
        case Route::TENANTS:
            return {"GET", "/v1/admin/tenants", "", ""};
    }
    return {};
}

// `text` with every occurrence of `what` replaced by `by`.
std::string replace_all(std::string text, const std::string& what, const std::string& by) {
    if (what.empty()) return text;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + by.size()))
        text.replace(at, what.size(), by);
    return text;
}

int requests_to_try() {
    const char* env = std::getenv("SOUVERAIN_TENANT_REQUESTS");
    if (env != nullptr && std::atoi(env) > 0) return std::atoi(env);
    return 2000;
}

TEST(TenantIsolationTest, RandomRequestsNeverSeeAnotherTenantsData) {
    std::vector<Tenant> tenants;
    IsolationServer server;
    {
        Status started = server.start(test::make_temp_dir("isolation"), tenants);
        ASSERT_TRUE(started) << started.error().message;
    }
    Client client(server.port());
    std::mt19937_64 rng(20261122);
    auto pick = [&](size_t n) { return (size_t)(rng() % n); };

    const int n_requests = requests_to_try();
    int n_twins = 0, n_checked_hits = 0;
    std::map<int, int> statuses;
    for (int idx = 0; idx < n_requests; ++idx) {
        const size_t t = pick(kTenants);
        const Tenant& me = tenants[t];
        const Role role = kRoles[pick(4)];
        const bool operator_tenant = t == 0;  // tenant0 was created first
        const Route route = (Route)pick(kRoutes);

        // A base name: own (shared names and the private one), another tenant's private one,
        // or one nobody has.
        std::string kb;
        bool own = false;
        const size_t which = pick(5);
        const size_t other = (t + 1 + pick(kTenants - 1)) % kTenants;
        if (which == 0) kb = "laws", own = true;
        if (which == 1) kb = "shared", own = true;
        if (which == 2) kb = "private-" + me.marker, own = true;
        if (which == 3) kb = "private-" + tenants[other].marker;
        if (which == 4) kb = "private-nobodyx";
        const bool mutating =
            route == Route::DELETE_KB || route == Route::DELETE_DOCUMENT || route == Route::UPLOAD;
        if (mutating && own) kb = "private-" + tenants[other].marker, own = false;

        std::string query;
        for (size_t w = 0, n = 1 + pick(3); w < n; ++w) {
            if (w > 0) query += " ";
            query += pick(2) == 0 ? kCommonWords[pick(6)] : kMarkers[pick(kTenants)];
        }
        // Revocation targets another tenant's key, or an id nobody has (the operator's admins
        // may revoke any key: they get only the latter).
        std::string key_id = "0123456789abcdef";
        if (!operator_tenant && pick(2) == 0) {
            key_id = tenants[other].key_ids[pick(tenants[other].key_ids.size())];
        }
        const Request request = make_request(route, kb, query, key_id);

        // One in twenty requests comes without a key or with a wrong one.
        const size_t credentials = pick(20);
        std::string key = me.keys.at(role);
        if (credentials == 0) key = "";
        if (credentials == 1) key = "sk-souv-" + me.key_ids[0] + "-" + std::string(64, 'a');
        const Answer answer = client.send(request, key);
        ++statuses[answer.status];
        const std::string context = request.method + " " + request.path + " as " + me.name + "/" +
                                    governance::role_name(role) + " -> " +
                                    std::to_string(answer.status) + " " + answer.body;

        if (credentials <= 1) {
            ASSERT_EQ(answer.status, 401) << context;
            continue;
        }
        if (!role_may(route, role, operator_tenant)) {
            ASSERT_EQ(answer.status, 403) << context;
            continue;
        }

        // No other tenant's marker or key id, once the caller's own words are taken out of
        // the echo of a 404 (the name it asked for).
        const std::string scrubbed = replace_all(replace_all(answer.body, "'" + kb + "'", "'NAME'"),
                                                 "'" + key_id + "'", "'ID'");
        for (size_t u = 0; u < tenants.size(); ++u) {
            if (u == t) continue;
            ASSERT_EQ(scrubbed.find(tenants[u].marker), std::string::npos)
                << "leak of " << tenants[u].name << ": " << context;
            for (const std::string& id : tenants[u].key_ids) {
                ASSERT_EQ(scrubbed.find(id), std::string::npos)
                    << "key id of " << tenants[u].name << ": " << context;
            }
        }

        const bool names_kb = !request.kb.empty();
        if (names_kb && !own) {
            ASSERT_EQ(answer.status, 404) << context;
            // The same request naming a base nobody has: the same status and body.
            const std::string fake = "private-" + std::string(kb.size() - 8, 'x');
            const Request twin = make_request(route, fake, query, key_id);
            const Answer twin_answer = client.send(twin, key);
            ++n_twins;
            ASSERT_EQ(twin_answer.status, answer.status) << context;
            ASSERT_EQ(replace_all(twin_answer.body, fake, "NAME"),
                      replace_all(answer.body, kb, "NAME"))
                << context;
            continue;
        }
        if (route == Route::REVOKE_KEY) {
            ASSERT_EQ(answer.status, 404) << context;  // another tenant's key is unknown here
            continue;
        }
        ASSERT_EQ(answer.status, 200) << context;
        const json body = json::parse(answer.body);
        switch (route) {
            case Route::LIST: {
                std::set<std::string> names;
                for (const json& base : body["data"]) {
                    names.insert(base["name"].get<std::string>());
                    if (base["name"] == "shared") {
                        ASSERT_EQ(base["documents"], me.shared_documents) << context;
                    }
                }
                ASSERT_EQ(names, (std::set<std::string>{"laws", "shared", "private-" + me.marker}))
                    << context;
                break;
            }
            case Route::GET:
                if (kb == "shared") {
                    ASSERT_EQ(body["documents"], me.shared_documents) << context;
                }
                break;
            case Route::DOCUMENTS:
                for (const json& doc : body["data"]) {
                    ASSERT_NE(doc["id"].get<std::string>().find(me.marker), std::string::npos)
                        << context;
                }
                break;
            case Route::SEARCH:
                // Every document of the caller holds its marker: a query with it finds some.
                if (query.find(me.marker) != std::string::npos) {
                    ASSERT_FALSE(body["hits"].empty()) << context;
                }
                for (const json& hit : body["hits"]) {
                    ASSERT_NE(hit["text"].get<std::string>().find(me.marker), std::string::npos)
                        << context;
                    ++n_checked_hits;
                }
                break;
            case Route::CHAT:
                for (const json& citation : body.value("citations", json::array())) {
                    ASSERT_EQ(citation["knowledge_base"], kb) << context;
                    ASSERT_NE(citation["passage"].get<std::string>().find(me.marker),
                              std::string::npos)
                        << context;
                    ++n_checked_hits;
                }
                break;
            case Route::AUDIT:
                for (const json& entry : body["data"]) {
                    ASSERT_EQ(entry["record"]["tenant"], me.name) << context;
                    const std::string id = entry["record"]["key_id"].get<std::string>();
                    ASSERT_NE(std::find(me.key_ids.begin(), me.key_ids.end(), id), me.key_ids.end())
                        << context;
                }
                break;
            case Route::ADMIN_KEYS:
                ASSERT_EQ(body["data"].size(), me.key_ids.size()) << context;
                for (const json& row : body["data"]) {
                    ASSERT_EQ(row["tenant"], me.name) << context;
                    ASSERT_FALSE(row.contains("key")) << context;  // the secret is never listed
                }
                break;
            case Route::TENANTS:
                ASSERT_EQ(body["data"].size(), (size_t)kTenants) << context;
                break;
            default:
                FAIL() << "unexpected 200: " << context;
        }
    }

    // Nothing another tenant tried changed anything: every base and key is as it was.
    for (const Tenant& tenant : tenants) {
        for (Role role : kRoles) {
            const Answer models = client.send({"GET", "/v1/models", "", ""}, tenant.keys.at(role));
            ASSERT_EQ(models.status, 200) << tenant.name << " " << governance::role_name(role);
        }
        const Answer laws = client.send({"GET", "/v1/knowledge-bases/laws/documents", "", ""},
                                        tenant.keys.at(Role::EDITOR));
        ASSERT_EQ(laws.status, 200);
        EXPECT_EQ(json::parse(laws.body)["data"].size(), 1u) << tenant.name;
        const Answer shared =
            client.send({"GET", "/v1/knowledge-bases/shared", "", ""}, tenant.keys.at(Role::USER));
        ASSERT_EQ(shared.status, 200);
        EXPECT_EQ(json::parse(shared.body)["documents"], tenant.shared_documents);
    }
    EXPECT_GT(n_checked_hits, 0);  // the positive checks ran
    std::string by_status;
    for (const auto& [status, count] : statuses) {
        by_status += " " + std::to_string(status) + ":" + std::to_string(count);
    }
    std::printf(
        "tenant isolation: %d random requests (+%d twin requests for foreign bases), "
        "%d tenants, %d hits and citations checked; statuses%s\n",
        n_requests, n_twins, kTenants, n_checked_hits, by_status.c_str());
}

// Timing of the answer set: a request naming another tenant's base and its twin naming a base
// nobody has run the same code (one tenant-scoped lookup that finds nothing), so their times
// must be alike; so must a key with an unknown id and a known id with a wrong secret (both
// pay one argon2id verification, api_keys.h). The pairs alternate (ABAB, then BABA) so that
// load on the shared machine falls on both sides. The medians are printed; the assertion is
// deliberately loose (a factor of 3) so that a loaded 2-core machine cannot make it flaky,
// while a path that skipped the lookup or the slow hash would still show.
double median_ms(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

TEST(TenantIsolationTest, ForeignAndMissingNamesTakeAlikeTime) {
    std::vector<Tenant> tenants;
    IsolationServer server;
    {
        Status started = server.start(test::make_temp_dir("isolation_timing"), tenants);
        ASSERT_TRUE(started) << started.error().message;
    }
    Client client(server.port());
    using Clock = std::chrono::steady_clock;
    auto timed = [&](const Request& request, const std::string& key, int expected) {
        const Clock::time_point start = Clock::now();
        const Answer answer = client.send(request, key);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        EXPECT_EQ(answer.status, expected) << request.path << " " << answer.body;
        return ms;
    };
    const Tenant& me = tenants[1];
    const std::string user = me.keys.at(Role::USER);
    const std::string foreign = "private-" + tenants[2].marker;
    const std::string missing = "private-" + std::string(foreign.size() - 8, 'x');
    const Request foreign_search = make_request(Route::SEARCH, foreign, "budget citizen", "");
    const Request missing_search = make_request(Route::SEARCH, missing, "budget citizen", "");
    // A key of tenant 2 with its secret changed, and a key id nobody has.
    const std::string wrong_secret =
        "sk-souv-" + tenants[2].key_ids[0] + "-" + std::string(64, 'a');
    const std::string unknown_id = "sk-souv-0123456789abcdef-" + std::string(64, 'a');
    const Request list = make_request(Route::LIST, "", "", "");

    constexpr int kPairs = 150;
    std::vector<double> foreign_ms, missing_ms, wrong_ms, unknown_ms;
    for (int idx = 0; idx < kPairs; ++idx) {
        const bool flip = idx >= kPairs / 2;
        if (!flip) foreign_ms.push_back(timed(foreign_search, user, 404));
        missing_ms.push_back(timed(missing_search, user, 404));
        if (flip) foreign_ms.push_back(timed(foreign_search, user, 404));
        if (!flip) wrong_ms.push_back(timed(list, wrong_secret, 401));
        unknown_ms.push_back(timed(list, unknown_id, 401));
        if (flip) wrong_ms.push_back(timed(list, wrong_secret, 401));
    }
    const double foreign_median = median_ms(foreign_ms), missing_median = median_ms(missing_ms);
    const double wrong_median = median_ms(wrong_ms), unknown_median = median_ms(unknown_ms);
    std::printf(
        "timing medians over %d pairs: another tenant's base %.3f ms, a missing base %.3f ms; "
        "wrong secret %.3f ms, unknown key id %.3f ms\n",
        kPairs, foreign_median, missing_median, wrong_median, unknown_median);
    EXPECT_LT(foreign_median, 3 * missing_median);
    EXPECT_LT(missing_median, 3 * foreign_median);
    EXPECT_LT(wrong_median, 3 * unknown_median);
    EXPECT_LT(unknown_median, 3 * wrong_median);
}

}  // namespace
}  // namespace souverain::server
