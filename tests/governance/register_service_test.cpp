#include "governance/register_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "governance/served_model_cards.h"
#include "governance/sha256.h"
#include "test_paths.h"

namespace souverain::governance {
namespace {

Assistant assistant_named(const std::string& name, const std::string& model) {
    Assistant a;
    a.name = name;
    a.organisation = "Commune de Beispilldorf";
    a.model = model;
    a.purpose = "Answers questions.";
    a.legal_basis = "Loi communale.";
    a.human_oversight = "A person reviews the answers.";
    a.contact = "contact@beispilldorf.lu";
    return a;
}

ModelCard card_for(const std::string& name, const std::string& sha256, OpennessLevel level) {
    ModelCard card;
    card.name = name;
    card.facts.file_name = name + ".gguf";
    card.facts.sha256 = sha256;
    card.facts.architecture = "llama";
    card.admin = ModelCardAdmin{};
    card.admin->openness_level = level;
    card.admin->provenance = "checked";
    return card;
}

struct Fixture {
    explicit Fixture(const std::string& name) : dir(test::make_temp_dir(name)) {
        auto opened = storage::open_sqlite_register_store(dir);
        EXPECT_TRUE(opened.ok());
        store = std::move(*opened);
        service = std::make_unique<RegisterService>(*store);
    }
    std::string dir;
    std::unique_ptr<storage::RegisterStore> store;
    std::unique_ptr<RegisterService> service;
};

TEST(RegisterService, AssistantsComeBackValidatedAndDated) {
    Fixture f("register_service_assistants");
    auto added = f.service->add_assistant(assistant_named("b", "m"), false);
    ASSERT_TRUE(added.ok()) << added.error().message;
    EXPECT_EQ(added->registered_at.size(), 20u);  // 2025-03-12T09:30:00Z
    ASSERT_TRUE(f.service->add_assistant(assistant_named("a", "m"), false).ok());
    EXPECT_FALSE(f.service->add_assistant(assistant_named("a", "m"), false).ok());
    auto list = f.service->assistants();
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "a");
    EXPECT_EQ((*list)[1].registered_at, added->registered_at);

    Assistant invalid = assistant_named("c", "m");
    invalid.contact = "nobody";
    EXPECT_FALSE(f.service->add_assistant(invalid, false).ok());

    Status removed = f.service->remove_assistant("a");
    EXPECT_TRUE(removed.ok());
    Status missing = f.service->remove_assistant("a");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);
}

TEST(RegisterService, AStoredRecordThatNoLongerValidatesIsReportedByName) {
    Fixture f("register_service_bad_record");
    ASSERT_TRUE(
        f.store->put_assistant(storage::kDefaultTenant, "edited", "{\"name\": \"edited\"}", false)
            .ok());
    auto list = f.service->assistants();
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.error().code, ErrorCode::FORMAT);
    EXPECT_NE(list.error().message.find("'edited'"), std::string::npos) << list.error().message;
    ASSERT_TRUE(f.store->put_assistant(storage::kDefaultTenant, "edited", "not json", true).ok());
    EXPECT_FALSE(f.service->assistants().ok());
}

TEST(RegisterService, ModelCardsNeedTheirHashAndAdminFields) {
    Fixture f("register_service_cards");
    ModelCard card = card_for("mistral", std::string(64, 'a'), OpennessLevel::OPEN_WEIGHTS);
    auto stored = f.service->put_model_card(card);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_FALSE(stored->admin->updated_at.empty());
    auto found = f.service->find_model_card("mistral", std::string(64, 'a'));
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->admin->provenance, "checked");
    EXPECT_EQ((*found)->facts.architecture, "llama");

    ModelCard unhashed = card;
    unhashed.facts.sha256.clear();
    EXPECT_FALSE(f.service->put_model_card(unhashed).ok());
    ModelCard no_admin = card;
    no_admin.admin.reset();
    EXPECT_FALSE(f.service->put_model_card(no_admin).ok());
}

