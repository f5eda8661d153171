#pragma once
// Repacking of weight matrices into a kernel level's panel layout (kernels::PackedKernel), once
// at load. The packed copy takes as many bytes as the rows it replaces; the file's pages of a
// repacked matrix are then handed back to the kernel (madvise), so resident memory stays at
// about the file size. Repacking changes no result: the packed kernels compute the same values
// as the row kernels, bit for bit.
//
// Ownership: PackedWeights owns the packed copies; the WeightMatrix values it fills point into
// them and must not outlive it. Thread-safety: pack() is called once, before any forward pass.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/ops.h"

namespace souverain {

class PackedWeights {
public:
    // Repacks every matrix whose type has a packed layout at the CPU's kernel level (unless
    // SOUVERAIN_REPACK=0); `release_source` lists, per matrix, whether its file pages may be
    // dropped (false when get_row still reads them, e.g. tied embeddings). Uses up to
    // n_threads threads. Returns the bytes repacked.
    uint64_t pack(const std::vector<WeightMatrix*>& matrices,
                  const std::vector<bool>& release_source, int n_threads);

private:
    struct FreeDeleter {
        void operator()(uint8_t* bytes) const;
    };
    // One per pack() call, 2 MiB aligned (huge pages).
    std::vector<std::unique_ptr<uint8_t, FreeDeleter>> buffers_;
};

}  // namespace souverain
