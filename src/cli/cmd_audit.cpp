// `souverain audit verify [--data DIR] [--tree-head FILE] [--key PUB.json]`: recomputes the
// audit log and names the first record that was changed, removed, reordered or inserted
// (exit 1), or prints "ok: N records, root HEX".
// `souverain audit tree-head [--data DIR] [--out FILE]`: the latest signed tree head, for an
// auditor to keep outside the server and give back to `verify --tree-head` later.
// `souverain audit records [--data DIR] [--from N] [--limit N]`: the records' canonical bytes,
// one per line.
// `souverain audit append --data DIR --json RECORD` (hidden: for tests and imports): appends
// one record given as a JSON object with any of the AuditRecord fields (others default).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "governance/audit_log.h"
#include "governance/audit_record.h"
#include "governance/audit_verify.h"
#include "governance/canonical_json.h"
#include "governance/signing_key.h"
#include "storage/audit_store.h"

namespace souverain::cli {

namespace {

struct AuditOptions {
    std::string data_dir = "./souverain-data";
    std::string tree_head_path;
    std::string key_path;
    std::string out_path;
    std::string record_json;
    uint64_t from = 0;
    uint64_t limit = 100;
};

// The public key a verification trusts: a published key file when given (an auditor's
// choice), otherwise the data directory's own key. Never creates one.
Result<governance::PublicKey> verification_key(const AuditOptions& options) {
    if (!options.key_path.empty()) {
        Result<std::vector<governance::PublicKey>> keys =
            governance::load_public_keys_file(options.key_path);
        if (!keys) return keys.error();
        if (keys->size() != 1) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              options.key_path + ": expected exactly one key, found " +
                                  std::to_string(keys->size()));
        }
        return keys->front();
    }
    Result<governance::SigningKey> key = governance::SigningKey::load(options.data_dir);
    if (!key && key.error().code == ErrorCode::NOT_FOUND) {
        return make_error(ErrorCode::NOT_FOUND,
                          "no signing key in '" + options.data_dir +
                              "': nothing was ever logged there (or give the server's public "
                              "key with --key)");
    }
    if (!key) return key.error();
    return key->public_key();
}

int run_verify(const AuditOptions& options) {
    Result<governance::PublicKey> key = verification_key(options);
    if (!key) return report_error(key.error());
    std::optional<governance::SignedTreeHead> saved;
    if (!options.tree_head_path.empty()) {
        Result<governance::SignedTreeHead> head =
            governance::load_tree_head_file(options.tree_head_path);
        if (!head) return report_error(head.error());
        saved = *head;
    }
    Result<std::unique_ptr<storage::AuditStore>> store =
        storage::open_sqlite_audit_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<governance::AuditVerifyReport> report =
        governance::verify_audit_log(**store, *key, saved);
    if (!report) return report_error(report.error());
    if (!report->ok()) return report_error(make_error(ErrorCode::FORMAT, report->message));
    std::string line = "ok: " + std::to_string(report->records) + " records, root " +
                       governance::to_hex(report->root) + ", key " + key->key_id();
    if (report->consistent_with) {
        line += "; consistent with the saved tree head of size " +
                std::to_string(*report->consistent_with);
    }
    std::printf("%s\n", line.c_str());
    return 0;
}

int run_tree_head(const AuditOptions& options) {
    Result<std::unique_ptr<governance::AuditLog>> log =
        governance::AuditLog::open(options.data_dir);
    if (!log) return report_error(log.error());
    const std::string json = governance::tree_head_to_json((*log)->tree_head()) + "\n";
    if (options.out_path.empty()) {
        std::fwrite(json.data(), 1, json.size(), stdout);
        return 0;
    }
    std::ofstream out(options.out_path, std::ios::binary | std::ios::trunc);
    out << json;
    out.close();
    if (!out) {
        return report_error(
            make_error(ErrorCode::IO, "cannot write tree head to '" + options.out_path + "'"));
    }
    std::printf("saved the tree head of size %llu to %s\n",
                (unsigned long long)(*log)->tree_head().tree_size, options.out_path.c_str());
    return 0;
}

