#include "engine/bert_model.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "engine/tensor_loader.h"

namespace souverain {

namespace {

constexpr int64_t kMaxPositions = 1 << 16;
constexpr int64_t kMaxTokenTypes = 1 << 10;

// One sequence's rows inside the batch buffers.
struct Segment {
    int64_t first_token = 0;
    int64_t n_tokens = 0;
};

// Bidirectional multi-head attention within each segment: every token sees every token of its
// own sequence and none of the others. q, k, v F32 [n_embd, n_tokens] -> out F32 [n_embd,
// n_tokens]. One task per (segment, head); the scores of one query row live in a thread-local
// buffer, so memory stays O(longest sequence).
void bidirectional_attention(const float* q, const float* k, const float* v, float* out,
                             std::span<const Segment> segments, int64_t n_head, int64_t head_dim,
                             ThreadPool& pool) {
    const int64_t n_embd = n_head * head_dim;
    const float scale = 1.0f / std::sqrt((float)head_dim);
    pool.parallel_for((int64_t)segments.size() * n_head, [&](int64_t task_idx, int) {
        const Segment& seg = segments[(size_t)(task_idx / n_head)];
        const int64_t head_off = (task_idx % n_head) * head_dim;
        thread_local std::vector<float> scores;  // F32 [n_tokens of the segment]
        scores.resize((size_t)seg.n_tokens);
        for (int64_t query_idx = 0; query_idx < seg.n_tokens; ++query_idx) {
            const float* q_row = q + (seg.first_token + query_idx) * n_embd + head_off;
            for (int64_t key_idx = 0; key_idx < seg.n_tokens; ++key_idx) {
                const float* k_row = k + (seg.first_token + key_idx) * n_embd + head_off;
                float dot = 0.0f;
                for (int64_t dim = 0; dim < head_dim; ++dim) dot += q_row[dim] * k_row[dim];
                scores[(size_t)key_idx] = dot * scale;
            }
            softmax(scores.data(), seg.n_tokens);
            float* out_row = out + (seg.first_token + query_idx) * n_embd + head_off;
            std::fill(out_row, out_row + head_dim, 0.0f);
            for (int64_t key_idx = 0; key_idx < seg.n_tokens; ++key_idx) {
                const float* v_row = v + (seg.first_token + key_idx) * n_embd + head_off;
                const float weight = scores[(size_t)key_idx];
                for (int64_t dim = 0; dim < head_dim; ++dim) out_row[dim] += weight * v_row[dim];
            }
        }
    });
}

// y F32 [n, n_tokens] += bias F32 [n] for every token.
void add_bias(float* y, const std::vector<float>& bias, int64_t n_tokens) {
    const int64_t n = (int64_t)bias.size();
    for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
        float* col = y + token_idx * n;
        for (int64_t idx = 0; idx < n; ++idx) col[idx] += bias[(size_t)idx];
    }
}

}  // namespace

Result<std::unique_ptr<BertModel>> BertModel::load(const std::string& path) {
    Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(path);
    if (!gguf) return gguf.error();
    return from_gguf(std::move(*gguf));
}

