// The knowledge-base service on a base with an embedding model (the hashing embedder): uploads
// are embedded and added to the HNSW graph, deletions leave it, and searches report the mode.
#include <gtest/gtest.h>

#include <filesystem>

#include "retrieval/dense_base.h"
#include "retrieval/knowledge_base_service.h"
#include "storage/tenant_store.h"
#include "test_paths.h"

namespace souverain::retrieval {
namespace {

TEST(KnowledgeBaseServiceDense, UploadsAreEmbeddedAndDeletionsLeaveTheDenseIndex) {
    const std::string dir = test::make_temp_dir("kb_service_dense");
    Result<std::unique_ptr<KnowledgeBaseService>> service = KnowledgeBaseService::open(dir);
    ASSERT_TRUE(service) << service.error().message;
    Result<KbSummary> kb = (*service)->create(storage::kDefaultTenant, "laws");
    ASSERT_TRUE(kb);
    ASSERT_TRUE(set_kb_embedding_model(dir, kb->info.id, "hashing:128", 1));
    ASSERT_TRUE((*service)->upload(storage::kDefaultTenant, "laws", "lease.md",
                                   "# Lease\n\nThe landlord returns the deposit to the tenant.\n"));
    ASSERT_TRUE((*service)->upload(storage::kDefaultTenant, "laws", "ship.md",
                                   "# Ship\n\nThe submarine raised its periscope.\n"));
    EXPECT_TRUE(std::filesystem::exists(vector_index_path(dir, kb->info.id)));

    SearchOptions options;
    options.top_k = 5;
    Result<ModeSearchResult> dense = (*service)->search(
        storage::kDefaultTenant, "laws", "periscope submarine", options, SearchMode::DENSE);
    ASSERT_TRUE(dense) << dense.error().message;
    EXPECT_EQ(dense->mode, SearchMode::DENSE);
    ASSERT_EQ(dense->hits.size(), 2u);
    EXPECT_EQ(dense->hits[0].chunk.document_id, "ship.md");
    Result<ModeSearchResult> hybrid = (*service)->search(storage::kDefaultTenant, "laws",
                                                         "deposit landlord", options, std::nullopt);
    ASSERT_TRUE(hybrid);
    EXPECT_EQ(hybrid->mode, SearchMode::HYBRID);
    ASSERT_FALSE(hybrid->hits.empty());
    EXPECT_EQ(hybrid->hits[0].chunk.document_id, "lease.md");

    ASSERT_TRUE((*service)->remove_document(storage::kDefaultTenant, "laws", "ship.md"));
    Result<ModeSearchResult> after = (*service)->search(
        storage::kDefaultTenant, "laws", "periscope submarine", options, SearchMode::DENSE);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->hits.size(), 1u);
    EXPECT_EQ(after->hits[0].chunk.document_id, "lease.md");

    ASSERT_TRUE((*service)->remove(storage::kDefaultTenant, "laws"));
    EXPECT_FALSE(std::filesystem::exists(vector_index_path(dir, kb->info.id)));
}

TEST(KnowledgeBaseServiceDense, CreateTakesOnlyAllowedEmbeddingModels) {
    const std::string dir = test::make_temp_dir("kb_service_models");
    Result<std::unique_ptr<KnowledgeBaseService>> service = KnowledgeBaseService::open(dir);
    ASSERT_TRUE(service) << service.error().message;
    KnowledgeBaseService& kbs = **service;
    // A path is never taken from the caller, even one that would open.
    for (const std::string& model : {std::string("/etc/passwd"), dir + "/souverain.db",
                                     std::string("e5"), std::string("hashing:1")}) {
        Result<KbSummary> refused =
            kbs.create(storage::kDefaultTenant, "refused", storage::PiiPolicy::OFF, model);
        ASSERT_FALSE(refused) << model;
        EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT) << model;
        EXPECT_FALSE(kbs.get(storage::kDefaultTenant, "refused")) << "left a base: " << model;
    }
    Result<KbSummary> hashed =
        kbs.create(storage::kDefaultTenant, "hashed", storage::PiiPolicy::OFF, "hashing:16");
    ASSERT_TRUE(hashed) << hashed.error().message;
    Result<std::string> name = kbs.embedding_model_name(storage::kDefaultTenant, "hashed");
    ASSERT_TRUE(name);
    EXPECT_EQ(*name, "hashing:16");
    // An allowed name maps to the file the process chose; a file that does not open leaves no
    // base behind.
    kbs.allow_embedding_model("broken", dir + "/missing.gguf");
    Result<KbSummary> broken =
        kbs.create(storage::kDefaultTenant, "b", storage::PiiPolicy::OFF, "broken");
    ASSERT_FALSE(broken);
    EXPECT_FALSE(kbs.get(storage::kDefaultTenant, "b"));
    Result<KbSummary> plain =
        kbs.create(storage::kDefaultTenant, "plain", storage::PiiPolicy::OFF, "");
    ASSERT_TRUE(plain);
    EXPECT_EQ(*kbs.embedding_model_name(storage::kDefaultTenant, "plain"), "");
}

