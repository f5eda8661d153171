// The knowledge-base service on a base with an embedding model (the hashing embedder): uploads
// are embedded and added to the HNSW graph, deletions leave it, and searches report the mode.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/tenant_store.h"
#include "retrieval/dense_base.h"
#include "retrieval/knowledge_base_service.h"
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
    ASSERT_TRUE(
        (*service)->upload(storage::kDefaultTenant, "laws", "ship.md", "# Ship\n\nThe submarine raised its periscope.\n"));
    EXPECT_TRUE(std::filesystem::exists(vector_index_path(dir, kb->info.id)));

    SearchOptions options;
    options.top_k = 5;
    Result<ModeSearchResult> dense =
        (*service)->search(storage::kDefaultTenant, "laws", "periscope submarine", options, SearchMode::DENSE);
    ASSERT_TRUE(dense) << dense.error().message;
    EXPECT_EQ(dense->mode, SearchMode::DENSE);
    ASSERT_EQ(dense->hits.size(), 2u);
    EXPECT_EQ(dense->hits[0].chunk.document_id, "ship.md");
    Result<ModeSearchResult> hybrid =
        (*service)->search(storage::kDefaultTenant, "laws", "deposit landlord", options, std::nullopt);
    ASSERT_TRUE(hybrid);
    EXPECT_EQ(hybrid->mode, SearchMode::HYBRID);
    ASSERT_FALSE(hybrid->hits.empty());
    EXPECT_EQ(hybrid->hits[0].chunk.document_id, "lease.md");

    ASSERT_TRUE((*service)->remove_document(storage::kDefaultTenant, "laws", "ship.md"));
    Result<ModeSearchResult> after =
        (*service)->search(storage::kDefaultTenant, "laws", "periscope submarine", options, SearchMode::DENSE);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->hits.size(), 1u);
    EXPECT_EQ(after->hits[0].chunk.document_id, "lease.md");

    ASSERT_TRUE((*service)->remove(storage::kDefaultTenant, "laws"));
    EXPECT_FALSE(std::filesystem::exists(vector_index_path(dir, kb->info.id)));
}

}  // namespace
}  // namespace souverain::retrieval
