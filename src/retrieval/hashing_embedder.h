#pragma once
// A deterministic Embedder without a model: each text is analyzed like the lexical index does
// (language detection, stopwords, stemming; a text whose language cannot be told, like most
// queries, with each language's analyzer, terms pooled), every term is hashed to one of `dimension`
// coordinates with a hashed sign (feature hashing), counts are damped (1 + ln tf) and the
// vector is L2-normalized. Texts that share stems get a positive inner product, so dense
// search over it behaves like a crude lexical search: good enough to test the dense and hybrid
// paths end to end and to benchmark the index at scale, with no model file. Its model name is
// "hashing:DIM".
//
// Thread-safety: one call at a time (the analyzers keep state).
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/analyzer.h"
#include "retrieval/embedder.h"

namespace souverain::retrieval {

class HashingEmbedder final : public Embedder {
public:
    // `dimension` in [kMinDimension, kMaxDimension]; checked by make_hashing_embedder.
    explicit HashingEmbedder(int dimension);
    ~HashingEmbedder() override;

    static constexpr int kMinDimension = 8;
    static constexpr int kMaxDimension = 4096;

    int dimension() const override { return dimension_; }
    std::string model_name() const override;
    Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override;

    // One text (the same vector embed gives it).
    std::vector<float> embed_one(std::string_view text);

private:
    int dimension_;
    std::array<std::unique_ptr<Analyzer>, 5> analyzers_;
    std::vector<std::string> terms_;
};

// "hashing:DIM" → a HashingEmbedder; anything else → open_embedder(spec) (a GGUF path).
// INVALID_ARGUMENT for a hashing spec with a bad dimension.
Result<std::unique_ptr<Embedder>> open_embedding_model(const std::string& spec, int n_threads);

// True when `spec` names the built-in hashing embedder rather than a file.
bool is_hashing_model(std::string_view spec);

}  // namespace souverain::retrieval
