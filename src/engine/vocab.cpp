// Vocabulary loading from GGUF metadata, special-token handling, the tokenize entry point and
// decoding. The segmentation algorithms live in tokenizer_{spm,bpe,wpm}.cpp.
#include "engine/vocab.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>

#include "engine/tokenizer_impl.h"
#include "engine/unicode.h"

namespace souverain {

namespace {

constexpr std::string_view KEY_MODEL = "tokenizer.ggml.model";
constexpr std::string_view KEY_PRE = "tokenizer.ggml.pre";
constexpr std::string_view KEY_TOKENS = "tokenizer.ggml.tokens";
constexpr std::string_view KEY_SCORES = "tokenizer.ggml.scores";
constexpr std::string_view KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
constexpr std::string_view KEY_MERGES = "tokenizer.ggml.merges";
constexpr std::string_view KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
constexpr std::string_view KEY_ADD_EOS = "tokenizer.ggml.add_eos_token";
constexpr std::string_view KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

constexpr std::string_view ESCAPED_SPACE = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Texts that make a token end generation (the eos/eot ids are added to these).
constexpr std::string_view EOG_TEXTS[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // DeepSeek
};

// Candidates for the end-of-turn token when the metadata names none, most specific first.
constexpr std::string_view EOT_TEXTS[] = {
    "<|eot_id|>", "<|im_end|>",    "<|end|>",         "<end_of_turn>",
    "<EOT>",      "<|endoftext|>", "<|end_of_text|>",
};

std::string key_str(std::string_view key) {
    return std::string(key);
}

// A token text for an error message: one line, bounded.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 48)) {
        const auto byte = static_cast<uint8_t>(c);
        if (byte < 0x20 || byte == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02X", byte);
            out += buf;
        } else {
            out.push_back(c);
        }
    }
    if (text.size() > 48) out += "...";
    return out;
}

Error format_error(std::string message) {
    return make_error(ErrorCode::FORMAT, std::move(message));
}

// An optional token id: absent keeps *id; present must be an integer within the vocabulary.
// With `lenient`, an integer outside the vocabulary means "no such token" (-1): published
// files carry bogus padding/mask ids that llama.cpp also ignores, and neither role is needed
// to run the model.
Status read_token_id(const GgufFile& gguf, std::string_view key, int32_t n_tokens, int32_t* id,
                     bool lenient) {
    const GgufValue* value = gguf.find(key);
    if (value == nullptr) return Status::success();
    if (!value->is_integer()) {
        return format_error(key_str(key) + " has type " + gguf_value_type_name(value->type) +
                            ", expected an integer token id");
    }
    const std::optional<int64_t> read = gguf.get_int(key);
    if (lenient && (!read || *read < 0 || *read >= n_tokens)) {
        *id = -1;
        return Status::success();
    }
    if (!read || *read < 0 || *read >= n_tokens) {
        const std::string shown = read ? std::to_string(*read) : std::to_string(value->u64);
        return format_error(key_str(key) + " = " + shown + " is out of range (vocabulary of " +
                            std::to_string(n_tokens) + " tokens)");
    }
    *id = static_cast<int32_t>(*read);
    return Status::success();
}

Status read_bool(const GgufFile& gguf, std::string_view key, bool* out) {
    const GgufValue* value = gguf.find(key);
    if (value == nullptr) return Status::success();
    if (value->type != GgufValueType::BOOL) {
        return format_error(key_str(key) + " has type " + gguf_value_type_name(value->type) +
                            ", expected bool");
    }
    *out = value->b;
    return Status::success();
}

// A numeric array with at least n_tokens elements, or nullptr when absent.
Result<const GgufValue*> find_numeric_array(const GgufFile& gguf, std::string_view key,
                                            int32_t n_tokens, bool allow_float) {
    const GgufValue* value = gguf.find(key);
    if (value == nullptr) return static_cast<const GgufValue*>(nullptr);
    const bool numeric = gguf_type_is_integer(value->array_type) ||
                         (allow_float && gguf_type_is_float(value->array_type));
    if (value->type != GgufValueType::ARRAY || !numeric) {
        return format_error(key_str(key) + " must be an array of " +
                            (allow_float ? "numbers" : "integers"));
    }
    if (value->array_count < static_cast<uint64_t>(n_tokens)) {
        return format_error(key_str(key) + " has " + std::to_string(value->array_count) +
                            " elements, fewer than the " + std::to_string(n_tokens) + " tokens");
    }
    return value;
}