Result<std::unique_ptr<BertModel>> BertModel::from_gguf(std::unique_ptr<GgufFile> gguf) {
    const std::string origin = "model";
    std::unique_ptr<BertModel> model(new BertModel());
    const GgufFile& file = *gguf;

    std::optional<std::string_view> arch = file.get_string("general.architecture");
    if (!arch) return model_error(origin, "missing 'general.architecture'");
    if (*arch != "bert") {
        return make_error(ErrorCode::UNSUPPORTED, "architecture '" + std::string(*arch) +
                                                      "' is not an encoder this engine runs "
                                                      "(expected 'bert')");
    }
    if (auto name = file.get_string("general.name")) model->name_ = std::string(*name);

    BertHparams& hp = model->hparams_;
    auto read = [&](const std::string& key, int64_t max_value,
                    std::optional<int64_t> fallback = std::nullopt) {
        return read_positive_metadata(file, origin, "bert." + key, max_value, fallback);
    };
    Result<int64_t> n_embd = read("embedding_length", kMaxEmbd);
    if (!n_embd) return n_embd.error();
    Result<int64_t> n_layer = read("block_count", kMaxLayers);
    if (!n_layer) return n_layer.error();
    Result<int64_t> n_ff = read("feed_forward_length", kMaxEmbd * 16);
    if (!n_ff) return n_ff.error();
    Result<int64_t> n_head = read("attention.head_count", kMaxHeads);
    if (!n_head) return n_head.error();
    Result<int64_t> n_ctx = read("context_length", kMaxPositions);
    if (!n_ctx) return n_ctx.error();
    hp.n_embd = *n_embd;
    hp.n_layer = *n_layer;
    hp.n_ff = *n_ff;
    hp.n_head = *n_head;
    hp.n_ctx_train = *n_ctx;
    if (hp.n_embd % hp.n_head != 0) {
        return model_error(origin, "bert.embedding_length " + std::to_string(hp.n_embd) +
                                       " is not a multiple of bert.attention.head_count " +
                                       std::to_string(hp.n_head));
    }
    hp.head_dim = hp.n_embd / hp.n_head;
    if (auto eps = file.get_float("bert.attention.layer_norm_epsilon")) {
        if (!(*eps > 0.0 && *eps < 1.0)) {
            return model_error(origin, "bert.attention.layer_norm_epsilon out of (0, 1)");
        }
        hp.norm_eps = (float)*eps;
    }
    // llama.cpp numbering: 0 none, 1 mean, 2 cls, 3 last, 4 rank. A sentence encoder without
    // the key is pooled by mean, as sentence-transformers does by default.
    const std::optional<int64_t> pooling = file.get_int("bert.pooling_type");
    if (!pooling || *pooling == 1) {
        hp.pooling = PoolingType::MEAN;
    } else if (*pooling == 2) {
        hp.pooling = PoolingType::CLS;
    } else if (*pooling == 4) {
        hp.pooling = PoolingType::RANK;
    } else {
        return make_error(ErrorCode::UNSUPPORTED, origin + ": bert.pooling_type " +
                                                      std::to_string(*pooling) +
                                                      " is not supported (1 mean, 2 cls, 4 rank)");
    }

    const GgufTensorInfo* embd_info = file.find_tensor("token_embd.weight");
    if (!embd_info || embd_info->n_dims != 2) {
        return model_error(origin, "missing or malformed tensor 'token_embd.weight'");
    }
    hp.n_vocab = embd_info->ne[1];
    const GgufTensorInfo* types_info = file.find_tensor("token_types.weight");
    if (!types_info || types_info->n_dims != 2 || types_info->ne[1] < 1 ||
        types_info->ne[1] > kMaxTokenTypes) {
        return model_error(origin, "missing or malformed tensor 'token_types.weight'");
    }
    hp.n_token_types = types_info->ne[1];

    Result<std::shared_ptr<const Vocab>> vocab = Vocab::load(file);
    if (!vocab) return vocab.error();
    model->vocab_ = *vocab;
    if (model->vocab_->n_tokens() != hp.n_vocab) {
        return model_error(origin, "tokenizer has " + std::to_string(model->vocab_->n_tokens()) +
                                       " tokens but token_embd.weight has " +
                                       std::to_string(hp.n_vocab) + " rows");
    }

    TensorLoader loader(file, origin);
    auto load_matrix = [&](WeightMatrix& dst, const std::string& name, int64_t n_in,
                           int64_t n_out) -> Status {
        Result<WeightMatrix> w = loader.matrix(name, n_in, n_out);
        if (!w) return w.error();
        dst = *w;
        return Status::success();
    };
    auto load_vector = [&](std::vector<float>& dst, const std::string& name, int64_t n) -> Status {
        Result<std::vector<float>> values = loader.vector(name, n);
        if (!values) return values.error();
        dst = std::move(*values);
        return Status::success();
    };
    SOUVERAIN_TRY(load_matrix(model->token_embd_, "token_embd.weight", hp.n_embd, hp.n_vocab));
    SOUVERAIN_TRY(
        load_matrix(model->token_types_, "token_types.weight", hp.n_embd, hp.n_token_types));
    SOUVERAIN_TRY(
        load_matrix(model->position_embd_, "position_embd.weight", hp.n_embd, hp.n_ctx_train));
    SOUVERAIN_TRY(load_vector(model->embd_norm_w_, "token_embd_norm.weight", hp.n_embd));
    SOUVERAIN_TRY(load_vector(model->embd_norm_b_, "token_embd_norm.bias", hp.n_embd));

    model->layers_.resize((size_t)hp.n_layer);
    for (int64_t layer_idx = 0; layer_idx < hp.n_layer; ++layer_idx) {
        BertLayer& layer = model->layers_[(size_t)layer_idx];
        const std::string blk = "blk." + std::to_string(layer_idx) + ".";
        SOUVERAIN_TRY(load_matrix(layer.wq, blk + "attn_q.weight", hp.n_embd, hp.n_embd));
        SOUVERAIN_TRY(load_matrix(layer.wk, blk + "attn_k.weight", hp.n_embd, hp.n_embd));
        SOUVERAIN_TRY(load_matrix(layer.wv, blk + "attn_v.weight", hp.n_embd, hp.n_embd));
        SOUVERAIN_TRY(load_matrix(layer.wo, blk + "attn_output.weight", hp.n_embd, hp.n_embd));
        SOUVERAIN_TRY(load_matrix(layer.w_up, blk + "ffn_up.weight", hp.n_embd, hp.n_ff));
        SOUVERAIN_TRY(load_matrix(layer.w_down, blk + "ffn_down.weight", hp.n_ff, hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.bq, blk + "attn_q.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.bk, blk + "attn_k.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.bv, blk + "attn_v.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.bo, blk + "attn_output.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.b_up, blk + "ffn_up.bias", hp.n_ff));
        SOUVERAIN_TRY(load_vector(layer.b_down, blk + "ffn_down.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.attn_norm_w, blk + "attn_output_norm.weight", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.attn_norm_b, blk + "attn_output_norm.bias", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.out_norm_w, blk + "layer_output_norm.weight", hp.n_embd));
        SOUVERAIN_TRY(load_vector(layer.out_norm_b, blk + "layer_output_norm.bias", hp.n_embd));
    }

    if (hp.pooling == PoolingType::RANK) {
        // jina-reranker-v1 style files without cls.output are not handled: their score is a
        // vector, not one logit.
        const GgufTensorInfo* out_info = file.find_tensor("cls.output.weight");
        if (!out_info || out_info->n_dims < 1 || out_info->n_dims > 2) {
            return model_error(origin,
                               "a reranker (bert.pooling_type 4) needs the classification head "
                               "'cls.output.weight' [n_embd, n_labels]");
        }
        hp.n_labels = out_info->n_dims == 2 ? out_info->ne[1] : 1;
        if (hp.n_labels < 1 || hp.n_labels > kMaxTokenTypes) {
            return model_error(origin, "cls.output.weight has " + std::to_string(hp.n_labels) +
                                           " labels; expected 1 to " +
                                           std::to_string(kMaxTokenTypes));
        }
        SOUVERAIN_TRY(load_matrix(model->cls_, "cls.weight", hp.n_embd, hp.n_embd));
        SOUVERAIN_TRY(load_vector(model->cls_b_, "cls.bias", hp.n_embd));
        SOUVERAIN_TRY(load_matrix(model->cls_out_, "cls.output.weight", hp.n_embd, hp.n_labels));
        SOUVERAIN_TRY(load_vector(model->cls_out_b_, "cls.output.bias", hp.n_labels));
    }

    // Block matrices into the kernels' panel layout where this CPU's level has one; the
    // embedding tables stay rows (get_row reads them).
    std::vector<WeightMatrix*> matrices;
    std::vector<bool> release_source;
    const bool may_release = file.is_file_mapping();
    for (BertLayer& layer : model->layers_) {
        for (WeightMatrix* w :
             {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.w_up, &layer.w_down}) {
            matrices.push_back(w);
            release_source.push_back(may_release);
        }
    }
    model->packed_weights_.pack(matrices, release_source,
                                (int)std::max(1u, std::thread::hardware_concurrency()));
    model->gguf_ = std::move(gguf);
    return model;
}

std::vector<int32_t> BertModel::tokenize(std::string_view text, bool* truncated) const {
    std::vector<int32_t> tokens = vocab_->tokenize(text, /*add_special=*/true,
                                                   /*parse_special=*/false);
    const bool cut = (int64_t)tokens.size() > hparams_.n_ctx_train;
    if (cut) {
        // The closing special token ([SEP], </s>) stays last, as sentence-transformers cuts.
        const int32_t last = tokens.back();
        tokens.resize((size_t)hparams_.n_ctx_train);
        if (vocab_->is_control(last)) tokens.back() = last;
    }
    if (truncated) *truncated = cut;
    return tokens;
}

Result<std::vector<std::vector<float>>> BertModel::embed(std::span<const std::string> texts,
                                                         ThreadPool& pool,
                                                         std::vector<EmbedInputInfo>* info) const {
    std::vector<std::vector<int32_t>> sequences;
    sequences.reserve(texts.size());
    if (info) info->assign(texts.size(), {});
    for (size_t text_idx = 0; text_idx < texts.size(); ++text_idx) {
        bool truncated = false;
        sequences.push_back(tokenize(texts[text_idx], &truncated));
        if (info) (*info)[text_idx] = {(int64_t)sequences.back().size(), truncated};
    }
    return embed_tokens(sequences, pool);
}

Result<std::vector<float>> BertModel::encode(std::span<const std::vector<int32_t>> sequences,
                                             std::span<const std::vector<int32_t>> token_types,
                                             std::vector<int64_t>& first_tokens,
                                             ThreadPool& pool) const {
    const BertHparams& hp = hparams_;
    std::vector<Segment> segments(sequences.size());
    int64_t n_tokens = 0;
    for (size_t seq_idx = 0; seq_idx < sequences.size(); ++seq_idx) {
        const std::vector<int32_t>& seq = sequences[seq_idx];
        if (seq.empty()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "input " + std::to_string(seq_idx) + " has no tokens");
        }
        if ((int64_t)seq.size() > hp.n_ctx_train) {
            return make_error(ErrorCode::OUT_OF_RANGE, "input " + std::to_string(seq_idx) +
                                                           " has " + std::to_string(seq.size()) +
                                                           " tokens; the model reads at most " +
                                                           std::to_string(hp.n_ctx_train));
        }
        for (int32_t token : seq) {
            if (token < 0 || token >= hp.n_vocab) {
                return make_error(ErrorCode::INVALID_ARGUMENT,
                                  "token id " + std::to_string(token) +
                                      " is outside the vocabulary [0, " +
                                      std::to_string(hp.n_vocab) + ")");
            }
        }
        if (!token_types.empty()) {
            const std::vector<int32_t>& types = token_types[seq_idx];
            if (types.size() != seq.size()) {
                return make_error(ErrorCode::INVALID_ARGUMENT,
                                  "input " + std::to_string(seq_idx) + " has " +
                                      std::to_string(types.size()) + " token types for " +
                                      std::to_string(seq.size()) + " tokens");
            }
            for (int32_t type : types) {
                if (type < 0 || type >= hp.n_token_types) {
                    return make_error(ErrorCode::INVALID_ARGUMENT,
                                      "token type " + std::to_string(type) +
                                          " is outside the model's [0, " +
                                          std::to_string(hp.n_token_types) + ")");
                }
            }
        }
        segments[seq_idx] = {n_tokens, (int64_t)seq.size()};
        n_tokens += (int64_t)seq.size();
    }
    first_tokens.resize(sequences.size());
    for (size_t seq_idx = 0; seq_idx < segments.size(); ++seq_idx) {
        first_tokens[seq_idx] = segments[seq_idx].first_token;
    }
    if (n_tokens == 0) return std::vector<float>();

    const int64_t n_embd = hp.n_embd;
    std::vector<float> x((size_t)(n_embd * n_tokens));     // F32 [n_embd, n_tokens] residual
    std::vector<float> q((size_t)(n_embd * n_tokens));     // F32 [n_embd, n_tokens]
    std::vector<float> k((size_t)(n_embd * n_tokens));     // F32 [n_embd, n_tokens]
    std::vector<float> v((size_t)(n_embd * n_tokens));     // F32 [n_embd, n_tokens]
    std::vector<float> attn((size_t)(n_embd * n_tokens));  // F32 [n_embd, n_tokens]
    std::vector<float> h((size_t)(n_embd * n_tokens));     // F32 [n_embd, n_tokens]
    std::vector<float> up((size_t)(hp.n_ff * n_tokens));   // F32 [n_ff, n_tokens]

    // Word + token type + position (counted from 0 in each sequence), then LayerNorm.
    {
        std::vector<std::vector<float>> type_rows((size_t)hp.n_token_types);  // F32 [n_embd]
        type_rows[0].resize((size_t)n_embd);
        get_row(token_types_, 0, type_rows[0].data());
        std::vector<float> pos_row((size_t)n_embd);  // F32 [n_embd]
        for (size_t seq_idx = 0; seq_idx < sequences.size(); ++seq_idx) {
            const Segment& seg = segments[seq_idx];
            for (int64_t pos = 0; pos < seg.n_tokens; ++pos) {
                const int32_t type = token_types.empty() ? 0 : token_types[seq_idx][(size_t)pos];
                std::vector<float>& type_row = type_rows[(size_t)type];
                if (type_row.empty()) {
                    type_row.resize((size_t)n_embd);
                    get_row(token_types_, type, type_row.data());
                }
                float* row = h.data() + (seg.first_token + pos) * n_embd;
                get_row(token_embd_, sequences[seq_idx][(size_t)pos], row);
                get_row(position_embd_, pos, pos_row.data());
                for (int64_t idx = 0; idx < n_embd; ++idx) row[idx] += type_row[idx] + pos_row[idx];
                layer_norm(row, embd_norm_w_.data(), embd_norm_b_.data(),
                           x.data() + (seg.first_token + pos) * n_embd, n_embd, hp.norm_eps);
            }
        }
    }

    for (const BertLayer& layer : layers_) {
        matmul(layer.wq, x.data(), q.data(), n_tokens, pool);
        matmul(layer.wk, x.data(), k.data(), n_tokens, pool);
        matmul(layer.wv, x.data(), v.data(), n_tokens, pool);
        add_bias(q.data(), layer.bq, n_tokens);
        add_bias(k.data(), layer.bk, n_tokens);
        add_bias(v.data(), layer.bv, n_tokens);
        bidirectional_attention(q.data(), k.data(), v.data(), attn.data(), segments, hp.n_head,
                                hp.head_dim, pool);
        matmul(layer.wo, attn.data(), h.data(), n_tokens, pool);
        add_bias(h.data(), layer.bo, n_tokens);
        // Post-norm: the residual sum is normalized, and the normalized value is the residual.
        for (size_t idx = 0; idx < x.size(); ++idx) h[idx] += x[idx];
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            layer_norm(h.data() + token_idx * n_embd, layer.attn_norm_w.data(),
                       layer.attn_norm_b.data(), x.data() + token_idx * n_embd, n_embd,
                       hp.norm_eps);
        }

        matmul(layer.w_up, x.data(), up.data(), n_tokens, pool);
        add_bias(up.data(), layer.b_up, n_tokens);
        gelu(up.data(), (int64_t)up.size());
        matmul(layer.w_down, up.data(), h.data(), n_tokens, pool);
        add_bias(h.data(), layer.b_down, n_tokens);
        for (size_t idx = 0; idx < x.size(); ++idx) h[idx] += x[idx];
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            layer_norm(h.data() + token_idx * n_embd, layer.out_norm_w.data(),
                       layer.out_norm_b.data(), x.data() + token_idx * n_embd, n_embd, hp.norm_eps);
        }
    }
    return x;
}

