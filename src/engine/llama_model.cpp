#include "engine/llama_model.h"

#include "engine/attention.h"
#include "engine/tensor_loader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace souverain {

Result<std::unique_ptr<LlamaModel>> LlamaModel::load(const std::string& path) {
    Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(path);
    if (!gguf) return gguf.error();
    return from_gguf(std::move(*gguf));
}

Result<std::unique_ptr<LlamaModel>> LlamaModel::from_gguf(std::unique_ptr<GgufFile> gguf) {
    const std::string origin = "model";
    std::unique_ptr<LlamaModel> model(new LlamaModel());
    const GgufFile& file = *gguf;

    std::optional<std::string_view> arch = file.get_string("general.architecture");
    if (!arch) return model_error(origin, "missing 'general.architecture'");
    if (*arch != "llama") {
        return make_error(ErrorCode::UNSUPPORTED,
                          "architecture '" + std::string(*arch) +
                              "' is not supported (this engine runs 'llama' models)");
    }
    if (auto name = file.get_string("general.name")) model->name_ = std::string(*name);

    LlamaHparams& hp = model->hparams_;
    const std::string prefix = "llama.";
    auto read = [&](const std::string& key, int64_t max_value,
                    std::optional<int64_t> fallback = std::nullopt) {
        return read_positive_metadata(file, origin, prefix + key, max_value, fallback);
    };
    Result<int64_t> n_embd = read("embedding_length", kMaxEmbd);
    if (!n_embd) return n_embd.error();
    Result<int64_t> n_layer = read("block_count", kMaxLayers);
    if (!n_layer) return n_layer.error();
    Result<int64_t> n_ff = read("feed_forward_length", kMaxEmbd * 16);
    if (!n_ff) return n_ff.error();
    Result<int64_t> n_head = read("attention.head_count", kMaxHeads);
    if (!n_head) return n_head.error();
    Result<int64_t> n_head_kv = read("attention.head_count_kv", kMaxHeads, *n_head);
    if (!n_head_kv) return n_head_kv.error();
    Result<int64_t> n_ctx_train = read("context_length", int64_t(1) << 24, 4096);
    if (!n_ctx_train) return n_ctx_train.error();
    hp.n_embd = *n_embd;
    hp.n_layer = *n_layer;
    hp.n_ff = *n_ff;
    hp.n_head = *n_head;
    hp.n_head_kv = *n_head_kv;
    hp.n_ctx_train = *n_ctx_train;
    if (hp.n_embd % hp.n_head != 0)
        return model_error(origin, "n_embd is not a multiple of n_head");
    if (hp.n_head % hp.n_head_kv != 0) {
        return model_error(origin, "attention.head_count is not a multiple of head_count_kv");
    }
    hp.head_dim = hp.n_embd / hp.n_head;
    Result<int64_t> n_rot = read("rope.dimension_count", hp.head_dim, hp.head_dim);
    if (!n_rot) return n_rot.error();
    if (*n_rot % 2 != 0) return model_error(origin, "rope.dimension_count must be even");
    hp.n_rot = *n_rot;
    if (auto eps = file.get_float(prefix + "attention.layer_norm_rms_epsilon")) {
        if (!(*eps > 0.0 && *eps < 1.0)) return model_error(origin, "rms epsilon out of (0, 1)");
        hp.rms_eps = (float)*eps;
    }
    if (auto base = file.get_float(prefix + "rope.freq_base")) {
        if (!(*base > 1.0 && *base < 1e12))
            return model_error(origin, "rope.freq_base out of range");
        hp.rope_freq_base = (float)*base;
    }

    const GgufTensorInfo* embd_info = file.find_tensor("token_embd.weight");
    if (!embd_info || embd_info->n_dims != 2) {
        return model_error(origin, "missing or malformed tensor 'token_embd.weight'");
    }
    hp.n_vocab = embd_info->ne[1];

    Result<std::shared_ptr<const Vocab>> vocab = Vocab::load(file);
    if (!vocab) return vocab.error();
    model->vocab_ = *vocab;
    if (model->vocab_->n_tokens() != hp.n_vocab) {
        return model_error(origin, "tokenizer has " + std::to_string(model->vocab_->n_tokens()) +
                                       " tokens but token_embd.weight has " +
                                       std::to_string(hp.n_vocab) + " rows");
    }

    TensorLoader loader(file, origin);
    auto embd = loader.matrix("token_embd.weight", hp.n_embd, hp.n_vocab);
    if (!embd) return embd.error();
    model->token_embd_ = *embd;
    auto out_norm = loader.vector("output_norm.weight", hp.n_embd);
    if (!out_norm) return out_norm.error();
    model->output_norm_ = std::move(*out_norm);
    if (loader.find("output.weight")) {
        auto output = loader.matrix("output.weight", hp.n_embd, hp.n_vocab);
        if (!output) return output.error();
        model->output_ = *output;
    } else {
        model->output_ = model->token_embd_;  // tied embeddings
    }

    const int64_t n_embd_kv = hp.n_embd_kv();
    model->layers_.resize((size_t)hp.n_layer);
    for (int64_t layer_idx = 0; layer_idx < hp.n_layer; ++layer_idx) {
        LlamaLayer& layer = model->layers_[(size_t)layer_idx];
        const std::string blk = "blk." + std::to_string(layer_idx) + ".";
        struct MatrixSpec {
            WeightMatrix* dst;
            const char* name;
            int64_t n_in;
            int64_t n_out;
        };
        const MatrixSpec specs[] = {
            {&layer.wq, "attn_q.weight", hp.n_embd, hp.n_embd},
            {&layer.wk, "attn_k.weight", hp.n_embd, n_embd_kv},
            {&layer.wv, "attn_v.weight", hp.n_embd, n_embd_kv},
            {&layer.wo, "attn_output.weight", hp.n_embd, hp.n_embd},
            {&layer.w_gate, "ffn_gate.weight", hp.n_embd, hp.n_ff},
            {&layer.w_up, "ffn_up.weight", hp.n_embd, hp.n_ff},
            {&layer.w_down, "ffn_down.weight", hp.n_ff, hp.n_embd},
        };
        for (const MatrixSpec& spec : specs) {
            auto w = loader.matrix(blk + spec.name, spec.n_in, spec.n_out);
            if (!w) return w.error();
            *spec.dst = *w;
        }
        auto attn_norm = loader.vector(blk + "attn_norm.weight", hp.n_embd);
        if (!attn_norm) return attn_norm.error();
        layer.attn_norm = std::move(*attn_norm);
        auto ffn_norm = loader.vector(blk + "ffn_norm.weight", hp.n_embd);
        if (!ffn_norm) return ffn_norm.error();
        layer.ffn_norm = std::move(*ffn_norm);
    }
    // Matmul weights into the kernels' panel layout where this CPU's level has one.
    std::vector<WeightMatrix*> matrices;
    std::vector<bool> release_source;
    // Pages are handed back only from a file mapping: caller-owned bytes (from_memory) would
    // be zeroed, not re-read.
    const bool may_release = file.is_file_mapping();
    for (LlamaLayer& layer : model->layers_) {
        for (WeightMatrix* w : {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.w_gate,
                                &layer.w_up, &layer.w_down}) {
            matrices.push_back(w);
            release_source.push_back(may_release);
        }
    }
    matrices.push_back(&model->output_);
    release_source.push_back(may_release && model->output_.data != model->token_embd_.data);
    model->packed_weights_.pack(matrices, release_source,
                                (int)std::max(1u, std::thread::hardware_concurrency()));

    model->gguf_ = std::move(gguf);
    return model;
}

