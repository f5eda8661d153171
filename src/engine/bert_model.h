#pragma once
// The `bert` architecture as llama.cpp's GGUF conversion writes it: BERT, MiniLM, bge, e5 and
// other sentence-embedding encoders. Token + token-type + learned position embeddings and a
// LayerNorm, then post-norm blocks (bidirectional multi-head attention with biases, residual,
// LayerNorm; GELU feed-forward with biases, residual, LayerNorm), then mean or CLS pooling and
// L2 normalization (bert.pooling_type: 1 mean, 2 CLS).
//
// Cross-encoder rerankers (bert.pooling_type 4, "rank", as llama.cpp converts ms-marco-MiniLM
// and bge-reranker): the same encoder reads a (query, passage) pair, and a classification head
// on the final [CLS] state gives a relevance logit: tanh(cls.weight x + cls.bias) (HF's
// BertPooler), then cls.output.weight h + cls.output.bias (the classifier). Such a model
// scores pairs (score) and does not embed; an embedding model does not score.
//
// Ownership: a BertModel owns its GgufFile (weights stay in the mapping, zero copy) and its
// vocabulary. Thread-safety: immutable after load; embed() keeps no state between calls, so
// several threads may call it at once, each with its own ThreadPool (a pool runs one loop at a
// time). The server gives the model to one inference loop, which alone calls embed().
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/gguf.h"
#include "engine/ops.h"
#include "engine/vocab.h"
#include "engine/weight_packing.h"

namespace souverain {

enum class PoolingType { MEAN, CLS, RANK };

struct BertHparams {
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;  // positions the model has embeddings for: the longest input
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_ff = 0;
    int64_t n_token_types = 0;
    int64_t head_dim = 0;  // n_embd / n_head
    float norm_eps = 1e-12f;
    PoolingType pooling = PoolingType::MEAN;
    int64_t n_labels = 0;  // RANK: outputs of the classification head (the score is the first)
};

struct BertLayer {
    WeightMatrix wq;                              // [n_embd, n_embd]
    WeightMatrix wk;                              // [n_embd, n_embd]
    WeightMatrix wv;                              // [n_embd, n_embd]
    WeightMatrix wo;                              // [n_embd, n_embd]
    WeightMatrix w_up;                            // [n_embd, n_ff]
    WeightMatrix w_down;                          // [n_ff, n_embd]
    std::vector<float> bq, bk, bv, bo;            // F32 [n_embd]
    std::vector<float> b_up;                      // F32 [n_ff]
    std::vector<float> b_down;                    // F32 [n_embd]
    std::vector<float> attn_norm_w, attn_norm_b;  // F32 [n_embd]: attn_output_norm
    std::vector<float> out_norm_w, out_norm_b;    // F32 [n_embd]: layer_output_norm
};

// What embed() did with each input.
struct EmbedInputInfo {
    int64_t n_tokens = 0;    // tokens the model read, [CLS] and [SEP] included
    bool truncated = false;  // the text had more tokens than the context holds
};

// A (query, passage) pair as a reranker reads it.
struct RerankInput {
    std::vector<int32_t> tokens;
    std::vector<int32_t> token_types;  // 0 for [CLS] query [SEP], 1 for passage [SEP]
    bool truncated = false;            // the pair had more tokens than the context holds
};

class BertModel {
public:
    // Maps and validates a GGUF file: architecture, hyper-parameters, every tensor's presence,
    // type and exact shape (a wrong shape names both shapes), and the tokenizer.
    static Result<std::unique_ptr<BertModel>> load(const std::string& path);
    static Result<std::unique_ptr<BertModel>> from_gguf(std::unique_ptr<GgufFile> gguf);

    const BertHparams& hparams() const { return hparams_; }
    int dimension() const { return (int)hparams_.n_embd; }
    int64_t max_tokens() const { return hparams_.n_ctx_train; }
    const Vocab& vocab() const { return *vocab_; }
    const GgufFile& gguf() const { return *gguf_; }
    std::string_view name() const { return name_; }

