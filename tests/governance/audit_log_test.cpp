#include "governance/audit_log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "governance/audit_fixtures.h"
#include "governance/audit_verify.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

using fixtures::numbered_record;

std::unique_ptr<AuditLog> open_log(const std::string& dir) {
    Result<std::unique_ptr<AuditLog>> log = AuditLog::open(dir);
    EXPECT_TRUE(log) << log.error().message;
    return log ? std::move(*log) : nullptr;
}

TEST(AuditLog, AppendAssignsSequenceNumbersAndSignsAHeadAfterEach) {
    const std::string dir = test::make_temp_dir("audit_log");
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    const SignedTreeHead empty = log->tree_head();
    EXPECT_EQ(empty.tree_size, 0u);
    EXPECT_EQ(empty.root_hash, merkle_empty_root());
    EXPECT_TRUE(verify_tree_head(empty, log->public_key()));
    for (int idx = 0; idx < 5; ++idx) {
        AuditRecord record = numbered_record(idx);
        record.seq = 999;  // ignored: the log numbers
        Result<uint64_t> seq = log->append(record);
        ASSERT_TRUE(seq) << seq.error().message;
        EXPECT_EQ(*seq, (uint64_t)idx);
        const SignedTreeHead head = log->tree_head();
        EXPECT_EQ(head.tree_size, (uint64_t)idx + 1);
        EXPECT_TRUE(verify_tree_head(head, log->public_key()));
    }
    Result<std::vector<StoredAuditRecord>> records = log->records(0, 100);
    ASSERT_TRUE(records);
    ASSERT_EQ(records->size(), 5u);
    Result<AuditRecord> third = parse_audit_record((*records)[3].canonical);
    ASSERT_TRUE(third);
    AuditRecord expected = numbered_record(3);
    expected.seq = 3;
    EXPECT_EQ(*third, expected);
    EXPECT_EQ((*records)[3].leaf_hash, merkle_leaf_hash((*records)[3].canonical));
}

TEST(AuditLog, InclusionProofOfEveryRecordVerifiesAgainstTheSignedHead) {
    const std::string dir = test::make_temp_dir("audit_log_inclusion");
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    for (int idx = 0; idx < 23; ++idx) ASSERT_TRUE(log->append(numbered_record(idx)));
    const SignedTreeHead head = log->tree_head();
    Result<std::vector<StoredAuditRecord>> records = log->records(0, 100);
    ASSERT_TRUE(records);
    for (const StoredAuditRecord& record : *records) {
        Result<InclusionProof> proof = log->inclusion_proof(record.seq);
        ASSERT_TRUE(proof);
        EXPECT_EQ(proof->tree_size, 23u);
        // An auditor hashes the bytes it was given, not a hash it was given.
        EXPECT_TRUE(verify_inclusion(record.seq, head.tree_size, merkle_leaf_hash(record.canonical),
                                     proof->path, head.root_hash));
        EXPECT_FALSE(verify_inclusion(record.seq, head.tree_size,
                                      merkle_leaf_hash(record.canonical + " "), proof->path,
                                      head.root_hash));
    }
    // Inclusion in an earlier, smaller tree.
    Result<InclusionProof> early = log->inclusion_proof(2, 5);
    ASSERT_TRUE(early);
    Result<std::optional<storage::TreeHeadRow>> row =
        storage::open_sqlite_audit_store(dir).value()->load_tree_head(5);
    ASSERT_TRUE(row && row->has_value());
    EXPECT_TRUE(verify_inclusion(2, 5, early->leaf_hash, early->path,
                                 tree_head_from_row(**row)->root_hash));
    EXPECT_FALSE(log->inclusion_proof(23));
    EXPECT_FALSE(log->inclusion_proof(3, 24));
}

TEST(AuditLog, OldTreeHeadIsConsistentWithTheLaterLog) {
    const std::string dir = test::make_temp_dir("audit_log_consistency");
    SignedTreeHead old_head;
    {
        std::unique_ptr<AuditLog> log = open_log(dir);
        ASSERT_TRUE(log);
        for (int idx = 0; idx < 7; ++idx) ASSERT_TRUE(log->append(numbered_record(idx)));
        old_head = log->tree_head();
    }
    // Reopened (as after a restart): the tree is rebuilt and grows from there.
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->size(), 7u);
    EXPECT_EQ(log->tree_head(), old_head);
    for (int idx = 7; idx < 30; ++idx) ASSERT_TRUE(log->append(numbered_record(idx)));
    const SignedTreeHead new_head = log->tree_head();
    Result<std::vector<MerkleHash>> proof = log->consistency_proof(old_head.tree_size);
    ASSERT_TRUE(proof);
    Status consistent = verify_tree_heads_consistent(old_head, new_head, *proof, log->public_key());
    EXPECT_TRUE(consistent) << consistent.error().message;
    EXPECT_FALSE(verify_tree_heads_consistent(new_head, old_head, *proof, log->public_key()));
    std::vector<MerkleHash> bad = *proof;
    bad.back()[5] ^= 1;
    EXPECT_FALSE(verify_tree_heads_consistent(old_head, new_head, bad, log->public_key()));
}