TokenType token_type_from_int(int64_t value) {
    if (value >= 1 && value <= 6) return static_cast<TokenType>(value);
    return TokenType::UNDEFINED;
}

// Fills data.text_slots from the token texts (first id wins on a duplicate text).
void build_text_index(VocabData& data) {
    data.text_slots.assign(table_capacity(static_cast<size_t>(data.n_tokens)), TextSlot{});
    const size_t mask = data.text_slots.size() - 1;
    for (int32_t id = 0; id < data.n_tokens; ++id) {
        const std::string_view text = data.text(id);
        if (text.empty()) continue;
        const size_t hash = text_hash(text);
        for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            TextSlot& entry = data.text_slots[slot];
            if (entry.id < 0) {
                entry = TextSlot{static_cast<uint32_t>(hash), id};
                break;
            }
            if (entry.hash == static_cast<uint32_t>(hash) && data.text(entry.id) == text) break;
        }
    }
}

Status load_tokens(const GgufFile& gguf, VocabData& data) {
    const GgufValue* tokens = gguf.find(KEY_TOKENS);
    if (tokens == nullptr) {
        return make_error(ErrorCode::NOT_FOUND, key_str(KEY_TOKENS) + " is missing");
    }
    if (tokens->type != GgufValueType::ARRAY || tokens->array_type != GgufValueType::STRING) {
        return format_error(key_str(KEY_TOKENS) + " must be an array of strings");
    }
    const std::vector<std::string_view>& texts = tokens->array_strings;
    if (texts.empty()) return format_error(key_str(KEY_TOKENS) + " is empty");
    if (texts.size() >= static_cast<size_t>(INT32_MAX)) {
        return format_error(key_str(KEY_TOKENS) + " has too many tokens");
    }
    const auto n_tokens = static_cast<int32_t>(texts.size());
    data.n_tokens = n_tokens;

    size_t n_text_bytes = 0;
    for (const std::string_view text : texts) n_text_bytes += text.size();
    data.text_arena.reserve(n_text_bytes);
    data.text_offsets.reserve(texts.size() + 1);
    for (const std::string_view text : texts) {
        data.text_offsets.push_back(data.text_arena.size());
        data.text_arena.append(text);
        data.max_token_bytes = std::max(data.max_token_bytes, text.size());
    }
    data.text_offsets.push_back(data.text_arena.size());
    build_text_index(data);

    data.scores.assign(texts.size(), 0.0f);
    Result<const GgufValue*> scores = find_numeric_array(gguf, KEY_SCORES, n_tokens, true);
    if (!scores) return scores.error();
    if (const GgufValue* values = *scores) {
        const bool is_float = gguf_type_is_float(values->array_type);
        for (int32_t id = 0; id < n_tokens; ++id) {
            const double score =
                is_float ? values->array_f64(id) : static_cast<double>(values->array_i64(id));
            if (std::isnan(score)) {
                return format_error(key_str(KEY_SCORES) + "[" + std::to_string(id) + "] is NaN");
            }
            data.scores[id] = static_cast<float>(score);
        }
    }

    data.types.assign(texts.size(), TokenType::NORMAL);
    Result<const GgufValue*> types = find_numeric_array(gguf, KEY_TOKEN_TYPE, n_tokens, false);
    if (!types) return types.error();
    if (const GgufValue* values = *types) {
        for (int32_t id = 0; id < n_tokens; ++id) {
            data.types[id] = token_type_from_int(values->array_i64(id));
        }
    }
    return Status::success();
}

