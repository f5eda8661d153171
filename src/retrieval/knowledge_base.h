#pragma once
// Opening a knowledge base by name in a data directory: the store plus the base's record.
// The one place the CLI commands (kb, ingest, search, eval) share for it.
//
// Ownership: KnowledgeBase owns its Store. Thread-safety: as storage::Store.
#include <memory>
#include <string>

#include "common/error.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct KnowledgeBase {
    std::unique_ptr<storage::Store> store;
    storage::KbInfo info;
};

// NOT_FOUND (naming `souverain kb create`) when no base of that name exists.
Result<KnowledgeBase> open_knowledge_base(const std::string& data_dir, const std::string& name);

}  // namespace souverain::retrieval
