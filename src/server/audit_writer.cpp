#include "server/audit_writer.h"

#include <cstdio>

namespace souverain::server {

AuditWriter::AuditWriter(std::unique_ptr<governance::AuditLog> log)
    : log_(std::move(log)), thread_([this] { run(); }) {}

AuditWriter::~AuditWriter() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_one();
    thread_.join();
}

std::future<Result<uint64_t>> AuditWriter::submit(governance::AuditRecord record) {
    Pending pending{std::move(record), {}};
    std::future<Result<uint64_t>> future = pending.done.get_future();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(pending));
    }
    ready_.notify_one();
    return future;
}

void AuditWriter::run() {
    for (;;) {
        std::deque<Pending> batch;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is written
            batch.swap(queue_);
        }
        for (Pending& pending : batch) {
            Result<uint64_t> seq = log_->append(pending.record);
            if (!seq) {
                // The client learns of it through its request (500); the operator here.
                std::fprintf(stderr, "souverain: audit append failed: %s\n",
                             seq.error().message.c_str());
            }
            pending.done.set_value(std::move(seq));
        }
    }
}

}  // namespace souverain::server