Status load_merges(const GgufFile& gguf, VocabData& data) {
    const GgufValue* merges = gguf.find(KEY_MERGES);
    if (merges == nullptr) {
        return make_error(ErrorCode::NOT_FOUND,
                          key_str(KEY_MERGES) + " is missing (needed by a gpt2 tokenizer)");
    }
    if (merges->type != GgufValueType::ARRAY || merges->array_type != GgufValueType::STRING) {
        return format_error(key_str(KEY_MERGES) + " must be an array of strings");
    }
    const std::vector<std::string_view>& rules = merges->array_strings;
    if (rules.size() >= static_cast<size_t>(INT32_MAX)) {
        return format_error(key_str(KEY_MERGES) + " has too many entries");
    }
    data.merge_slots.assign(table_capacity(rules.size()), MergeSlot{});
    const size_t mask = data.merge_slots.size() - 1;
    std::string joined;
    for (size_t rank = 0; rank < rules.size(); ++rank) {
        const std::string_view rule = rules[rank];
        // The separator is the first space after the first byte (a side may itself be " ").
        const size_t split = rule.size() > 1 ? rule.find(' ', 1) : std::string_view::npos;
        auto where = [&] { return key_str(KEY_MERGES) + "[" + std::to_string(rank) + "]"; };
        if (split == std::string_view::npos) {
            return format_error(where() + " '" + printable(rule) + "' is not two tokens");
        }
        const std::string_view left = rule.substr(0, split);
        const std::string_view right = rule.substr(split + 1);
        const int32_t left_id = data.find(left);
        const int32_t right_id = data.find(right);
        if (left_id < 0 || right_id < 0) {
            return format_error(where() + " names unknown token '" +
                                printable(left_id < 0 ? left : right) + "'");
        }
        joined.assign(left);
        joined.append(right);
        const int32_t result_id = data.find(joined);
        // A merge whose result is not a token could never be emitted: leave it out.
        if (result_id < 0) continue;
        // The first (lowest-rank) occurrence of a pair wins.
        const uint64_t key = bpe_merge_key(left_id, right_id);
        for (size_t slot = merge_hash(key) & mask;; slot = (slot + 1) & mask) {
            MergeSlot& entry = data.merge_slots[slot];
            if (entry.key == key) break;
            if (entry.key == UINT64_MAX) {
                entry = MergeSlot{key, BpeMerge{static_cast<int32_t>(rank), result_id}};
                break;
            }
        }
    }
    return Status::success();
}

// Pre-tokenizer and its defaults; *add_bos receives the family's default.
Status configure_bpe(const GgufFile& gguf, VocabData& data, bool* add_bos) {
    std::string_view pre;
    if (const GgufValue* value = gguf.find(KEY_PRE)) {
        if (value->type != GgufValueType::STRING) {
            return format_error(key_str(KEY_PRE) + " must be a string");
        }
        pre = value->str;
    }
    auto one_of = [&](std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), pre) != names.end();
    };
    if (one_of({"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"})) {
        data.pre = PreTokenizer::LLAMA3;
        data.ignore_merges = true;
        *add_bos = true;
    } else if (one_of({"dbrx", "smaug-bpe"})) {
        data.pre = PreTokenizer::LLAMA3;
    } else if (one_of({"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"})) {
        data.pre = PreTokenizer::QWEN2;
    } else if (one_of({"", "default", "gpt-2", "gpt2", "phi-2", "mpt", "olmo"})) {
        data.pre = PreTokenizer::GPT2;
    } else {
        return make_error(ErrorCode::UNSUPPORTED, "unsupported pre-tokenizer '" + printable(pre) +
                                                      "' (" + key_str(KEY_PRE) + ")");
    }
    return load_merges(gguf, data);
}