    // The model's input for a text, framed as the vocabulary says ([CLS] ... [SEP] for WordPiece,
    // <s> ... </s> for XLM-R's unigram), cut to max_tokens() (the closing special token then
    // stays last, as sentence-transformers truncates).
    std::vector<int32_t> tokenize(std::string_view text, bool* truncated = nullptr) const;

    // One unit-length vector F32 [n_embd] per text, in order. All texts go through each weight
    // matrix together. Never fails on text (over-long texts are truncated, reported in `info`
    // when given); fails only on an empty text list entry producing no tokens.
    Result<std::vector<std::vector<float>>> embed(
        std::span<const std::string> texts, ThreadPool& pool,
        std::vector<EmbedInputInfo>* info = nullptr) const;

    // The same from token ids (e.g. the `input` token arrays of /v1/embeddings). Fails on an
    // empty sequence, a sequence longer than max_tokens() or an id outside the vocabulary.
    // Both embed calls fail (UNSUPPORTED) on a reranker.
    Result<std::vector<std::vector<float>>> embed_tokens(
        std::span<const std::vector<int32_t>> sequences, ThreadPool& pool) const;

    bool is_reranker() const { return hparams_.pooling == PoolingType::RANK; }

    // The pair framed as the vocabulary's pairs are: [CLS] query [SEP] passage [SEP] for
    // WordPiece, <s> query </s></s> passage </s> for XLM-R's unigram. Token type 1 for the
    // passage part when the model has two token types (XLM-R has one: all 0). Over
    // max_tokens(), the passage is cut, not the query (its closing separator stays last),
    // unless the query alone takes more than half the context: then the query is cut to that
    // half, so a passage is always read. Fails only for a vocabulary without separators.
    Result<RerankInput> tokenize_pair(std::string_view query, std::string_view passage) const;

    // One raw relevance logit per passage (the classification head's first output, before
    // any sigmoid): higher is more relevant. Pairs go through the encoder in batches of a
    // few thousand tokens. `inputs`, when given, receives what the model read.
    Result<std::vector<float>> score(std::string_view query, std::span<const std::string> passages,
                                     ThreadPool& pool,
                                     std::vector<RerankInput>* inputs = nullptr) const;
    // The same from framed token ids and types; fails as embed_tokens does, or on a token type
    // the model has no embedding for, or when the model is not a reranker.
    Result<std::vector<float>> score_tokens(std::span<const RerankInput> inputs,
                                            ThreadPool& pool) const;

private:
    BertModel() = default;

    // The final hidden states F32 [n_embd, n_tokens] of all sequences one after the other
    // (first_tokens: where each starts). token_types: empty for all 0, else one per sequence.
    Result<std::vector<float>> encode(std::span<const std::vector<int32_t>> sequences,
                                      std::span<const std::vector<int32_t>> token_types,
                                      std::vector<int64_t>& first_tokens, ThreadPool& pool) const;

    std::unique_ptr<GgufFile> gguf_;
    std::shared_ptr<const Vocab> vocab_;
    std::string name_;
    BertHparams hparams_;
    WeightMatrix token_embd_;                       // [n_embd, n_vocab]
    WeightMatrix token_types_;                      // [n_embd, n_token_types]
    WeightMatrix position_embd_;                    // [n_embd, n_ctx_train]
    std::vector<float> embd_norm_w_, embd_norm_b_;  // F32 [n_embd]
    std::vector<BertLayer> layers_;
    WeightMatrix cls_;              // RANK: [n_embd, n_embd] (pooler dense)
    std::vector<float> cls_b_;      // F32 [n_embd]
    WeightMatrix cls_out_;          // RANK: [n_embd, n_labels]
    std::vector<float> cls_out_b_;  // F32 [n_labels]
    PackedWeights packed_weights_;  // after the matrices: they point into it
};

}  // namespace souverain
