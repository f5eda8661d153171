#include "retrieval/knowledge_base.h"

namespace souverain::retrieval {

Result<KnowledgeBase> open_knowledge_base(const std::string& data_dir, const std::string& tenant,
                                          const std::string& name) {
    Result<std::unique_ptr<storage::Store>> store = storage::open_sqlite_store(data_dir);
    if (!store) return store.error();
    Result<std::optional<storage::KbInfo>> info = (*store)->find_kb(tenant, name);
    if (!info) return info.error();
    if (!info->has_value()) {
        return make_error(ErrorCode::NOT_FOUND, "no knowledge base '" + name + "' of tenant '" +
                                                    tenant + "' in '" + data_dir +
                                                    "' (create it with `souverain kb create`)");
    }
    return KnowledgeBase{std::move(*store), **info};
}

Status check_kb_name(std::string_view name) {
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "invalid knowledge base name '" + std::string(name) + "': " + why);
    };
    if (name.empty()) return fail("it is empty");
    if (name.size() > 64) return fail("it is longer than 64 characters");
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(name[0])) return fail("it must start with a letter or a digit");
    for (char c : name) {
        if (!alnum(c) && c != '.' && c != '_' && c != '-') {
            return fail("only letters, digits, '.', '_' and '-' are allowed");
        }
    }
    return Status::success();
}

}  // namespace souverain::retrieval