Status load_special_tokens(const GgufFile& gguf, VocabData& data) {
    const int32_t n_tokens = data.n_tokens;
    auto default_id = [&](int32_t id) { return id < n_tokens ? id : -1; };
    if (data.kind == VocabKind::SPM) {
        data.bos_id = default_id(1);
        data.eos_id = default_id(2);
        data.unk_id = default_id(0);
    } else if (data.kind == VocabKind::UGM) {
        // T5's layout; XLM-R files name their ids.
        data.pad_id = default_id(0);
        data.eos_id = default_id(1);
        data.unk_id = default_id(2);
    } else if (data.kind == VocabKind::WPM) {
        data.cls_id = default_id(101);
        data.unk_id = default_id(100);
        data.sep_id = default_id(102);
        data.pad_id = default_id(0);
        data.mask_id = default_id(103);
    }
    struct IdKey {
        std::string_view key;
        int32_t* id;
        bool lenient;
    };
    const IdKey keys[] = {
        {"tokenizer.ggml.bos_token_id", &data.bos_id, false},
        {"tokenizer.ggml.eos_token_id", &data.eos_id, false},
        {"tokenizer.ggml.eot_token_id", &data.eot_id, false},
        {"tokenizer.ggml.unknown_token_id", &data.unk_id, false},
        {"tokenizer.ggml.padding_token_id", &data.pad_id, true},
        {"tokenizer.ggml.seperator_token_id", &data.sep_id, false},  // sic: the GGUF key's spelling
        {"tokenizer.ggml.cls_token_id", &data.cls_id, false},
        {"tokenizer.ggml.mask_token_id", &data.mask_id, true},
    };
    for (const IdKey& entry : keys) {
        SOUVERAIN_TRY(read_token_id(gguf, entry.key, n_tokens, entry.id, entry.lenient));
    }

    if (data.kind == VocabKind::WPM) {
        // BERT frames a sequence as [CLS] ... [SEP]; an explicit BOS stands in for a missing CLS.
        if (gguf.find("tokenizer.ggml.cls_token_id") == nullptr && data.bos_id >= 0) {
            data.cls_id = data.bos_id;
        }
        if (data.bos_id < 0) data.bos_id = data.cls_id;
    }

    if (data.eot_id < 0) {
        for (const std::string_view text : EOT_TEXTS) {
            const int32_t id = data.find(text);
            if (id >= 0) {
                data.eot_id = id;
                break;
            }
        }
    }

    data.eog.assign(static_cast<size_t>(n_tokens), 0);
    for (const std::string_view text : EOG_TEXTS) {
        const int32_t id = data.find(text);
        if (id < 0) continue;
        data.eog[id] = 1;
        // A token recognized by its end-of-turn text is a control token even if the file says
        // otherwise (as llama.cpp does): it must never come out of plain text.
        if (data.types[id] == TokenType::NORMAL || data.types[id] == TokenType::USER_DEFINED) {
            data.types[id] = TokenType::CONTROL;
        }
    }
    if (data.eos_id >= 0) data.eog[data.eos_id] = 1;
    if (data.eot_id >= 0) data.eog[data.eot_id] = 1;

    for (int32_t id = 0; id < n_tokens; ++id) {
        const TokenType type = data.types[id];
        const bool special = type == TokenType::CONTROL || type == TokenType::USER_DEFINED ||
                             type == TokenType::UNKNOWN;
        if (special && !data.text(id).empty()) data.special_ids_by_length.push_back(id);
    }
    std::stable_sort(
        data.special_ids_by_length.begin(), data.special_ids_by_length.end(),
        [&](int32_t lhs, int32_t rhs) { return data.text(lhs).size() > data.text(rhs).size(); });

    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", byte);
        data.byte_to_id[byte] = data.find(name);
    }
    return Status::success();
}

// A fragment of the input: a special token split out, or a run of plain text.
struct Fragment {
    int32_t token = -1;  // >= 0: this special token; -1: text [offset, offset + length)
    size_t offset = 0;
    size_t length = 0;
};

// Splits the special tokens out of `text`, longest token text first, as llama.cpp does.
std::vector<Fragment> partition(const VocabData& data, std::string_view text, bool parse_special) {
    std::vector<Fragment> fragments;
    if (text.empty()) return fragments;
    fragments.push_back(Fragment{-1, 0, text.size()});
    std::vector<Fragment> next;
    for (const int32_t id : data.special_ids_by_length) {
        // Without parse_special only user-defined (added) tokens are matched.
        if (!parse_special && data.types[id] != TokenType::USER_DEFINED) continue;
        const std::string_view needle = data.text(id);
        next.clear();
        for (const Fragment& fragment : fragments) {
            if (fragment.token >= 0) {
                next.push_back(fragment);
                continue;
            }
            const size_t end = fragment.offset + fragment.length;
            const std::string_view scope = text.substr(0, end);
            size_t pos = fragment.offset;
            for (size_t match = scope.find(needle, pos); match != std::string_view::npos;
                 match = scope.find(needle, pos)) {
                if (match > pos) next.push_back(Fragment{-1, pos, match - pos});
                next.push_back(Fragment{id, 0, 0});
                pos = match + needle.size();
            }
            if (pos < end) next.push_back(Fragment{-1, pos, end - pos});
        }
        fragments.swap(next);
    }
    return fragments;
}

}  // namespace