TEST(RegisterService, TheDocumentPrefersLiveCardsThenStoredOnes) {
    Fixture f("register_service_document");
    ASSERT_TRUE(f.service->add_assistant(assistant_named("one", "served"), false).ok());
    ASSERT_TRUE(f.service->add_assistant(assistant_named("two", "stored"), false).ok());
    ASSERT_TRUE(f.service->add_assistant(assistant_named("three", "unknown"), false).ok());
    ASSERT_TRUE(
        f.service->put_model_card(card_for("stored", std::string(64, 's'), OpennessLevel::CLOSED))
            .ok());
    auto live = [](const std::string& model) -> std::optional<ModelCard> {
        if (model != "served") return std::nullopt;
        return card_for("served", std::string(64, 'l'), OpennessLevel::OPEN_SOURCE_AI);
    };
    auto document = f.service->document(live);
    ASSERT_TRUE(document.ok()) << document.error().message;
    ASSERT_EQ(document->entries.size(), 3u);
    EXPECT_EQ(document->entries[0].assistant.name, "one");
    EXPECT_EQ(document->entries[0].model_card->facts.sha256, std::string(64, 'l'));
    EXPECT_EQ(document->entries[1].assistant.name, "three");
    EXPECT_FALSE(document->entries[1].model_card.has_value());
    EXPECT_EQ(document->entries[2].model_card->admin->openness_level, OpennessLevel::CLOSED);
    EXPECT_EQ(document->generated_at.size(), 20u);
}

TEST(ServedModelCards, TheHashArrivesInTheBackgroundWithTheStoredAdminFields) {
    Fixture f("served_model_cards");
    const std::string path = f.dir + "/model.gguf";
    std::string bytes(5'000'000, 'q');
    std::ofstream(path, std::ios::binary) << bytes;
    const std::string sha = to_hex(sha256(bytes));
    ASSERT_TRUE(
        f.service->put_model_card(card_for("other-name", sha, OpennessLevel::OPEN_WEIGHTS)).ok());

    ServedModelFile file;
    file.name = "served";
    file.path = path;
    file.facts.file_name = "model.gguf";
    file.facts.file_bytes = bytes.size();
    std::string hashed_name;
    ServedModelCards cards({file}, f.service.get(),
                           [&](const std::string& name, const FileHash&) { hashed_name = name; });
    ASSERT_TRUE(cards.wait_until_hashed(std::chrono::seconds(60)));
    EXPECT_EQ(hashed_name, "served");
    auto card = cards.card("served");
    ASSERT_TRUE(card.ok() && card->has_value());
    EXPECT_EQ((*card)->hash_state, HashState::DONE);
    EXPECT_EQ((*card)->hash_progress, 1.0);
    EXPECT_EQ((*card)->card.facts.sha256, sha);
    ASSERT_TRUE((*card)->card.admin.has_value());  // stored under another name, same file
    EXPECT_EQ((*card)->card.admin->openness_level, OpennessLevel::OPEN_WEIGHTS);
    auto none = cards.card("nope");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST(ServedModelCards, AHashTheCallerAlreadyKnowsIsNotComputedAgain) {
    ServedModelFile file;
    file.name = "m";
    file.path = test::make_temp_dir("served_model_cards_known") + "/absent.gguf";
    file.facts.sha256 = std::string(64, 'k');  // the file does not even exist: never read
    std::atomic<int> hashed{0};
    ServedModelCards cards({file}, nullptr, [&](const std::string&, const FileHash&) { ++hashed; });
    ASSERT_TRUE(cards.wait_until_hashed(std::chrono::seconds(60)));
    auto card = cards.card("m");
    ASSERT_TRUE(card.ok() && card->has_value());
    EXPECT_EQ((*card)->hash_state, HashState::DONE);
    EXPECT_EQ((*card)->card.facts.sha256, std::string(64, 'k'));
    EXPECT_EQ(hashed.load(), 0);
}

TEST(ServedModelCards, AFileThatChangedSinceLoadingIsReportedNotDescribed) {
    const std::string dir = test::make_temp_dir("served_model_cards_changed");
    const std::string path = dir + "/model.gguf";
    std::ofstream(path, std::ios::binary) << std::string(1000, 'x');
    ServedModelFile file;
    file.name = "m";
    file.path = path;
    file.facts.file_bytes = 999;  // what was loaded
    ServedModelCards cards({file}, nullptr);
    ASSERT_TRUE(cards.wait_until_hashed(std::chrono::seconds(60)));
    auto card = cards.card("m");
    ASSERT_TRUE(card.ok() && card->has_value());
    EXPECT_EQ((*card)->hash_state, HashState::FAILED);
    EXPECT_TRUE((*card)->card.facts.sha256.empty());
    EXPECT_NE((*card)->hash_error.find("changed on disk"), std::string::npos);

    ServedModelFile missing = file;
    missing.path = dir + "/gone.gguf";
    ServedModelCards missing_cards({missing}, nullptr);
    ASSERT_TRUE(missing_cards.wait_until_hashed(std::chrono::seconds(60)));
    EXPECT_EQ((*missing_cards.card("m"))->hash_state, HashState::FAILED);
}

}  // namespace
}  // namespace souverain::governance
