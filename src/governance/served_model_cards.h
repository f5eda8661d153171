#pragma once
// The model cards of the models a server serves. Their facts are read from the already
// opened GGUF files at start (instant); their SHA-256 is computed on one background thread,
// file after file, so start-up is never delayed (libsodium hashes about 250 MiB/s on one
// core: a 4 GB file takes some 16 s, see the governance README). Until a file's hash is known
// its card has no SHA-256 and no administrator fields: those are keyed by the hash, and
// showing fields written for another file would be wrong.
//
// The hash is of the file at its path, read again: a file replaced on disk after the model
// was loaded is noticed when its size changed (FAILED, with the reason), not otherwise.
//
// Ownership: owns the hashing thread, stopped and joined on destruction (a hash under way
// ends within one 4 MiB chunk). Borrows the RegisterService, which must outlive it.
// Thread-safety: card() and wait_until_hashed() may be called from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "governance/model_card.h"
#include "governance/register_service.h"

namespace souverain::governance {

struct ServedModelFile {
    std::string name;  // the served name
    std::string path;
    // read_model_facts of the loaded file. A sha256 already known (a caller that hashed the
    // file for another purpose) is taken as is: the file is not read a second time.
    ModelFacts facts;
};

enum class HashState { PENDING, COMPUTING, DONE, FAILED };
const char* hash_state_name(HashState state);  // "pending", "computing", "done", "failed"

struct ServedModelCard {
    ModelCard card;  // admin present only when the hash is known and a card was stored
    HashState hash_state = HashState::PENDING;
    double hash_progress = 0.0;  // 0..1
    std::string hash_error;      // FAILED: why
};

class ServedModelCards {
public:
    // Called on the hashing thread when a file's hash is known (for the server's log).
    using HashedCallback = std::function<void(const std::string& name, const FileHash& hash)>;

    // Starts hashing at once. `register_service` may be null: no administrator fields.
    ServedModelCards(std::vector<ServedModelFile> models, RegisterService* register_service,
                     HashedCallback on_hashed = {});
    ~ServedModelCards();
    ServedModelCards(const ServedModelCards&) = delete;
    ServedModelCards& operator=(const ServedModelCards&) = delete;

    // The card of a served model; nullopt when no model has that name. Fails only when the
    // register store cannot be read.
    Result<std::optional<ServedModelCard>> card(const std::string& name) const;
    // True once every file is hashed (or failed); false when `timeout` passed first.
    bool wait_until_hashed(std::chrono::milliseconds timeout) const;

private:
    struct Entry {
        ServedModelFile file;
        HashState state = HashState::PENDING;
        uint64_t done = 0;
        std::string error;
    };
    void hash_all();

    std::vector<Entry> entries_;  // guarded by mutex_ after construction
    RegisterService* register_service_;
    HashedCallback on_hashed_;
    mutable std::mutex mutex_;
    mutable std::condition_variable finished_;
    bool all_done_ = false;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace souverain::governance