Result<std::unique_ptr<KvCache>> LlamaModel::make_cache(int64_t n_ctx, KvCacheType type) const {
    if (n_ctx < 1) return make_error(ErrorCode::INVALID_ARGUMENT, "context length must be >= 1");
    if (!KvCache::supports_type(type, hparams_.n_embd_kv(), hparams_.head_dim)) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "this model's attention heads (" + std::to_string(hparams_.head_dim) +
                              " dimensions) cannot use a q8_0 KV cache; use f16");
    }
    return std::make_unique<KvCache>((int)hparams_.n_layer, n_ctx, hparams_.n_embd_kv(), type);
}

Status LlamaModel::forward(std::span<const int32_t> tokens, KvCache& cache, ThreadPool& pool,
                           bool all_logits, std::vector<float>& logits) const {
    const SequenceBatch sequence{&cache, tokens,
                                 all_logits ? LogitsWanted::ALL : LogitsWanted::LAST};
    return forward_batch(std::span<const SequenceBatch>(&sequence, 1), pool, logits);
}

Status LlamaModel::forward_batch(std::span<const SequenceBatch> sequences, ThreadPool& pool,
                                 std::vector<float>& logits) const {
    const LlamaHparams& hp = hparams_;
    if (sequences.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "forward: no sequences");
    int64_t n_tokens = 0;
    for (size_t seq_idx = 0; seq_idx < sequences.size(); ++seq_idx) {
        const SequenceBatch& seq = sequences[seq_idx];
        const int64_t n_seq_tokens = (int64_t)seq.tokens.size();
        if (n_seq_tokens == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "forward: no tokens");
        for (size_t other_idx = 0; other_idx < seq_idx; ++other_idx) {
            if (sequences[other_idx].cache == seq.cache) {
                return make_error(ErrorCode::INVALID_ARGUMENT,
                                  "forward: one cache given to two sequences of a batch");
            }
        }
        if (seq.cache->n_past() + n_seq_tokens > seq.cache->n_ctx()) {
            return make_error(
                ErrorCode::OUT_OF_RANGE,
                "context is full: " + std::to_string(seq.cache->n_past() + n_seq_tokens) +
                    " positions needed, the context holds " + std::to_string(seq.cache->n_ctx()));
        }
        for (int32_t token : seq.tokens) {
            if (token < 0 || token >= hp.n_vocab) {
                return make_error(ErrorCode::INVALID_ARGUMENT,
                                  "token id " + std::to_string(token) +
                                      " is outside the vocabulary [0, " +
                                      std::to_string(hp.n_vocab) + ")");
            }
        }
        n_tokens += n_seq_tokens;
    }

    const int64_t n_embd = hp.n_embd;
    const int64_t n_embd_kv = hp.n_embd_kv();
    std::vector<float> x((size_t)(n_embd * n_tokens));      // F32 [n_embd, n_tokens] residual
    std::vector<float> h((size_t)(n_embd * n_tokens));      // F32 [n_embd, n_tokens] normed
    std::vector<float> q((size_t)(n_embd * n_tokens));      // F32 [n_embd, n_tokens]
    std::vector<float> k((size_t)(n_embd_kv * n_tokens));   // F32 [n_embd_kv, n_tokens]
    std::vector<float> v((size_t)(n_embd_kv * n_tokens));   // F32 [n_embd_kv, n_tokens]
    std::vector<float> attn((size_t)(n_embd * n_tokens));   // F32 [n_embd, n_tokens]
    std::vector<float> gate((size_t)(hp.n_ff * n_tokens));  // F32 [n_ff, n_tokens]
    std::vector<float> up((size_t)(hp.n_ff * n_tokens));    // F32 [n_ff, n_tokens]

    // Per token of the batch: its cache and position. Per sequence: its attention segment.
    std::vector<KvCache*> token_cache((size_t)n_tokens);
    std::vector<int64_t> token_pos((size_t)n_tokens);
    std::vector<AttentionSegment> segments(sequences.size());
    {
        int64_t token_idx = 0;
        for (size_t seq_idx = 0; seq_idx < sequences.size(); ++seq_idx) {
            const SequenceBatch& seq = sequences[seq_idx];
            const int64_t pos0 = seq.cache->n_past();
            segments[seq_idx] = {q.data() + token_idx * n_embd, attn.data() + token_idx * n_embd,
                                 (int64_t)seq.tokens.size(), pos0, seq.cache};
            for (size_t local_idx = 0; local_idx < seq.tokens.size(); ++local_idx, ++token_idx) {
                token_cache[(size_t)token_idx] = seq.cache;
                token_pos[(size_t)token_idx] = pos0 + (int64_t)local_idx;
                get_row(token_embd_, seq.tokens[local_idx], x.data() + token_idx * n_embd);
            }
        }
    }

    for (int64_t layer_idx = 0; layer_idx < hp.n_layer; ++layer_idx) {
        const LlamaLayer& layer = layers_[(size_t)layer_idx];
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            rms_norm(x.data() + token_idx * n_embd, layer.attn_norm.data(),
                     h.data() + token_idx * n_embd, n_embd, hp.rms_eps);
        }
        matmul(layer.wq, h.data(), q.data(), n_tokens, pool);
        matmul(layer.wk, h.data(), k.data(), n_tokens, pool);
        matmul(layer.wv, h.data(), v.data(), n_tokens, pool);
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            const int64_t pos = token_pos[(size_t)token_idx];
            rope_norm(q.data() + token_idx * n_embd, hp.n_head, hp.head_dim, hp.n_rot, pos,
                      hp.rope_freq_base);
            rope_norm(k.data() + token_idx * n_embd_kv, hp.n_head_kv, hp.head_dim, hp.n_rot, pos,
                      hp.rope_freq_base);
            token_cache[(size_t)token_idx]->store((int)layer_idx, pos,
                                                  k.data() + token_idx * n_embd_kv,
                                                  v.data() + token_idx * n_embd_kv);
        }
        causal_attention_batch(segments.data(), (int64_t)segments.size(), (int)layer_idx,
                               {hp.n_head, hp.n_head_kv, hp.head_dim}, pool);
        matmul(layer.wo, attn.data(), h.data(), n_tokens, pool);
        for (size_t idx = 0; idx < x.size(); ++idx) x[idx] += h[idx];

        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            rms_norm(x.data() + token_idx * n_embd, layer.ffn_norm.data(),
                     h.data() + token_idx * n_embd, n_embd, hp.rms_eps);
        }
        matmul(layer.w_gate, h.data(), gate.data(), n_tokens, pool);
        matmul(layer.w_up, h.data(), up.data(), n_tokens, pool);
        silu_mul(gate.data(), up.data(), hp.n_ff * n_tokens);
        matmul(layer.w_down, gate.data(), h.data(), n_tokens, pool);
        for (size_t idx = 0; idx < x.size(); ++idx) x[idx] += h[idx];
    }

    // Only the requested positions go through the (large) output matrix.
    int64_t n_out = 0;
    {
        int64_t token_idx = 0;
        for (const SequenceBatch& seq : sequences) {
            const int64_t n_seq_tokens = (int64_t)seq.tokens.size();
            const int64_t first_out = seq.logits == LogitsWanted::ALL    ? 0
                                      : seq.logits == LogitsWanted::LAST ? n_seq_tokens - 1
                                                                         : n_seq_tokens;
            for (int64_t local_idx = first_out; local_idx < n_seq_tokens; ++local_idx, ++n_out) {
                rms_norm(x.data() + (token_idx + local_idx) * n_embd, output_norm_.data(),
                         h.data() + n_out * n_embd, n_embd, hp.rms_eps);
            }
            token_idx += n_seq_tokens;
            seq.cache->set_n_past(seq.cache->n_past() + n_seq_tokens);
        }
    }
    logits.resize((size_t)(hp.n_vocab * n_out));  // F32 [n_vocab, n_out]
    if (n_out > 0) matmul(output_, h.data(), logits.data(), n_out, pool);
    return Status::success();
}

}  // namespace souverain
