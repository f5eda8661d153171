#include <gtest/gtest.h>

#include <sqlite3.h>

#include "storage/register_store.h"
#include "storage/store.h"
#include "test_paths.h"

namespace souverain::storage {
namespace {

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');

TEST(SqliteRegisterStore, AssistantsAreAddedListedByNameAndRemoved) {
    const std::string dir = test::make_temp_dir("register_store_assistants");
    auto store = open_sqlite_register_store(dir);
    ASSERT_TRUE(store.ok()) << store.error().message;
    RegisterStore& s = **store;
    ASSERT_TRUE(s.put_assistant(kDefaultTenant, "zeta", "{\"v\":1}", false).ok());
    ASSERT_TRUE(s.put_assistant(kDefaultTenant, "alpha", "{\"v\":2}", false).ok());
    auto list = s.list_assistants(kDefaultTenant);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "alpha");
    EXPECT_EQ((*list)[1].record_json, "{\"v\":1}");

    auto taken = s.put_assistant(kDefaultTenant, "alpha", "{\"v\":3}", false);
    ASSERT_FALSE(taken.ok());
    EXPECT_EQ(taken.error().code, ErrorCode::ALREADY_EXISTS);  // 409 over HTTP
    EXPECT_NE(taken.error().message.find("already registered"), std::string::npos);
    auto kept = s.find_assistant(kDefaultTenant, "alpha");
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->record_json, "{\"v\":2}");  // the refused write changed nothing

    auto removed = s.remove_assistant(kDefaultTenant, "alpha");
    ASSERT_TRUE(removed.ok());
    EXPECT_TRUE(*removed);
    auto again = s.remove_assistant(kDefaultTenant, "alpha");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
    auto gone = s.find_assistant(kDefaultTenant, "alpha");
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value());
}

TEST(SqliteRegisterStore, ReplacingAnAssistantKeepsItsRegistrationDate) {
    const std::string dir = test::make_temp_dir("register_store_replace");
    auto store = open_sqlite_register_store(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->put_assistant(kDefaultTenant, "a", "{\"v\":1}", false).ok());
    // Age the first registration so that a replacement within the same second still shows.
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir + "/souverain.db").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "UPDATE register_assistants SET registered_at = 1000, "
                               "updated_at = 1000",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    auto replaced = (*store)->put_assistant(kDefaultTenant, "a", "{\"v\":2}", true);
    ASSERT_TRUE(replaced.ok()) << replaced.error().message;
    EXPECT_EQ(replaced->registered_at, 1000);
    EXPECT_GT(replaced->updated_at, 1000);
    auto found = (*store)->find_assistant(kDefaultTenant, "a");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->record_json, "{\"v\":2}");
    EXPECT_EQ((*found)->registered_at, 1000);
}

TEST(SqliteRegisterStore, TenantsDoNotSeeEachOther) {
    const std::string dir = test::make_temp_dir("register_store_tenants");
    auto store = open_sqlite_register_store(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->put_assistant("ville", "helper", "{\"t\":1}", false).ok());
    ASSERT_TRUE((*store)->put_assistant("etat", "helper", "{\"t\":2}", false).ok());
    ASSERT_TRUE((*store)->put_model_card("ville", "m", kShaA, "{}").ok());
    auto ville = (*store)->list_assistants("ville");
    ASSERT_TRUE(ville.ok());
    ASSERT_EQ(ville->size(), 1u);
    EXPECT_EQ((*ville)[0].record_json, "{\"t\":1}");
    EXPECT_TRUE((*store)->list_assistants(kDefaultTenant)->empty());
    EXPECT_FALSE((*store)->find_model_card("etat", "m", kShaA)->has_value());
    EXPECT_TRUE(*(*store)->remove_assistant("etat", "helper"));
    EXPECT_EQ((*store)->list_assistants("ville")->size(), 1u);
}

TEST(SqliteRegisterStore, ModelCardsAreKeyedByNameAndFile) {
    const std::string dir = test::make_temp_dir("register_store_cards");
    auto store = open_sqlite_register_store(dir);
    ASSERT_TRUE(store.ok());
    RegisterStore& s = **store;
    ASSERT_TRUE(s.put_model_card(kDefaultTenant, "mistral", kShaA, "{\"card\":1}").ok());
    ASSERT_TRUE(s.put_model_card(kDefaultTenant, "mistral", kShaB, "{\"card\":2}").ok());
    ASSERT_TRUE(s.put_model_card(kDefaultTenant, "mistral", kShaB, "{\"card\":3}").ok());  // update

    auto exact = s.find_model_card(kDefaultTenant, "mistral", kShaA);
    ASSERT_TRUE(exact.ok() && exact->has_value());
    EXPECT_EQ((*exact)->card_json, "{\"card\":1}");
    // The same weights under another served name find their card.
    auto other_name = s.find_model_card(kDefaultTenant, "assistant-model", kShaB);
    ASSERT_TRUE(other_name.ok() && other_name->has_value());
    EXPECT_EQ((*other_name)->card_json, "{\"card\":3}");
    EXPECT_EQ((*other_name)->model_name, "mistral");
    EXPECT_FALSE(s.find_model_card(kDefaultTenant, "mistral", std::string(64, 'c'))->has_value());

    auto all = s.list_model_cards(kDefaultTenant);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u);  // one card per (name, file)
    auto latest = s.latest_model_card(kDefaultTenant, "mistral");
    ASSERT_TRUE(latest.ok() && latest->has_value());
    EXPECT_EQ((*latest)->sha256, kShaB);  // written last
    EXPECT_FALSE(s.latest_model_card(kDefaultTenant, "llama")->has_value());
}

TEST(SqliteRegisterStore, RecordsSurviveReopeningAndShareTheFileWithKnowledgeBases) {
    const std::string dir = test::make_temp_dir("register_store_reopen");
    {
        auto kbs = open_sqlite_store(dir);
        ASSERT_TRUE(kbs.ok());
        ASSERT_TRUE((*kbs)->create_kb(kDefaultTenant, "laws").ok());
        auto store = open_sqlite_register_store(dir);
        ASSERT_TRUE(store.ok());
        ASSERT_TRUE((*store)->put_assistant(kDefaultTenant, "a", "{}", false).ok());
        ASSERT_TRUE((*store)->put_model_card(kDefaultTenant, "m", kShaA, "{}").ok());
    }
    auto store = open_sqlite_register_store(dir);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->list_assistants(kDefaultTenant)->size(), 1u);
    EXPECT_TRUE((*store)->latest_model_card(kDefaultTenant, "m")->has_value());
    auto kbs = open_sqlite_store(dir);
    ASSERT_TRUE(kbs.ok());
    EXPECT_EQ((*kbs)->list_kbs(kDefaultTenant)->size(), 1u);
}

TEST(SqliteRegisterStore, AnUnusableDataDirectoryIsAnError) {
    const std::string file = test::make_temp_dir("register_store_bad") + "/not-a-dir";
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    auto store = open_sqlite_register_store(file);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::IO);
}

}  // namespace
}  // namespace souverain::storage