Result<std::vector<std::vector<float>>> BertModel::embed_tokens(
    std::span<const std::vector<int32_t>> sequences, ThreadPool& pool) const {
    if (is_reranker()) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "this model is a reranker (bert.pooling_type 4): it scores (query, "
                          "passage) pairs and gives no embeddings");
    }
    const BertHparams& hp = hparams_;
    std::vector<int64_t> first_tokens;
    Result<std::vector<float>> states = encode(sequences, {}, first_tokens, pool);
    if (!states) return states.error();
    const std::vector<float>& x = *states;
    const int64_t n_embd = hp.n_embd;
    std::vector<std::vector<float>> embeddings(sequences.size());
    for (size_t seq_idx = 0; seq_idx < sequences.size(); ++seq_idx) {
        const int64_t first_token = first_tokens[seq_idx];
        std::vector<double> pooled((size_t)n_embd, 0.0);  // F64 [n_embd]
        const int64_t n_pooled =
            hp.pooling == PoolingType::CLS ? 1 : (int64_t)sequences[seq_idx].size();
        for (int64_t pos = 0; pos < n_pooled; ++pos) {
            const float* row = x.data() + (first_token + pos) * n_embd;
            for (int64_t idx = 0; idx < n_embd; ++idx) pooled[(size_t)idx] += row[idx];
        }
        double norm_sq = 0.0;
        for (double& value : pooled) {
            value /= (double)n_pooled;
            norm_sq += value * value;
        }
        // A zero vector stays zero rather than becoming NaN.
        const double inv_norm = norm_sq > 0.0 ? 1.0 / std::sqrt(norm_sq) : 0.0;
        std::vector<float>& out = embeddings[seq_idx];
        out.resize((size_t)n_embd);
        for (int64_t idx = 0; idx < n_embd; ++idx) {
            out[(size_t)idx] = (float)(pooled[(size_t)idx] * inv_norm);
        }
    }
    return embeddings;
}

