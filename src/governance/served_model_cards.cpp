#include "governance/served_model_cards.h"

namespace souverain::governance {

const char* hash_state_name(HashState state) {
    switch (state) {
        case HashState::COMPUTING:
            return "computing";
        case HashState::DONE:
            return "done";
        case HashState::FAILED:
            return "failed";
        case HashState::PENDING:
            break;
    }
    return "pending";
}

ServedModelCards::ServedModelCards(std::vector<ServedModelFile> models,
                                   RegisterService* register_service, HashedCallback on_hashed)
    : register_service_(register_service), on_hashed_(std::move(on_hashed)) {
    for (ServedModelFile& file : models) {
        Entry entry;
        entry.file = std::move(file);
        if (!entry.file.facts.sha256.empty()) entry.state = HashState::DONE;
        entries_.push_back(std::move(entry));
    }
    thread_ = std::thread([this] { hash_all(); });
}

ServedModelCards::~ServedModelCards() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void ServedModelCards::hash_all() {
    for (size_t idx = 0; idx < entries_.size() && !stop_; ++idx) {
        std::string path;
        uint64_t expected_bytes = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (entries_[idx].state == HashState::DONE) continue;  // hash given by the caller
            entries_[idx].state = HashState::COMPUTING;
            path = entries_[idx].file.path;
            expected_bytes = entries_[idx].file.facts.file_bytes;
        }
        Result<FileHash> hash = hash_model_file(
            path,
            [this, idx](uint64_t done, uint64_t) {
                std::lock_guard<std::mutex> lock(mutex_);
                entries_[idx].done = done;
            },
            &stop_);
        std::string name;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            Entry& entry = entries_[idx];
            name = entry.file.name;
            if (!hash) {
                entry.state = HashState::FAILED;
                entry.error = hash.error().message;
            } else if (hash->bytes != expected_bytes) {
                entry.state = HashState::FAILED;
                entry.error = "the file " + entry.file.facts.file_name +
                              " changed on disk since the model was loaded (" +
                              std::to_string(hash->bytes) + " bytes now, " +
                              std::to_string(expected_bytes) + " then)";
            } else {
                entry.state = HashState::DONE;
                entry.file.facts.sha256 = hash->sha256;
            }
        }
        if (hash && on_hashed_ && hash->bytes == expected_bytes) on_hashed_(name, *hash);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    all_done_ = true;
    finished_.notify_all();
}

Result<std::optional<ServedModelCard>> ServedModelCards::card(const std::string& name) const {
    ServedModelCard out;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const Entry* found = nullptr;
        for (const Entry& entry : entries_) {
            if (entry.file.name == name) found = &entry;
        }
        if (found == nullptr) return std::optional<ServedModelCard>();
        out.card.name = found->file.name;
        out.card.facts = found->file.facts;
        out.hash_state = found->state;
        out.hash_error = found->error;
        const uint64_t total = found->file.facts.file_bytes;
        out.hash_progress = found->state == HashState::DONE ? 1.0
                            : total > 0                     ? (double)found->done / (double)total
                                                            : 0.0;
    }
    // The store is read outside the lock: it has its own, and a slow read must not hold up
    // the hashing thread's progress updates.
    if (out.hash_state == HashState::DONE && register_service_ != nullptr) {
        Result<std::optional<ModelCard>> stored =
            register_service_->find_model_card(out.card.name, out.card.facts.sha256);
        if (!stored) return stored.error();
        if (*stored) out.card.admin = (*stored)->admin;
    }
    return std::optional<ServedModelCard>(std::move(out));
}

bool ServedModelCards::wait_until_hashed(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return finished_.wait_for(lock, timeout, [this] { return all_done_; });
}

}  // namespace souverain::governance