TEST(AuditLog, ConcurrentAppendsKeepTheLogContiguous) {
    const std::string dir = test::make_temp_dir("audit_log_threads");
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 25;
    std::vector<std::vector<uint64_t>> seqs(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int idx = 0; idx < kPerThread; ++idx) {
                Result<uint64_t> seq = log->append(numbered_record(t * 1000 + idx));
                if (seq) seqs[t].push_back(*seq);
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    std::set<uint64_t> all;
    for (const auto& list : seqs) all.insert(list.begin(), list.end());
    EXPECT_EQ(all.size(), (size_t)kThreads * kPerThread);
    EXPECT_EQ(*all.rbegin(), (uint64_t)kThreads * kPerThread - 1);
    auto store = storage::open_sqlite_audit_store(dir);
    ASSERT_TRUE(store);
    Result<AuditVerifyReport> report = verify_audit_log(**store, log->public_key(), std::nullopt);
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok()) << report->message;
    EXPECT_EQ(report->records, (uint64_t)kThreads * kPerThread);
    EXPECT_EQ(report->root, log->tree_head().root_hash);
}

TEST(AuditLog, MalformedRecordsAreRefusedAndNothingIsAppended) {
    const std::string dir = test::make_temp_dir("audit_log_invalid");
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    AuditRecord bad = numbered_record(0);
    bad.output_sha256 = "not a hash";
    Result<uint64_t> seq = log->append(bad);
    ASSERT_FALSE(seq);
    EXPECT_EQ(seq.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(log->size(), 0u);
    ASSERT_TRUE(log->append(numbered_record(1)));
    EXPECT_EQ(log->size(), 1u);
}

TEST(AuditLog, AFailedStoreWriteLeavesTheTreeAsItWas) {
    const std::string dir = test::make_temp_dir("audit_log_store_failure");
    std::unique_ptr<AuditLog> log = open_log(dir);
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->append(numbered_record(0)));
    const SignedTreeHead before = log->tree_head();
    // Another writer takes seq 1 behind this log's back: its own append must fail cleanly.
    {
        auto other = storage::open_sqlite_audit_store(dir);
        ASSERT_TRUE(other);
        ASSERT_TRUE((*other)->append(
            storage::AuditRow{1, "x", std::string(32, 'x')},
            storage::TreeHeadRow{2, 0, std::string(32, 'r'), "k", std::string(64, 's')}));
    }
    ASSERT_FALSE(log->append(numbered_record(1)));
    EXPECT_EQ(log->size(), 1u);
    EXPECT_EQ(log->tree_head(), before);
    EXPECT_EQ(log->consistency_proof(1)->size(), 0u);
}

TEST(AuditLog, OpeningRefusesALogThatNoLongerMatchesItsSignedHead) {
    const std::string dir = test::make_temp_dir("audit_log_refuse");
    {
        std::unique_ptr<AuditLog> log = open_log(dir);
        ASSERT_TRUE(log);
        for (int idx = 0; idx < 3; ++idx) ASSERT_TRUE(log->append(numbered_record(idx)));
    }
    {
        // A record appended behind the log's back, with a correct leaf hash but no valid head.
        auto store = storage::open_sqlite_audit_store(dir);
        ASSERT_TRUE(store);
        AuditRecord extra = numbered_record(3);
        extra.seq = 3;
        const std::string canonical = serialize_audit_record(extra);
        const MerkleHash leaf = merkle_leaf_hash(canonical);
        ASSERT_TRUE((*store)->append(
            storage::AuditRow{3, canonical, std::string((const char*)leaf.data(), 32)},
            storage::TreeHeadRow{4, 0, std::string(32, 'r'), "k", std::string(64, 's')}));
    }
    Result<std::unique_ptr<AuditLog>> reopened = AuditLog::open(dir);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, ErrorCode::FORMAT);
    EXPECT_NE(reopened.error().message.find("souverain audit verify"), std::string::npos);
}

}  // namespace
}  // namespace souverain::governance
