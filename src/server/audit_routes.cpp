#include "server/audit_routes.h"

#include <httplib.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "governance/merkle_tree.h"
#include "governance/sha256.h"
#include "governance/tree_head.h"
#include "server/api_error.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

using nlohmann::json;

constexpr uint64_t kDefaultRecords = 100;
constexpr uint64_t kMaxRecords = 1000;

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
}

void send_json(httplib::Response& res, const std::string& body) {
    res.status = 200;
    res.set_content(body, "application/json");
}

// A non-negative integer query parameter; `fallback` when absent.
std::variant<uint64_t, ApiError> query_number(const httplib::Request& req, const std::string& name,
                                              std::optional<uint64_t> fallback) {
    if (!req.has_param(name)) {
        if (fallback) return *fallback;
        return invalid_value(name, "the query parameter '" + name + "' is required");
    }
    const std::string text = req.get_param_value(name);
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return invalid_value(name, "'" + name + "' must be a non-negative integer");
    }
    return value;
}

// The tenant named in a record's canonical JSON ("" when unreadable).
std::string record_tenant(const governance::StoredAuditRecord& record) {
    const json value = json::parse(record.canonical, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) return "";
    auto it = value.find("tenant");
    return it != value.end() && it->is_string() ? it->get<std::string>() : "";
}

// Whether record `seq` exists and belongs to `tenant`.
Result<bool> owns_record(const governance::AuditLog& log, uint64_t seq, const std::string& tenant) {
    Result<std::vector<governance::StoredAuditRecord>> records = log.records(seq, 1);
    if (!records) return records.error();
    return !records->empty() && (*records)[0].seq == seq && record_tenant((*records)[0]) == tenant;
}

json hashes_json(const std::vector<governance::MerkleHash>& hashes) {
    json out = json::array();
    for (const governance::MerkleHash& hash : hashes) out.push_back(governance::to_hex(hash));
    return out;
}

}  // namespace

void install_audit_routes(httplib::Server& http, const governance::AuditLog& log) {
    const governance::AuditLog* audit = &log;
    http.Get("/.well-known/souverain/keys",
             [audit](const httplib::Request&, httplib::Response& res) {
                 send_json(res, governance::public_keys_document({audit->public_key()}));
             });
    http.Get("/v1/audit/tree-head", [audit](const httplib::Request&, httplib::Response& res) {
        send_json(res, governance::tree_head_to_json(audit->tree_head()));
    });
    http.Get("/v1/audit/records", [audit](const httplib::Request& req, httplib::Response& res) {
        auto from = query_number(req, "from", 0);
        if (auto* error = std::get_if<ApiError>(&from)) return send_error(res, *error);
        auto limit = query_number(req, "limit", kDefaultRecords);
        if (auto* error = std::get_if<ApiError>(&limit)) return send_error(res, *error);
        if (std::get<uint64_t>(limit) > kMaxRecords) {
            return send_error(
                res, invalid_value("limit", "'limit' is at most " + std::to_string(kMaxRecords)));
        }
        const uint64_t size = audit->size();
        const std::string& tenant = current_principal().tenant;
        // The caller's records only: scanned in pages from `from` until `limit` are found.
        std::vector<governance::StoredAuditRecord> mine;
        uint64_t next = std::get<uint64_t>(from);
        while (mine.size() < std::get<uint64_t>(limit) && next < size) {
            Result<std::vector<governance::StoredAuditRecord>> page =
                audit->records(next, kMaxRecords);
            if (!page) return send_error(res, api_error_from(page.error()));
            if (page->empty()) break;
            for (governance::StoredAuditRecord& record : *page) {
                next = record.seq + 1;
                if (record_tenant(record) != tenant) continue;
                mine.push_back(std::move(record));
                if (mine.size() == std::get<uint64_t>(limit)) break;
            }
        }
        json data = json::array();
        for (const governance::StoredAuditRecord& record : mine) {
            data.push_back({{"seq", record.seq},
                            {"leaf_hash", governance::to_hex(record.leaf_hash)},
                            {"canonical", record.canonical},
                            {"record", json::parse(record.canonical, nullptr, false)}});
        }
        send_json(res, json{{"object", "list"}, {"tree_size", size}, {"data", data}}.dump());
    });
    http.Get("/v1/audit/proof/inclusion",
             [audit](const httplib::Request& req, httplib::Response& res) {
                 auto seq = query_number(req, "seq", std::nullopt);
                 if (auto* error = std::get_if<ApiError>(&seq)) return send_error(res, *error);
                 auto tree_size = query_number(req, "tree_size", 0);
                 if (auto* error = std::get_if<ApiError>(&tree_size))
                     return send_error(res, *error);
                 // Another tenant's record answers like one that does not exist.
                 const uint64_t n = std::get<uint64_t>(seq);
                 Result<bool> owned = owns_record(*audit, n, current_principal().tenant);
                 if (!owned) return send_error(res, api_error_from(owned.error()));
                 if (!*owned) {
                     return send_error(res, invalid_value("seq", "no record " + std::to_string(n) +
                                                                     " of this tenant in the log"));
                 }
                 Result<governance::InclusionProof> proof =
                     audit->inclusion_proof(std::get<uint64_t>(seq), std::get<uint64_t>(tree_size));
                 if (!proof) return send_error(res, invalid_value("seq", proof.error().message));
                 send_json(res, json{{"seq", proof->leaf_index},
                                     {"tree_size", proof->tree_size},
                                     {"leaf_hash", governance::to_hex(proof->leaf_hash)},
                                     {"audit_path", hashes_json(proof->path)}}
                                    .dump());
             });
    http.Get("/v1/audit/proof/consistency",
             [audit](const httplib::Request& req, httplib::Response& res) {
                 auto first = query_number(req, "first", std::nullopt);
                 if (auto* error = std::get_if<ApiError>(&first)) return send_error(res, *error);
                 auto second = query_number(req, "second", 0);
                 if (auto* error = std::get_if<ApiError>(&second)) return send_error(res, *error);
                 uint64_t second_size = std::get<uint64_t>(second);
                 if (second_size == 0) second_size = audit->size();
                 Result<std::vector<governance::MerkleHash>> proof =
                     audit->consistency_proof(std::get<uint64_t>(first), second_size);
                 if (!proof) return send_error(res, invalid_value("first", proof.error().message));
                 send_json(res, json{{"first", std::get<uint64_t>(first)},
                                     {"second", second_size},
                                     {"proof", hashes_json(*proof)}}
                                    .dump());
             });
}

}  // namespace souverain::server
