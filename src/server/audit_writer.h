#pragma once
// The server's one audit writer: a dedicated thread that appends the records HTTP threads
// hand it (plain AuditRecord values through a queue) to the data directory's AuditLog.
//
// Why a thread: an append is a signature plus a SQLite commit (about 130 µs); doing it on the
// writer keeps HTTP threads from contending on the log's mutex and the database, and keeps
// the model runners out of it entirely. The HTTP thread waits on the returned future only
// where it must: before it sends the final body or chunk of a generated answer, so that a
// receipt a client holds always has its record in the log.
//
// Ownership: owns the AuditLog. Thread-safety: submit() and log() from any thread; the
// destructor appends what is still queued, then joins the thread.
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "governance/audit_log.h"
#include "governance/audit_record.h"

namespace souverain::server {

class AuditWriter {
public:
    explicit AuditWriter(std::unique_ptr<governance::AuditLog> log);
    ~AuditWriter();
    AuditWriter(const AuditWriter&) = delete;
    AuditWriter& operator=(const AuditWriter&) = delete;

    // Queues `record`; the future holds its seq once it is durable, or the append's error.
    std::future<Result<uint64_t>> submit(governance::AuditRecord record);

    // For reading (tree heads, proofs, records): AuditLog's readers are thread-safe.
    const governance::AuditLog& log() const { return *log_; }

private:
    struct Pending {
        governance::AuditRecord record;
        std::promise<Result<uint64_t>> done;
    };
    void run();

    std::unique_ptr<governance::AuditLog> log_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace souverain::server
