// verify_audit_log against an attacker who writes the SQLite file directly (here through the
// SQLite C API; tests/cli/audit_verify_test.sh does the same with the sqlite3 program).
#include "governance/audit_verify.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "governance/audit_fixtures.h"
#include "governance/audit_log.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

using fixtures::numbered_record;

constexpr int kRecords = 10;

class AuditVerifyTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = souverain::test::make_temp_dir("audit_verify");
        Result<std::unique_ptr<AuditLog>> log = AuditLog::open(dir_);
        ASSERT_TRUE(log) << log.error().message;
        for (int idx = 0; idx < kRecords; ++idx) ASSERT_TRUE((*log)->append(numbered_record(idx)));
        head_ = (*log)->tree_head();
        key_ = SigningKey::load(dir_).value().public_key();
    }

    void sql(const std::string& statement) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir_ + "/souverain.db").c_str(), &db), SQLITE_OK);
        char* message = nullptr;
        const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &message);
        EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "") << "\n" << statement;
        sqlite3_free(message);
        sqlite3_close(db);
    }

    // The stored canonical bytes of one record.
    std::string canonical(int seq) {
        auto store = storage::open_sqlite_audit_store(dir_);
        return store.value()->load_records(seq, 1).value().at(0).canonical;
    }

    static std::string hex_blob(const MerkleHash& hash) { return "X'" + to_hex(hash) + "'"; }

    static std::string quoted(const std::string& text) {
        std::string out = "'";
        for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
    }

    // Replaces record `seq` by `record` (numbered `seq`), its leaf hash recomputed.
    void rewrite_record(int seq, AuditRecord record) {
        record.seq = seq;
        const std::string bytes = serialize_audit_record(record);
        sql("UPDATE audit_records SET canonical = " + quoted(bytes) + ", leaf_hash = " +
            hex_blob(merkle_leaf_hash(bytes)) + " WHERE seq = " + std::to_string(seq));
    }

    AuditVerifyReport verify(const std::optional<SignedTreeHead>& saved = std::nullopt) {
        auto store = storage::open_sqlite_audit_store(dir_);
        EXPECT_TRUE(store);
        Result<AuditVerifyReport> report = verify_audit_log(**store, key_, saved);
        EXPECT_TRUE(report) << report.error().message;
        return report ? *report : AuditVerifyReport{};
    }

    std::string dir_;
    SignedTreeHead head_;
    PublicKey key_{std::array<uint8_t, 32>{}};
};

TEST_F(AuditVerifyTest, IntactLogVerifies) {
    const AuditVerifyReport report = verify(head_);
    EXPECT_TRUE(report.ok()) << report.message;
    EXPECT_EQ(report.records, (uint64_t)kRecords);
    EXPECT_EQ(report.root, head_.root_hash);
    EXPECT_EQ(report.consistent_with, std::optional<uint64_t>(kRecords));
}

TEST_F(AuditVerifyTest, EditedRecordIsNamed) {
    sql("UPDATE audit_records SET canonical = replace(canonical, '\"status\":200', "
        "'\"status\":500') WHERE seq = 4");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::CHANGED);
    EXPECT_EQ(report.record, 4u);
    EXPECT_EQ(report.message.rfind("record 4 was changed", 0), 0u) << report.message;
}

TEST_F(AuditVerifyTest, EditedRecordWithItsLeafHashRecomputedIsNamed) {
    AuditRecord edited = numbered_record(4);
    edited.tenant = "someone-else";
    rewrite_record(4, edited);
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::CHANGED);
    EXPECT_EQ(report.record, 4u);
    EXPECT_NE(report.message.find("signed tree head of size 5"), std::string::npos)
        << report.message;
}

TEST_F(AuditVerifyTest, EditedRecordWithEveryLaterHashAndHeadRemadeIsNamed) {
    AuditRecord edited = numbered_record(4);
    edited.output_sha256 = std::string(64, '0');
    rewrite_record(4, edited);
    // The attacker recomputes every root from record 4 on but cannot sign them.
    MerkleTree tree;
    for (int seq = 0; seq < kRecords; ++seq) tree.append(merkle_leaf_hash(canonical(seq)));
    for (int size = 5; size <= kRecords; ++size) {
        sql("UPDATE audit_tree_heads SET root_hash = " + hex_blob(tree.root_at(size)) +
            " WHERE tree_size = " + std::to_string(size));
    }
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::CHANGED);
    EXPECT_EQ(report.record, 4u) << report.message;
    EXPECT_NE(report.message.find("invalid signature"), std::string::npos) << report.message;
}