Result<RerankInput> BertModel::tokenize_pair(std::string_view query,
                                             std::string_view passage) const {
    const bool wordpiece = vocab_->kind() == VocabKind::WPM;
    const int32_t open = wordpiece ? vocab_->cls_id() : vocab_->bos_id();
    const int32_t close = wordpiece ? vocab_->sep_id() : vocab_->eos_id();
    if (open < 0 || close < 0) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "the model's vocabulary has no start or separator token, so it cannot "
                          "frame a (query, passage) pair");
    }
    std::vector<int32_t> query_tokens = vocab_->tokenize(query, false, false);
    std::vector<int32_t> passage_tokens = vocab_->tokenize(passage, false, false);
    // RoBERTa-style pairs (XLM-R unigram) put two separators between the texts.
    const int64_t n_between = wordpiece ? 1 : 2;
    const int64_t n_special = 2 + n_between;
    RerankInput input;
    const int64_t budget = hparams_.n_ctx_train - n_special;
    if (budget < 2) {
        return make_error(ErrorCode::UNSUPPORTED, "the model's context (" +
                                                      std::to_string(hparams_.n_ctx_train) +
                                                      " tokens) is too short for a pair");
    }
    if ((int64_t)(query_tokens.size() + passage_tokens.size()) > budget) {
        input.truncated = true;
        const int64_t query_cap = budget / 2;
        const int64_t n_query = std::min<int64_t>(
            (int64_t)query_tokens.size(),
            std::max<int64_t>(query_cap, budget - (int64_t)passage_tokens.size()));
        query_tokens.resize((size_t)n_query);
        passage_tokens.resize(
            (size_t)std::min<int64_t>((int64_t)passage_tokens.size(), budget - n_query));
    }
    const int32_t second_type = hparams_.n_token_types > 1 ? 1 : 0;
    input.tokens.push_back(open);
    input.tokens.insert(input.tokens.end(), query_tokens.begin(), query_tokens.end());
    for (int64_t idx = 0; idx < n_between; ++idx) input.tokens.push_back(close);
    input.token_types.assign(input.tokens.size(), 0);
    if (!wordpiece) {
        // The second separator of a RoBERTa pair opens the passage.
        input.token_types.back() = second_type;
    }
    input.tokens.insert(input.tokens.end(), passage_tokens.begin(), passage_tokens.end());
    input.tokens.push_back(close);
    input.token_types.resize(input.tokens.size(), second_type);
    return input;
}

