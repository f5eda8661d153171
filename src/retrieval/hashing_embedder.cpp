#include "retrieval/hashing_embedder.h"

#include <charconv>
#include <cmath>
#include <map>

#include "retrieval/language.h"

namespace souverain::retrieval {

namespace {

// FNV-1a, 64 bits: stable across platforms and builds (std::hash is not), so stored vectors
// stay valid after an upgrade.
uint64_t fnv1a(std::string_view text) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

constexpr std::string_view kPrefix = "hashing:";

}  // namespace

HashingEmbedder::HashingEmbedder(int dimension) : dimension_(dimension) {}
HashingEmbedder::~HashingEmbedder() = default;

std::string HashingEmbedder::model_name() const {
    return std::string(kPrefix) + std::to_string(dimension_);
}

std::vector<float> HashingEmbedder::embed_one(std::string_view text) {
    // A passage is analyzed in its detected language. A text too short to tell (most queries)
    // is analyzed in each language and the terms pooled, as the query builder does: else a
    // query's unstemmed "periscope" would never meet a passage's English stem "periscop".
    const Language detected = detect_language(text);
    const bool pooled = detected == Language::OTHER;
    const std::vector<Language> languages =
        pooled ? std::vector<Language>{Language::OTHER, Language::EN, Language::FR, Language::DE}
               : std::vector<Language>{detected};
    std::map<std::string, int> counts;
    for (Language language : languages) {
        auto& analyzer = analyzers_[(size_t)language];
        if (!analyzer) analyzer = std::make_unique<Analyzer>(language);
        terms_.clear();
        analyzer->analyze(text, terms_);
        for (std::string& term : terms_) {
            int& count = counts[std::move(term)];
            count = pooled ? 1 : count + 1;
        }
    }
    std::vector<float> vector((size_t)dimension_, 0.0f);
    for (const auto& [term, tf] : counts) {
        const uint64_t hash = fnv1a(term);
        const size_t slot = (size_t)(hash % (uint64_t)dimension_);
        const float sign = (hash >> 63) != 0 ? -1.0f : 1.0f;
        vector[slot] += sign * (1.0f + std::log((float)tf));
    }
    double norm = 0;
    for (float x : vector) norm += (double)x * x;
    if (norm > 0) {
        const float scale = (float)(1.0 / std::sqrt(norm));
        for (float& x : vector) x *= scale;
    }
    // A text with no terms keeps the zero vector: it is close to nothing, which is honest.
    return vector;
}

Result<std::vector<std::vector<float>>> HashingEmbedder::embed(std::span<const std::string> texts) {
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    for (const std::string& text : texts) out.push_back(embed_one(text));
    return out;
}

bool is_hashing_model(std::string_view spec) {
    return spec.substr(0, kPrefix.size()) == kPrefix;
}

Result<std::unique_ptr<Embedder>> open_embedding_model(const std::string& spec, int n_threads) {
    if (!is_hashing_model(spec)) return open_embedder(spec, n_threads);
    const std::string_view digits = std::string_view(spec).substr(kPrefix.size());
    int dimension = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), dimension);
    if (ec != std::errc() || end != digits.data() + digits.size() ||
        dimension < HashingEmbedder::kMinDimension || dimension > HashingEmbedder::kMaxDimension) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "embedding model '" + spec + "': hashing:DIM takes a dimension from " +
                              std::to_string(HashingEmbedder::kMinDimension) + " to " +
                              std::to_string(HashingEmbedder::kMaxDimension));
    }
    return std::unique_ptr<Embedder>(std::make_unique<HashingEmbedder>(dimension));
}

}  // namespace souverain::retrieval