TEST_F(AuditVerifyTest, DeletedRecordIsNamed) {
    sql("DELETE FROM audit_records WHERE seq = 6");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::REMOVED);
    EXPECT_EQ(report.record, 6u);
    EXPECT_EQ(report.message, "record 6 was removed");
}

TEST_F(AuditVerifyTest, DeletedRecordWithTheRowsRenumberedIsNamed) {
    sql("DELETE FROM audit_records WHERE seq = 6; "
        "UPDATE audit_records SET seq = seq - 1 WHERE seq > 6");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::REMOVED);
    EXPECT_EQ(report.record, 6u) << report.message;
}

TEST_F(AuditVerifyTest, DeletedRecordWithEverythingAfterRewrittenIsNamed) {
    // Records 7.. move down one place and are re-serialized with their new numbers.
    for (int seq = 6; seq < kRecords - 1; ++seq) rewrite_record(seq, numbered_record(seq + 1));
    sql("DELETE FROM audit_records WHERE seq = " + std::to_string(kRecords - 1));
    const AuditVerifyReport report = verify();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.record, 6u) << report.message;
}

TEST_F(AuditVerifyTest, SwappedRecordsAreNamed) {
    sql("UPDATE audit_records SET seq = -1 WHERE seq = 3; "
        "UPDATE audit_records SET seq = 3 WHERE seq = 7; "
        "UPDATE audit_records SET seq = 7 WHERE seq = -1");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::REORDERED);
    EXPECT_EQ(report.record, 3u);
    EXPECT_EQ(report.message.rfind("record 3 was reordered: it is stored as record 7", 0), 0u)
        << report.message;
}

TEST_F(AuditVerifyTest, InsertedRecordIsNamed) {
    // Make room at 5 (through negative numbers: seq is a primary key), then insert a
    // well-formed record numbered 5 with its correct leaf hash.
    sql("UPDATE audit_records SET seq = -seq - 1 WHERE seq >= 5; "
        "UPDATE audit_records SET seq = -seq WHERE seq < 0");
    AuditRecord forged = numbered_record(77);
    forged.seq = 5;
    const std::string bytes = serialize_audit_record(forged);
    sql("INSERT INTO audit_records (seq, canonical, leaf_hash) VALUES (5, " + quoted(bytes) + ", " +
        hex_blob(merkle_leaf_hash(bytes)) + ")");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::INSERTED);
    EXPECT_EQ(report.record, 5u);
    EXPECT_EQ(report.message.rfind("record 5 was inserted", 0), 0u) << report.message;
}

TEST_F(AuditVerifyTest, RecordAddedAtTheEndIsNamed) {
    AuditRecord forged = numbered_record(10);
    forged.seq = kRecords;
    const std::string bytes = serialize_audit_record(forged);
    sql("INSERT INTO audit_records (seq, canonical, leaf_hash) VALUES (10, " + quoted(bytes) +
        ", " + hex_blob(merkle_leaf_hash(bytes)) + ")");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::INSERTED);
    EXPECT_EQ(report.record, 10u);
    EXPECT_NE(report.message.find("not covered by any signed tree head"), std::string::npos);
}

TEST_F(AuditVerifyTest, RecordsRemovedFromTheEndAreNamedByTheirHeads) {
    sql("DELETE FROM audit_records WHERE seq >= 8");
    const AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::REMOVED);
    EXPECT_EQ(report.record, 8u);
    EXPECT_EQ(report.message.rfind("records 8 to 9 were removed from the end", 0), 0u)
        << report.message;
}

TEST_F(AuditVerifyTest, TruncationWithItsHeadsIsCaughtOnlyByASavedTreeHead) {
    sql("DELETE FROM audit_records WHERE seq >= 8; DELETE FROM audit_tree_heads WHERE "
        "tree_size > 8");
    // Inside the database nothing is left to show it: this is what saved heads are for.
    EXPECT_TRUE(verify().ok());
    const AuditVerifyReport report = verify(head_);
    EXPECT_EQ(report.fault, AuditFault::REMOVED);
    EXPECT_EQ(report.record, 8u);
    EXPECT_NE(report.message.find("saved tree head has 10 records"), std::string::npos)
        << report.message;
}