const char* vocab_kind_name(VocabKind kind) {
    switch (kind) {
        case VocabKind::SPM:
            return "SPM";
        case VocabKind::BPE:
            return "BPE";
        case VocabKind::WPM:
            return "WPM";
        case VocabKind::UGM:
            return "UGM";
    }
    return "unknown";
}

Vocab::Vocab(std::unique_ptr<VocabData> data) : data_(std::move(data)) {}
Vocab::~Vocab() = default;

Result<std::shared_ptr<const Vocab>> Vocab::load(const GgufFile& gguf) {
    auto data = std::make_unique<VocabData>();
    const GgufValue* model = gguf.find(KEY_MODEL);
    if (model == nullptr) {
        return make_error(ErrorCode::NOT_FOUND, key_str(KEY_MODEL) + " is missing");
    }
    if (model->type != GgufValueType::STRING) {
        return format_error(key_str(KEY_MODEL) + " must be a string");
    }
    if (model->str == "llama") {
        data->kind = VocabKind::SPM;
    } else if (model->str == "gpt2") {
        data->kind = VocabKind::BPE;
    } else if (model->str == "bert") {
        data->kind = VocabKind::WPM;
    } else if (model->str == "t5") {
        data->kind = VocabKind::UGM;
    } else {
        return make_error(ErrorCode::UNSUPPORTED, "unsupported tokenizer model '" +
                                                      printable(model->str) + "' (" +
                                                      key_str(KEY_MODEL) + ")");
    }

    SOUVERAIN_TRY(load_tokens(gguf, *data));

    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;
    switch (data->kind) {
        case VocabKind::SPM:
            add_bos = true;
            add_space_prefix = true;
            break;
        case VocabKind::BPE:
            SOUVERAIN_TRY(configure_bpe(gguf, *data, &add_bos));
            break;
        case VocabKind::WPM:
            break;
        case VocabKind::UGM:
            // T5's framing: no BOS, EOS at the end; XLM-R files say add_bos_token true.
            add_eos = true;
            add_space_prefix = true;
            SOUVERAIN_TRY(read_bool(gguf, "tokenizer.ggml.remove_extra_whitespaces",
                                    &data->remove_extra_whitespaces));
            break;
    }
    SOUVERAIN_TRY(read_bool(gguf, KEY_ADD_BOS, &add_bos));
    SOUVERAIN_TRY(read_bool(gguf, KEY_ADD_EOS, &add_eos));
    SOUVERAIN_TRY(read_bool(gguf, KEY_ADD_SPACE_PREFIX, &add_space_prefix));
    SOUVERAIN_TRY(load_special_tokens(gguf, *data));
    if (data->kind == VocabKind::UGM) {
        float min_score = 0.0f;
        bool any_normal = false;
        for (int32_t id = 0; id < data->n_tokens; ++id) {
            if (data->types[id] != TokenType::NORMAL) continue;
            min_score = any_normal ? std::min(min_score, data->scores[id]) : data->scores[id];
            any_normal = true;
        }
        data->ugm_unknown_score = (double)min_score - 10.0;
    }

    if (data->kind == VocabKind::WPM) {
        // WordPiece always frames with CLS ... SEP; the add_*_token flags do not apply.
        data->add_bos = data->cls_id >= 0;
        data->add_eos = false;
        data->add_space_prefix = false;
        data->strip_leading_space = true;  // every word piece starts with U+2581
    } else {
        if (add_bos && data->bos_id < 0) {
            return format_error(key_str(KEY_ADD_BOS) + " is true but there is no BOS token id");
        }
        if (add_eos && data->eos_id < 0) {
            return format_error(key_str(KEY_ADD_EOS) + " is true but there is no EOS token id");
        }
        data->add_bos = add_bos;
        data->add_eos = add_eos;
        data->add_space_prefix =
            (data->kind == VocabKind::SPM || data->kind == VocabKind::UGM) && add_space_prefix;
        data->strip_leading_space = data->add_space_prefix;
    }
    return std::shared_ptr<const Vocab>(new Vocab(std::move(data)));
}