int run_records(const AuditOptions& options) {
    Result<std::unique_ptr<storage::AuditStore>> store =
        storage::open_sqlite_audit_store(options.data_dir);
    if (!store) return report_error(store.error());
    Result<std::vector<storage::AuditRow>> rows =
        (*store)->load_records((int64_t)options.from, (int64_t)options.limit);
    if (!rows) return report_error(rows.error());
    for (const storage::AuditRow& row : *rows) std::printf("%s\n", row.canonical.c_str());
    return 0;
}

// The record from a partial JSON object: every field missing from it keeps its default.
Result<governance::AuditRecord> record_from_partial_json(const std::string& text) {
    Result<nlohmann::json> given = governance::parse_json_object(text, "--json");
    if (!given) return given.error();
    nlohmann::json full =
        nlohmann::json::parse(governance::serialize_audit_record(governance::AuditRecord{}));
    for (auto it = given->begin(); it != given->end(); ++it) {
        if (it.key() == "seq" || it.key() == "v") continue;  // assigned by the log
        full[it.key()] = it.value();
    }
    return governance::parse_audit_record(governance::canonical_json(full));
}

int run_append(const AuditOptions& options) {
    Result<governance::AuditRecord> record = record_from_partial_json(options.record_json);
    if (!record) return report_error(record.error());
    Result<std::unique_ptr<governance::AuditLog>> log =
        governance::AuditLog::open(options.data_dir);
    if (!log) return report_error(log.error());
    Result<uint64_t> seq = (*log)->append(*record);
    if (!seq) return report_error(seq.error());
    std::printf("appended record %llu\n", (unsigned long long)*seq);
    return 0;
}

}  // namespace

void register_audit(CLI::App& app) {
    auto options = std::make_shared<AuditOptions>();
    CLI::App* audit =
        app.add_subcommand("audit", "Verify and inspect the tamper-evident audit log");
    audit->require_subcommand(1);
    const char* data_help = "Data directory (default ./souverain-data)";

    CLI::App* verify = audit->add_subcommand(
        "verify",
        "Recompute the log; name the first record changed, removed, reordered or inserted");
    verify->add_option("--data", options->data_dir, data_help);
    verify->add_option(
        "--tree-head", options->tree_head_path,
        "A tree head saved earlier (audit tree-head --out): check the log extends it");
    verify->add_option("--key", options->key_path,
                       "The server's public key (JWK or /.well-known/souverain/keys document); "
                       "default: the data directory's key");
    verify->callback([options]() { set_exit_code(run_verify(*options)); });

    CLI::App* tree_head =
        audit->add_subcommand("tree-head", "Print or save the latest signed tree head");
    tree_head->add_option("--data", options->data_dir, data_help);
    tree_head->add_option("--out", options->out_path, "Write it to this file");
    tree_head->callback([options]() { set_exit_code(run_tree_head(*options)); });

    CLI::App* records =
        audit->add_subcommand("records", "Print records (canonical JSON, one per line)");
    records->add_option("--data", options->data_dir, data_help);
    records->add_option("--from", options->from, "First sequence number (default 0)");
    records->add_option("--limit", options->limit, "At most this many (default 100)");
    records->callback([options]() { set_exit_code(run_records(*options)); });

    CLI::App* append = audit->add_subcommand("append", "Append one record (tests, imports)");
    append->group("");  // not for everyday use: the server appends
    append->add_option("--data", options->data_dir, data_help)->required();
    append
        ->add_option("--json", options->record_json,
                     "The record as a JSON object; missing fields keep their defaults")
        ->required();
    append->callback([options]() { set_exit_code(run_append(*options)); });
}

}  // namespace souverain::cli