Result<std::vector<float>> BertModel::score(std::string_view query,
                                            std::span<const std::string> passages, ThreadPool& pool,
                                            std::vector<RerankInput>* inputs) const {
    std::vector<RerankInput> framed;
    framed.reserve(passages.size());
    for (const std::string& passage : passages) {
        Result<RerankInput> input = tokenize_pair(query, passage);
        if (!input) return input.error();
        framed.push_back(std::move(*input));
    }
    Result<std::vector<float>> scores = score_tokens(framed, pool);
    if (scores && inputs) *inputs = std::move(framed);
    return scores;
}

Result<std::vector<float>> BertModel::score_tokens(std::span<const RerankInput> inputs,
                                                   ThreadPool& pool) const {
    if (!is_reranker()) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "this model is not a reranker (bert.pooling_type is not 4 and it has "
                          "no classification head): it embeds texts, it does not score pairs");
    }
    const int64_t n_embd = hparams_.n_embd;
    const int64_t n_labels = hparams_.n_labels;
    // Pairs are encoded a batch at a time so that activations stay bounded (a batch holds
    // about kBatchTokens tokens, or one pair when a pair is longer).
    constexpr int64_t kBatchTokens = 4096;
    std::vector<float> scores;
    scores.reserve(inputs.size());
    size_t begin = 0;
    while (begin < inputs.size()) {
        size_t end = begin;
        int64_t n_tokens = 0;
        while (end < inputs.size() &&
               (end == begin || n_tokens + (int64_t)inputs[end].tokens.size() <= kBatchTokens)) {
            n_tokens += (int64_t)inputs[end].tokens.size();
            ++end;
        }
        std::vector<std::vector<int32_t>> sequences;
        std::vector<std::vector<int32_t>> types;
        for (size_t idx = begin; idx < end; ++idx) {
            sequences.push_back(inputs[idx].tokens);
            types.push_back(inputs[idx].token_types);
        }
        std::vector<int64_t> first_tokens;
        Result<std::vector<float>> states = encode(sequences, types, first_tokens, pool);
        if (!states) {
            if (states.error().code == ErrorCode::INVALID_ARGUMENT ||
                states.error().code == ErrorCode::OUT_OF_RANGE) {
                return make_error(states.error().code, "pair " + std::to_string(begin) +
                                                           "..: " + states.error().message);
            }
            return states.error();
        }
        const int64_t n_seq = (int64_t)sequences.size();
        std::vector<float> cls_states((size_t)(n_embd * n_seq));  // F32 [n_embd, n_seq]
        for (int64_t seq_idx = 0; seq_idx < n_seq; ++seq_idx) {
            const float* row = states->data() + first_tokens[(size_t)seq_idx] * n_embd;
            std::copy(row, row + n_embd, cls_states.data() + seq_idx * n_embd);
        }
        std::vector<float> pooled((size_t)(n_embd * n_seq));    // F32 [n_embd, n_seq]
        std::vector<float> logits((size_t)(n_labels * n_seq));  // F32 [n_labels, n_seq]
        matmul(cls_, cls_states.data(), pooled.data(), n_seq, pool);
        add_bias(pooled.data(), cls_b_, n_seq);
        for (float& value : pooled) value = std::tanh(value);
        matmul(cls_out_, pooled.data(), logits.data(), n_seq, pool);
        add_bias(logits.data(), cls_out_b_, n_seq);
        for (int64_t seq_idx = 0; seq_idx < n_seq; ++seq_idx) {
            scores.push_back(logits[(size_t)(seq_idx * n_labels)]);
        }
        begin = end;
    }
    return scores;
}

}  // namespace souverain
