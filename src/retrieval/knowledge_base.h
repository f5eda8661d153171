#pragma once
// Opening a knowledge base by name in a data directory: the store plus the base's record.
// The one place the CLI commands (kb, ingest, search, eval, ask) share for it.
//
// Ownership: KnowledgeBase owns its Store. Thread-safety: as storage::Store.
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "storage/store.h"

namespace souverain::retrieval {

struct KnowledgeBase {
    std::unique_ptr<storage::Store> store;
    storage::KbInfo info;
};

// NOT_FOUND (naming `souverain kb create`) when no base of that name exists.
Result<KnowledgeBase> open_knowledge_base(const std::string& data_dir, const std::string& tenant,
                                          const std::string& name);

// Names of new knowledge bases: 1 to 64 characters of A-Z a-z 0-9 . _ -, starting with a
// letter or a digit, so that a name is a URL path segment and a file name as it is.
// INVALID_ARGUMENT otherwise, saying why.
Status check_kb_name(std::string_view name);

}  // namespace souverain::retrieval
