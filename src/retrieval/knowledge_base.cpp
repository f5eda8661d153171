#include "retrieval/knowledge_base.h"

namespace souverain::retrieval {

Result<KnowledgeBase> open_knowledge_base(const std::string& data_dir, const std::string& name) {
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(data_dir);
    if (!store) return store.error();
    Result<std::optional<storage::KbInfo>> info = (*store)->find_kb(name);
    if (!info) return info.error();
    if (!info->has_value()) {
        return make_error(ErrorCode::NOT_FOUND, "no knowledge base '" + name + "' in '" + data_dir +
                                                    "' (create it with `souverain kb create`)");
    }
    return KnowledgeBase{std::move(*store), **info};
}

}  // namespace souverain::retrieval
