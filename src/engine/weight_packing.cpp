#include "engine/weight_packing.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
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

constexpr size_t kHugePageBytes = size_t(2) << 20;

// Decode reads each packed matrix once per token from end to end. On 2 MiB pages (transparent
// huge pages, where the kernel grants them: madvise mode is the common default) that stream
// crosses a page boundary, and may miss the TLB, every 2 MiB instead of every 4 KiB, and
// loading faults in 512 times fewer pages. Without huge pages this is plain memory.
uint8_t* allocate_packed(size_t bytes) {
    const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* memory = nullptr;
    if (posix_memalign(&memory, kHugePageBytes, rounded) != 0) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(memory, rounded, MADV_HUGEPAGE);  // advice only: failure leaves 4 KiB pages
#endif
    return static_cast<uint8_t*>(memory);
}

}  // namespace

void PackedWeights::FreeDeleter::operator()(uint8_t* bytes) const {
    std::free(bytes);
}

uint64_t PackedWeights::pack(const std::vector<WeightMatrix*>& matrices,
                             const std::vector<bool>& release_source, int n_threads) {
    if (!repack_enabled()) return 0;
    const kernels::KernelLevel level = kernels::best_kernel_level();
    struct Job {
        WeightMatrix* matrix;
        const kernels::PackedKernel* kernel;
        size_t offset;  // into this call's buffer, 64-byte aligned
        bool release;
    };
    std::vector<Job> jobs;
    uint64_t total_bytes = 0;
    size_t buffer_bytes = 0;
    for (size_t matrix_idx = 0; matrix_idx < matrices.size(); ++matrix_idx) {
        WeightMatrix* w = matrices[matrix_idx];
        const kernels::PackedKernel* kernel = kernels::packed_kernel(w->traits->type, level);
        if (kernel == nullptr || w->packed_kernel != nullptr) continue;  // or listed twice
        w->packed_kernel = kernel;  // marks it taken; no forward pass runs before pack returns
        const int64_t n_panels = (w->n_out + kernel->panel_rows - 1) / kernel->panel_rows;
        const size_t bytes = (size_t)n_panels * kernel->panel_bytes(w->n_in);
        jobs.push_back({w, kernel, buffer_bytes, release_source[matrix_idx]});
        buffer_bytes += (bytes + 63) / 64 * 64;
        total_bytes += bytes;
    }
    if (jobs.empty()) return 0;
    // One allocation for all: rounding each matrix up to whole huge pages would waste up to
    // 2 MiB per matrix.
    buffers_.emplace_back(allocate_packed(buffer_bytes));
    uint8_t* base = buffers_.back().get();
    for (Job& job : jobs) job.matrix->packed = base + job.offset;  // filled below
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t job_idx = next++; job_idx < jobs.size(); job_idx = next++) {
            const Job& job = jobs[job_idx];
            WeightMatrix& w = *job.matrix;
            job.kernel->pack(w.n_in, w.data, w.row_bytes, w.n_out, base + job.offset);
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