int32_t Vocab::n_tokens() const {
    return data_->n_tokens;
}
VocabKind Vocab::kind() const {
    return data_->kind;
}
int32_t Vocab::bos_id() const {
    return data_->bos_id;
}
int32_t Vocab::eos_id() const {
    return data_->eos_id;
}
int32_t Vocab::eot_id() const {
    return data_->eot_id;
}
int32_t Vocab::unk_id() const {
    return data_->unk_id;
}
int32_t Vocab::pad_id() const {
    return data_->pad_id;
}
int32_t Vocab::cls_id() const {
    return data_->cls_id;
}
int32_t Vocab::sep_id() const {
    return data_->sep_id;
}
int32_t Vocab::mask_id() const {
    return data_->mask_id;
}
bool Vocab::add_bos() const {
    return data_->add_bos;
}
bool Vocab::add_eos() const {
    return data_->add_eos;
}
bool Vocab::add_space_prefix() const {
    return data_->add_space_prefix;
}

bool Vocab::is_eog(int32_t id) const {
    return id >= 0 && id < data_->n_tokens && data_->eog[id] != 0;
}

bool Vocab::is_control(int32_t id) const {
    return token_type(id) == TokenType::CONTROL;
}

TokenType Vocab::token_type(int32_t id) const {
    if (id < 0 || id >= data_->n_tokens) return TokenType::UNDEFINED;
    return data_->types[id];
}

std::string_view Vocab::token_text(int32_t id) const {
    if (id < 0 || id >= data_->n_tokens) return {};
    return data_->text(id);
}

std::optional<int32_t> Vocab::find_token(std::string_view text) const {
    const int32_t id = data_->find(text);
    if (id < 0) return std::nullopt;
    return id;
}

std::vector<int32_t> Vocab::tokenize(std::string_view text, bool add_special,
                                     bool parse_special) const {
    const VocabData& data = *data_;
    std::vector<int32_t> out;
    const std::vector<Fragment> fragments = partition(data, text, parse_special);
    switch (data.kind) {
        case VocabKind::SPM: {
            if (add_special && data.add_bos) out.push_back(data.bos_id);
            // SentencePiece sees each text fragment as the start of a sentence: the prefix
            // space goes in front of the first fragment and of any fragment after a special.
            bool after_special = true;
            std::string escaped;
            for (const Fragment& fragment : fragments) {
                if (fragment.token >= 0) {
                    out.push_back(fragment.token);
                    after_special = true;
                    continue;
                }
                escaped.clear();
                if (data.add_space_prefix && after_special) escaped += ESCAPED_SPACE;
                for (const char c : text.substr(fragment.offset, fragment.length)) {
                    if (c == ' ') {
                        escaped += ESCAPED_SPACE;
                    } else {
                        escaped.push_back(c);
                    }
                }
                spm_tokenize(data, escaped, out);
                after_special = false;
            }
            if (add_special && data.add_eos) out.push_back(data.eos_id);
            break;
        }
        case VocabKind::BPE: {
            if (add_special && data.add_bos) out.push_back(data.bos_id);
            for (const Fragment& fragment : fragments) {
                if (fragment.token >= 0) {
                    out.push_back(fragment.token);
                } else {
                    bpe_tokenize(data, text.substr(fragment.offset, fragment.length), out);
                }
            }
            if (add_special && data.add_eos) out.push_back(data.eos_id);
            break;
        }
        case VocabKind::UGM: {
            if (add_special && data.add_bos) out.push_back(data.bos_id);
            for (const Fragment& fragment : fragments) {
                if (fragment.token >= 0) {
                    out.push_back(fragment.token);
                } else {
                    ugm_tokenize(data, text.substr(fragment.offset, fragment.length), out);
                }
            }
            if (add_special && data.add_eos) out.push_back(data.eos_id);
            break;
        }
        case VocabKind::WPM: {
            if (add_special && data.cls_id >= 0) out.push_back(data.cls_id);
            for (const Fragment& fragment : fragments) {
                if (fragment.token >= 0) {
                    out.push_back(fragment.token);
                } else {
                    wpm_tokenize(data, text.substr(fragment.offset, fragment.length), out);
                }
            }
            if (add_special && data.sep_id >= 0) out.push_back(data.sep_id);
            break;
        }
    }
    return out;
}