TEST_F(AuditVerifyTest, AlteredStoredTreeHeadIsReported) {
    sql("UPDATE audit_tree_heads SET root_hash = zeroblob(32) WHERE tree_size = 3");
    AuditVerifyReport report = verify();
    EXPECT_EQ(report.fault, AuditFault::TREE_HEAD);
    EXPECT_NE(report.message.find("tree head of size 3 was altered"), std::string::npos)
        << report.message;
}

TEST_F(AuditVerifyTest, LatestHeadWithABadSignatureLeavesTheLastRecordUnproven) {
    sql("UPDATE audit_tree_heads SET signature = zeroblob(64) WHERE tree_size = 10");
    const AuditVerifyReport report = verify();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.record, 9u) << report.message;
}

TEST_F(AuditVerifyTest, SavedHeadIsConsistentWithTheGrownLog) {
    {
        Result<std::unique_ptr<AuditLog>> log = AuditLog::open(dir_);
        ASSERT_TRUE(log) << log.error().message;
        for (int idx = kRecords; idx < 3 * kRecords; ++idx) {
            ASSERT_TRUE((*log)->append(numbered_record(idx)));
        }
    }
    const AuditVerifyReport report = verify(head_);
    EXPECT_TRUE(report.ok()) << report.message;
    EXPECT_EQ(report.records, 3u * kRecords);
    EXPECT_EQ(report.consistent_with, std::optional<uint64_t>(kRecords));
}

TEST_F(AuditVerifyTest, LogRewrittenWithTheKeyIsCaughtBySavedHead) {
    // Someone holding the key empties the log and appends an edited history, all signed.
    sql("DELETE FROM audit_records; DELETE FROM audit_tree_heads");
    {
        Result<std::unique_ptr<AuditLog>> log = AuditLog::open(dir_);
        ASSERT_TRUE(log) << log.error().message;
        for (int idx = 0; idx < kRecords + 2; ++idx) {
            AuditRecord record = numbered_record(idx);
            if (idx == 2) record.status = 403;
            ASSERT_TRUE((*log)->append(record));
        }
    }
    EXPECT_TRUE(verify().ok());
    const AuditVerifyReport report = verify(head_);
    EXPECT_EQ(report.fault, AuditFault::INCONSISTENT);
    EXPECT_NE(report.message.find("saved tree head of size 10"), std::string::npos)
        << report.message;
}

TEST_F(AuditVerifyTest, SavedHeadWithABadSignatureOrAnotherKeyIsRejected) {
    SignedTreeHead forged = head_;
    forged.timestamp_ms += 1;
    AuditVerifyReport report = verify(forged);
    EXPECT_EQ(report.fault, AuditFault::TREE_HEAD);
    EXPECT_NE(report.message.find("invalid signature"), std::string::npos) << report.message;
    const SignedTreeHead other =
        sign_tree_head(SigningKey::generate(), head_.tree_size, head_.root_hash, 1);
    report = verify(other);
    EXPECT_EQ(report.fault, AuditFault::TREE_HEAD);
    EXPECT_NE(report.message.find("names key"), std::string::npos) << report.message;
}

TEST_F(AuditVerifyTest, AnotherKeyIsNamedInsteadOfBlamingEveryRecord) {
    auto store = storage::open_sqlite_audit_store(dir_);
    ASSERT_TRUE(store);
    const PublicKey other = SigningKey::generate().public_key();
    Result<AuditVerifyReport> report = verify_audit_log(**store, other, std::nullopt);
    ASSERT_TRUE(report);
    EXPECT_EQ(report->fault, AuditFault::TREE_HEAD);
    EXPECT_NE(report->message.find("not by the key given"), std::string::npos) << report->message;
}

TEST_F(AuditVerifyTest, EmptyLogVerifies) {
    const std::string empty_dir = souverain::test::make_temp_dir("audit_verify_empty");
    auto store = storage::open_sqlite_audit_store(empty_dir);
    ASSERT_TRUE(store);
    Result<AuditVerifyReport> report = verify_audit_log(**store, key_, std::nullopt);
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(report->records, 0u);
    EXPECT_EQ(report->root, merkle_empty_root());
}

}  // namespace
}  // namespace souverain::governance