TEST(KnowledgeBaseServiceDense, RerankWithoutAConfiguredRerankerIsRefused) {
    const std::string dir = test::make_temp_dir("kb_service_norerank");
    Result<std::unique_ptr<KnowledgeBaseService>> service = KnowledgeBaseService::open(dir);
    ASSERT_TRUE(service);
    ASSERT_TRUE((*service)->create(storage::kDefaultTenant, "laws"));
    EXPECT_FALSE((*service)->has_reranker());
    SearchOptions options;
    Result<ModeSearchResult> result =
        (*service)->search(storage::kDefaultTenant, "laws", "bail", options, std::nullopt, 10);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(result.error().message.find("--reranker"), std::string::npos);
}

TEST(KnowledgeBaseServiceDense, RetrieveSaysWhichModeFoundEachPassage) {
    const std::string dir = test::make_temp_dir("kb_service_retrieve_mode");
    Result<std::unique_ptr<KnowledgeBaseService>> service = KnowledgeBaseService::open(dir);
    ASSERT_TRUE(service);
    KnowledgeBaseService& kbs = **service;
    ASSERT_TRUE(
        kbs.create(storage::kDefaultTenant, "dense", storage::PiiPolicy::OFF, "hashing:64"));
    ASSERT_TRUE(kbs.create(storage::kDefaultTenant, "plain"));
    for (const char* kb : {"dense", "plain"}) {
        ASSERT_TRUE(kbs.upload(storage::kDefaultTenant, kb, "lease.md",
                               "# Lease\n\nThe landlord returns the deposit to the tenant.\n"));
        ASSERT_TRUE(kbs.upload(storage::kDefaultTenant, kb, "ship.md",
                               "# Ship\n\nThe submarine raised its periscope.\n"));
    }
    Result<std::vector<RetrievedPassage>> dense =
        kbs.retrieve(storage::kDefaultTenant, {"dense"}, "deposit landlord", 2);
    ASSERT_TRUE(dense) << dense.error().message;
    ASSERT_FALSE(dense->empty());
    for (const RetrievedPassage& passage : *dense) EXPECT_EQ(passage.mode, "hybrid");
    EXPECT_EQ(dense->front().hit.chunk.document_id, "lease.md");
    // Two bases, two modes: the bases take turns (rank 1 of each first).
    Result<std::vector<RetrievedPassage>> both =
        kbs.retrieve(storage::kDefaultTenant, {"plain", "dense"}, "deposit landlord", 4);
    ASSERT_TRUE(both);
    ASSERT_GE(both->size(), 2u);
    EXPECT_EQ((*both)[0].knowledge_base, "plain");
    EXPECT_EQ((*both)[0].mode, "lexical");
    EXPECT_EQ((*both)[1].knowledge_base, "dense");
    EXPECT_EQ((*both)[1].mode, "hybrid");
}

}  // namespace
}  // namespace souverain::retrieval
