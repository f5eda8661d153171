// The data directory's pseudonym table over a real SQLite file: one pseudonym per value and
// tenant wherever it appears, reversal of the tenant's own pseudonyms only, no original value
// in the database file, sealed values bound to their row.
#include "governance/pii_vault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_paths.h"

namespace souverain::governance {
namespace {

std::shared_ptr<PiiVault> open_vault(const std::string& dir) {
    Result<std::shared_ptr<PiiVault>> vault = PiiVault::open(dir);
    EXPECT_TRUE(vault) << vault.error().message;
    return vault ? *vault : nullptr;
}

std::string pseudonymized(PiiVault& vault, const std::string& tenant, const std::string& text) {
    Result<PseudonymizedText> result = vault.pseudonymize(tenant, text);
    EXPECT_TRUE(result) << result.error().message;
    return result ? result->text : "";
}

std::string reversed(PiiVault& vault, const std::string& tenant, const std::string& text) {
    Result<ReversedText> result = vault.reverse(tenant, text);
    EXPECT_TRUE(result) << result.error().message;
    return result ? result->text : "";
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PiiVaultTest, TheSameValueHasOnePseudonymPerTenantAcrossTexts) {
    std::shared_ptr<PiiVault> vault = open_vault(test::make_temp_dir("vault"));
    ASSERT_TRUE(vault);
    const std::string a = pseudonymized(*vault, "ministry", "Mail anne.schmit@example.lu now.");
    const std::string b =
        pseudonymized(*vault, "ministry", "Again: ANNE.SCHMIT@example.lu, then +352 621 123 456.");
    const std::string c = pseudonymized(*vault, "agency", "Mail anne.schmit@example.lu now.");
    const std::vector<std::pair<size_t, size_t>> in_a = find_pseudonyms(a);
    ASSERT_EQ(in_a.size(), 1u) << a;
    const std::string email = a.substr(in_a[0].first, in_a[0].second - in_a[0].first);
    EXPECT_EQ(email.rfind("<EMAIL_", 0), 0u);
    EXPECT_NE(b.find(email), std::string::npos) << b;  // case-folded: the same address
    EXPECT_NE(b.find("<PHONE_"), std::string::npos) << b;
    EXPECT_EQ(c.find(email), std::string::npos) << c;  // another tenant, another pseudonym
    EXPECT_NE(c.find("<EMAIL_"), std::string::npos) << c;
    // Equal to the stateless pseudonym under the tenant key while no prefix collides.
    EXPECT_EQ(a,
              pseudonymize("Mail anne.schmit@example.lu now.", vault->tenant_key("ministry")).text);
}

TEST(PiiVaultTest, ReversalRestoresTheTenantsOwnPseudonymsOnly) {
    const std::string dir = test::make_temp_dir("vault");
    std::shared_ptr<PiiVault> vault = open_vault(dir);
    ASSERT_TRUE(vault);
    const std::string original =
        "IBAN LU28 0019 4006 4475 0000, matricule 1985031212307, anne.schmit@example.lu.";
    const std::string mine = pseudonymized(*vault, "ministry", original);
    const std::string theirs = pseudonymized(*vault, "agency", original);
    ASSERT_EQ(mine.find("LU28"), std::string::npos) << mine;
    EXPECT_EQ(reversed(*vault, "ministry", mine), original);
    EXPECT_EQ(reversed(*vault, "ministry", theirs), theirs);
    EXPECT_EQ(reversed(*vault, "agency", mine), mine);
    EXPECT_EQ(reversed(*vault, "agency", theirs), original);
    // Unknown or malformed pseudonyms stay as they are.
    const std::string odd = "<EMAIL_0000> <EMAIL_> <NOPE_1234> <<IBAN_12> <email_abcd>";
    EXPECT_EQ(reversed(*vault, "ministry", odd), odd);

    // Another process (a new vault on the same directory) reverses what this one stored.
    vault.reset();
    std::shared_ptr<PiiVault> again = open_vault(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(reversed(*again, "ministry", mine), original);
    // A deleted tenant's table goes with it: its pseudonyms stay pseudonyms.
    ASSERT_TRUE(again->forget_tenant("agency"));
    EXPECT_EQ(reversed(*again, "agency", theirs), theirs);
    EXPECT_EQ(reversed(*again, "ministry", mine), original);
    struct stat info {};
    ASSERT_EQ(::stat((dir + "/" + kPseudonymKeyFile).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(PiiVaultTest, TheDatabaseHoldsNoOriginalValue) {
    const std::string dir = test::make_temp_dir("vault");
    {
        std::shared_ptr<PiiVault> vault = open_vault(dir);
        ASSERT_TRUE(vault);
        pseudonymized(*vault, "ministry",
                      "Contact: anne.schmit@example.lu, LU28 0019 4006 4475 0000");
    }
    std::string bytes;
    for (const char* suffix : {"", "-wal"}) {
        if (std::filesystem::exists(dir + "/souverain.db" + suffix))
            bytes += file_bytes(dir + "/souverain.db" + suffix);
    }
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(bytes.find("anne.schmit"), std::string::npos);
    EXPECT_EQ(bytes.find("LU28 0019"), std::string::npos);
    EXPECT_NE(bytes.find("<EMAIL_"), std::string::npos);  // the pseudonyms are there
}

// A sealed value copied into another tenant's row does not open there: the tenant and the
// digest are bound to the ciphertext, and the key differs.
TEST(PiiVaultTest, ASealedValueMovedToAnotherRowDoesNotOpen) {
    const std::string dir = test::make_temp_dir("vault");
    std::shared_ptr<PiiVault> vault = open_vault(dir);
    ASSERT_TRUE(vault);
    const std::string mine = pseudonymized(*vault, "ministry", "anne.schmit@example.lu");
    Result<std::unique_ptr<storage::PseudonymStore>> store =
        storage::open_sqlite_pseudonym_store(dir);
    ASSERT_TRUE(store);
    Result<std::optional<storage::StoredPseudonym>> row = (*store)->find("ministry", mine);
    ASSERT_TRUE(row && row->has_value());
    // The agency's row for the same pseudonym text, with the ministry's sealed bytes.
    storage::PseudonymRequest forged{(*row)->digest, {mine}, (*row)->sealed};
    ASSERT_TRUE((*store)->allocate("agency", {forged}));
    Result<ReversedText> result = vault->reverse("agency", mine);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->text, mine);
    EXPECT_EQ(result->reversed, 0u);
    EXPECT_EQ(result->unopened, 1u);
}

TEST(PiiVaultTest, FindPseudonymsKnowsTheirShape) {
    const std::string text =
        "a <EMAIL_3f2a> b <IBAN_0123456789> <PHONE_3f2> <FOO_abcd> "
        "<<LU_NATIONAL_ID_beef> <PERSON_ABCD> <DATE_OF_BIRTH_0a0a>";
    std::vector<std::string> found;
    for (const auto& [start, end] : find_pseudonyms(text))
        found.push_back(text.substr(start, end - start));
    EXPECT_EQ(found, (std::vector<std::string>{"<EMAIL_3f2a>", "<IBAN_0123456789>",
                                               "<LU_NATIONAL_ID_beef>", "<DATE_OF_BIRTH_0a0a>"}));
}

}  // namespace
}  // namespace souverain::governance
