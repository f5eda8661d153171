// The pseudonym table: a digest keeps its first pseudonym, two digests never share one (the
// next longer candidate is taken), tenants are apart, and allocation is one transaction.
#include <gtest/gtest.h>

#include "storage/pseudonym_store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

PseudonymRequest request(const std::string& digest, std::vector<std::string> candidates) {
    return PseudonymRequest{digest, std::move(candidates), "sealed-" + digest};
}

TEST(SqlitePseudonymStoreTest, ADigestKeepsItsPseudonymAndCollisionsTakeTheNextCandidate) {
    const std::string dir = test::make_temp_dir("pseudonyms");
    Result<std::unique_ptr<PseudonymStore>> store = open_sqlite_pseudonym_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    // Two values whose 4-character prefixes collide, in one call and in separate calls.
    Result<std::vector<std::string>> first =
        (*store)->allocate("t", {request("aaaa1", {"<X_aaaa>", "<X_aaaa1>"}),
                                 request("aaaa2", {"<X_aaaa>", "<X_aaaa2>"}),
                                 request("aaaa1", {"<X_aaaa>", "<X_aaaa1>"})});
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, (std::vector<std::string>{"<X_aaaa>", "<X_aaaa2>", "<X_aaaa>"}));
    Result<std::vector<std::string>> later =
        (*store)->allocate("t", {request("aaaa2", {"<X_aaaa>", "<X_aaaa2>"})});
    ASSERT_TRUE(later);
    EXPECT_EQ(*later, (std::vector<std::string>{"<X_aaaa2>"}));
    // Another tenant has its own table.
    Result<std::vector<std::string>> other =
        (*store)->allocate("u", {request("aaaa2", {"<X_aaaa>", "<X_aaaa2>"})});
    ASSERT_TRUE(other);
    EXPECT_EQ(*other, (std::vector<std::string>{"<X_aaaa>"}));

    Result<std::optional<StoredPseudonym>> row = (*store)->find("t", "<X_aaaa2>");
    ASSERT_TRUE(row && row->has_value());
    EXPECT_EQ((*row)->digest, "aaaa2");
    EXPECT_EQ((*row)->sealed, "sealed-aaaa2");
    EXPECT_FALSE((*store)->find("v", "<X_aaaa2>")->has_value());

    // Every candidate taken: refused, and nothing of that call is kept.
    Result<std::vector<std::string>> full = (*store)->allocate(
        "t", {request("bbbb", {"<X_bbbb>"}), request("cccc", {"<X_aaaa>", "<X_aaaa2>"})});
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, ErrorCode::ALREADY_EXISTS);
    EXPECT_FALSE((*store)->find("t", "<X_bbbb>")->has_value());

    ASSERT_TRUE((*store)->delete_tenant("t"));
    EXPECT_FALSE((*store)->find("t", "<X_aaaa>")->has_value());
    EXPECT_TRUE((*store)->find("u", "<X_aaaa>")->has_value());
}

}  // namespace
}  // namespace souverain::storage