std::string Vocab::token_to_piece(int32_t id) const {
    if (id < 0 || id >= data_->n_tokens) return {};
    const std::string_view text = data_->text(id);
    std::string piece;
    switch (data_->types[id]) {
        case TokenType::CONTROL:
        case TokenType::UNKNOWN:
        case TokenType::USER_DEFINED:
            return std::string(text);
        case TokenType::UNUSED:
        case TokenType::UNDEFINED:
            return {};
        case TokenType::BYTE: {
            // "<0xXX>"; anything else is rendered as its text.
            unsigned value = 0;
            if (text.size() == 6 && text.substr(0, 3) == "<0x" && text[5] == '>' &&
                std::sscanf(std::string(text.substr(3, 2)).c_str(), "%2x", &value) == 1) {
                return std::string(1, static_cast<char>(value));
            }
            return std::string(text);
        }
        case TokenType::NORMAL:
            break;
    }
    if (data_->kind == VocabKind::BPE) {
        for (size_t pos = 0; pos < text.size();) {
            const unicode::Utf8Step step = unicode::utf8_decode(text, pos);
            const int byte = step.valid ? unicode::gpt2_codepoint_to_byte(step.cpt) : -1;
            if (byte >= 0) {
                piece.push_back(static_cast<char>(byte));
            } else {
                piece.append(text.substr(pos, step.n_bytes));  // not a byte stand-in: verbatim
            }
            pos += step.n_bytes;
        }
        return piece;
    }
    // SPM and WPM: U+2581 stands for a space.
    for (size_t pos = 0; pos < text.size();) {
        if (text.substr(pos, ESCAPED_SPACE.size()) == ESCAPED_SPACE) {
            piece.push_back(' ');
            pos += ESCAPED_SPACE.size();
        } else {
            piece.push_back(text[pos]);
            ++pos;
        }
    }
    return piece;
}

void Vocab::append_piece(int32_t id, bool remove_special, bool* at_start, std::string& out) const {
    const TokenType type = token_type(id);
    if (remove_special && (type == TokenType::CONTROL || type == TokenType::UNKNOWN)) return;
    std::string piece = token_to_piece(id);
    if (piece.empty()) return;
    if (*at_start) {
        *at_start = false;
        // The space the tokenizer put in front of the text is not part of it.
        if (data_->strip_leading_space && type == TokenType::NORMAL && piece[0] == ' ') {
            piece.erase(0, 1);
        }
    }
    out += piece;
}

std::string Vocab::detokenize(std::span<const int32_t> ids, bool remove_special) const {
    std::string out;
    bool at_start = true;
    for (const int32_t id : ids) append_piece(id, remove_special, &at_start, out);
    return out;
}

TokenDecoder::TokenDecoder(const Vocab& vocab, bool remove_special)
    : vocab_(&vocab), remove_special_(remove_special) {}

std::string TokenDecoder::push(int32_t id) {
    vocab_->append_piece(id, remove_special_, &at_start_, pending_);
    const size_t n_complete = unicode::utf8_complete_prefix(pending_);
    std::string out = unicode::utf8_sanitize(std::string_view(pending_).substr(0, n_complete));
    pending_.erase(0, n_complete);
    return out;
}

std::string TokenDecoder::flush() {
    std::string out = unicode::utf8_sanitize(pending_);
    pending_.clear();
    return out;
}

}  // namespace souverain
