#include "engine/weight_packing.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace souverain {

namespace {

bool repack_enabled() {
    const char* value = std::getenv("SOUVERAIN_REPACK");
    return value == nullptr || std::strcmp(value, "0") != 0;
}

// Drops the whole pages inside [data, data + size) from this process's memory. The mapping is
// private and read-only: a later read would fault the pages back in from the file.
void release_pages(const uint8_t* data, size_t size) {
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const uintptr_t begin = ((uintptr_t)data + page - 1) & ~(page - 1);
    const uintptr_t end = ((uintptr_t)data + size) & ~(page - 1);
    if (end > begin) madvise((void*)begin, end - begin, MADV_DONTNEED);
}

}  // namespace

uint64_t PackedWeights::pack(const std::vector<WeightMatrix*>& matrices,
                             const std::vector<bool>& release_source, int n_threads) {
    if (!repack_enabled()) return 0;
    const kernels::KernelLevel level = kernels::best_kernel_level();
    struct Job {
        WeightMatrix* matrix;
        const kernels::PackedKernel* kernel;
        uint8_t* dst;
        bool release;
    };
    std::vector<Job> jobs;
    uint64_t total_bytes = 0;
    for (size_t matrix_idx = 0; matrix_idx < matrices.size(); ++matrix_idx) {
        WeightMatrix* w = matrices[matrix_idx];
        if (w->packed != nullptr) continue;  // listed twice (tied weights)
        const kernels::PackedKernel* kernel = kernels::packed_kernel(w->traits->type, level);
        if (kernel == nullptr) continue;
        const int64_t n_panels = (w->n_out + kernel->panel_rows - 1) / kernel->panel_rows;
        const size_t bytes = (size_t)n_panels * kernel->panel_bytes(w->n_in);
        Buffer buffer;
        buffer.bytes.reset(new uint8_t[bytes + 64]);
        buffer.aligned = (uint8_t*)(((uintptr_t)buffer.bytes.get() + 63) & ~uintptr_t(63));
        jobs.push_back({w, kernel, buffer.aligned, release_source[matrix_idx]});
        w->packed = buffer.aligned;  // marks it taken; filled below
        buffers_.push_back(std::move(buffer));
        total_bytes += bytes;
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t job_idx = next++; job_idx < jobs.size(); job_idx = next++) {
            const Job& job = jobs[job_idx];
            WeightMatrix& w = *job.matrix;
            job.kernel->pack(w.n_in, w.data, w.row_bytes, w.n_out, job.dst);
            w.packed_kernel = job.kernel;
            if (job.release) release_pages(w.data, w.row_bytes * (size_t)w.n_out);
        }
    };
    std::vector<std::thread> threads;
    for (int thread_idx = 1; thread_idx < n_threads; ++thread_idx) threads.emplace_back(worker);
    worker();
    for (std::thread& thread : threads) thread.join();
    return total_bytes;
}

}  // namespace souverain
