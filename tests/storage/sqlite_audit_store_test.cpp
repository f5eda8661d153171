#include <gtest/gtest.h>

#include "storage/audit_store.h"
#include "storage/store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

AuditRow row(int64_t seq) {
    return AuditRow{seq, "{\"seq\":" + std::to_string(seq) + "}", std::string(32, (char)seq)};
}

TreeHeadRow head(int64_t size) {
    return TreeHeadRow{size, 1000 + size, std::string(32, 'r'), "kid", std::string(64, 's')};
}

TEST(SqliteAuditStore, AppendsRecordsWithTheirTreeHeadsInOrder) {
    const std::string dir = test::make_temp_dir("audit_store");
    Result<std::unique_ptr<AuditStore>> store = open_sqlite_audit_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(*(*store)->next_seq(), 0);
    EXPECT_FALSE((*store)->latest_tree_head()->has_value());
    for (int64_t seq = 0; seq < 5; ++seq) {
        ASSERT_TRUE((*store)->append(row(seq), head(seq + 1)));
    }
    EXPECT_EQ(*(*store)->next_seq(), 5);

    Result<std::vector<AuditRow>> rows = (*store)->load_records(2, 2);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].seq, 2);
    EXPECT_EQ((*rows)[1].canonical, "{\"seq\":3}");
    EXPECT_EQ((*rows)[1].leaf_hash, std::string(32, '\3'));

    std::vector<int64_t> seen;
    ASSERT_TRUE((*store)->for_each_record(1, [&](const AuditRow& r) -> Status {
        seen.push_back(r.seq);
        return Status::success();
    }));
    EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4}));

    std::vector<int64_t> sizes;
    ASSERT_TRUE((*store)->for_each_tree_head([&](const TreeHeadRow& h) -> Status {
        sizes.push_back(h.tree_size);
        return Status::success();
    }));
    EXPECT_EQ(sizes, (std::vector<int64_t>{1, 2, 3, 4, 5}));
    Result<std::optional<TreeHeadRow>> latest = (*store)->latest_tree_head();
    ASSERT_TRUE(latest && latest->has_value());
    EXPECT_EQ((*latest)->tree_size, 5);
    EXPECT_EQ((*latest)->signature, std::string(64, 's'));
    EXPECT_EQ((*store)->load_tree_head(3)->value().timestamp_ms, 1003);
    EXPECT_FALSE((*store)->load_tree_head(9)->has_value());

    // A visitor's failure stops the scan and comes back.
    int visited = 0;
    Status stopped = (*store)->for_each_record(0, [&](const AuditRow&) -> Status {
        ++visited;
        return make_error(ErrorCode::INTERNAL, "stop");
    });
    EXPECT_FALSE(stopped);
    EXPECT_EQ(visited, 1);
}

TEST(SqliteAuditStore, RefusesAnAppendThatIsNotTheNextSeqAndWritesNothing) {
    const std::string dir = test::make_temp_dir("audit_store_seq");
    Result<std::unique_ptr<AuditStore>> store = open_sqlite_audit_store(dir);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->append(row(0), head(1)));
    Status skipped = (*store)->append(row(2), head(3));
    ASSERT_FALSE(skipped);
    EXPECT_EQ(skipped.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_FALSE((*store)->append(row(0), head(1)));
    EXPECT_EQ(*(*store)->next_seq(), 1);
    EXPECT_EQ((*store)->latest_tree_head()->value().tree_size, 1);
    // An existing head is never replaced: the whole append fails and rolls back.
    ASSERT_TRUE((*store)->append(row(1), head(2)));
    EXPECT_FALSE((*store)->append(row(2), head(2)));
    EXPECT_EQ(*(*store)->next_seq(), 2);
}

TEST(SqliteAuditStore, SharesTheDatabaseWithTheKnowledgeBaseStoreAndPersists) {
    const std::string dir = test::make_temp_dir("audit_store_shared");
    {
        Result<std::unique_ptr<Store>> kb_store = open_sqlite_store(dir);
        ASSERT_TRUE(kb_store);
        Result<std::unique_ptr<AuditStore>> store = open_sqlite_audit_store(dir);
        ASSERT_TRUE(store);
        ASSERT_TRUE((*kb_store)->create_kb(kDefaultTenant, "laws"));
        ASSERT_TRUE((*store)->append(row(0), head(1)));
    }
    Result<std::unique_ptr<AuditStore>> reopened = open_sqlite_audit_store(dir);
    ASSERT_TRUE(reopened);
    EXPECT_EQ(*(*reopened)->next_seq(), 1);
    Result<std::unique_ptr<Store>> kb_store = open_sqlite_store(dir);
    ASSERT_TRUE(kb_store);
    EXPECT_TRUE((*kb_store)->find_kb(kDefaultTenant, "laws")->has_value());
}

}  // namespace
}  // namespace souverain::storage
