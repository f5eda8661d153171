#include "retrieval/lexical_index.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "retrieval/analyzer.h"
#include "retrieval/decompounder.h"

namespace souverain::retrieval {

namespace {

// Index-side decompounding: the postings of a German compound term also count for its parts,
// so "Mietvertrag" in a paragraph matches a question about "Miete" and "Vertrag".
void add_compound_parts(std::unordered_map<std::string, std::vector<Posting>>& inverted) {
    std::unordered_map<std::string, size_t> vocabulary;
    for (const auto& [term, list] : inverted) {
        if (!term.empty() && term[0] != kFilterTermPrefix) vocabulary.emplace(term, list.size());
    }
    Analyzer german(Language::DE);
    std::unordered_map<std::string, std::vector<Posting>> additions;
    for (const auto& [term, df] : vocabulary) {
        std::optional<CompoundSplit> split = split_compound(term, german, vocabulary);
        if (!split) continue;
        const std::vector<Posting>& list = inverted[term];
        for (const std::string* part : {&split->head, &split->tail}) {
            std::vector<Posting>& extra = additions[*part];
            extra.insert(extra.end(), list.begin(), list.end());
        }
    }
    for (auto& [part, extra] : additions) {
        std::vector<Posting>& list = inverted[part];
        list.insert(list.end(), extra.begin(), extra.end());
        std::sort(list.begin(), list.end(),
                  [](const Posting& a, const Posting& b) { return a.ordinal < b.ordinal; });
        std::vector<Posting> merged;
        for (const Posting& posting : list) {
            if (!merged.empty() && merged.back().ordinal == posting.ordinal) {
                merged.back().body += posting.body;
                merged.back().title += posting.title;
            } else {
                merged.push_back(posting);
            }
        }
        list = std::move(merged);
    }
}

}  // namespace

Status rebuild_lexical_index(storage::Store& store, int64_t kb_id) {
    IndexMeta meta;
    std::unordered_map<std::string, std::vector<Posting>> inverted;
    std::map<std::string, uint64_t> languages;
    Status decode_status;
    SOUVERAIN_TRY(store.for_each_chunk_terms(kb_id, [&](const storage::ChunkTerms& chunk) {
        if (!decode_status) return;
        Result<TermVector> vector = decode_term_vector(chunk.terms);
        if (!vector) {
            decode_status = vector.error();
            return;
        }
        const uint32_t ordinal = (uint32_t)meta.chunk_ids.size();
        meta.chunk_ids.push_back(chunk.chunk_id);
        meta.document_ids.push_back(chunk.document_id);
        meta.body_lengths.push_back(vector->body_length);
        meta.title_lengths.push_back(vector->title_length);
        for (TermFrequency& term : vector->terms) {
            if (term.term.size() > 6 && term.term.compare(0, 6, "\x1flang=") == 0) {
                ++languages[term.term.substr(6)];
            }
            inverted[std::move(term.term)].push_back(Posting{ordinal, term.body, term.title});
        }
    }));
    SOUVERAIN_TRY(decode_status);
    // Only where German is a real share of the base (a fifth of the chunks): splitting the
    // stems of other languages with German rules would invent parts.
    if (languages["de"] * 5 >= meta.chunk_ids.size()) add_compound_parts(inverted);
    meta.languages.assign(languages.begin(), languages.end());
    std::vector<storage::Store::Posting> postings;
    postings.reserve(inverted.size());
    for (auto& [term, list] : inverted) {
        postings.push_back(
            storage::Store::Posting{term, (int64_t)list.size(), encode_postings(list)});
    }
    return store.write_index(kb_id, encode_index_meta(meta), postings);
}

Result<std::unique_ptr<LexicalIndex>> LexicalIndex::open(storage::Store& store, int64_t kb_id) {
    Result<std::optional<std::string>> blob = store.load_index_meta(kb_id);
    if (!blob) return blob.error();
    if (!blob->has_value()) {
        return make_error(ErrorCode::NOT_FOUND,
                          "the knowledge base has no index yet (ingest documents first)");
    }
    Result<IndexMeta> meta = decode_index_meta(**blob);
    if (!meta) return meta.error();
    std::unique_ptr<LexicalIndex> index(new LexicalIndex(store, kb_id));
    index->meta_ = std::move(*meta);
    double body = 0, title = 0;
    for (size_t i = 0; i < index->meta_.chunk_ids.size(); ++i) {
        body += index->meta_.body_lengths[i];
        title += index->meta_.title_lengths[i];
    }
    const double n = std::max<double>(1.0, (double)index->meta_.chunk_ids.size());
    index->avg_body_ = std::max(1.0, body / n);
    index->avg_title_ = std::max(1.0, title / n);
    return index;
}

std::vector<Language> LexicalIndex::languages() const {
    // Languages of at least 2% of the chunks: a handful of misdetected chunks must not add a
    // second stemming of every query.
    std::vector<Language> out;
    for (const auto& [code, count] : meta_.languages) {
        if (count > 0 && count * 50 >= chunk_count()) out.push_back(language_from_code(code));
    }
    return out;
}

Result<const std::vector<Posting>*> LexicalIndex::postings(const std::string& term) {
    auto found = cache_.find(term);
    if (found != cache_.end()) return &found->second;
    Result<std::optional<std::string>> blob = store_.load_postings(kb_id_, term);
    if (!blob) return blob.error();
    std::vector<Posting> list;
    if (blob->has_value()) {
        Result<std::vector<Posting>> decoded = decode_postings(**blob);
        if (!decoded) return decoded.error();
        list = std::move(*decoded);
        for (const Posting& posting : list) {
            if (posting.ordinal >= chunk_count()) {
                return make_error(ErrorCode::FORMAT, "corrupted posting list in the index");
            }
        }
    }
    return &cache_.emplace(term, std::move(list)).first->second;
}

Result<size_t> LexicalIndex::document_frequency(const std::string& term) {
    if (vocabulary_) {
        auto found = vocabulary_->find(term);
        return found == vocabulary_->end() ? 0 : found->second;
    }
    Result<const std::vector<Posting>*> list = postings(term);
    if (!list) return list.error();
    return (*list)->size();
}

double LexicalIndex::idf(size_t df) const {
    const double n = (double)chunk_count();
    return std::log(1.0 + (n - (double)df + 0.5) / ((double)df + 0.5));
}

Status LexicalIndex::preload() {
    Result<const std::unordered_map<std::string, size_t>*> vocab = vocabulary();
    if (!vocab) return vocab.error();
    for (const auto& [term, df] : **vocab) {
        Result<const std::vector<Posting>*> list = postings(term);
        if (!list) return list.error();
    }
    return Status::success();
}

Result<const std::unordered_map<std::string, size_t>*> LexicalIndex::vocabulary() {
    if (!vocabulary_) {
        auto vocab = std::make_unique<std::unordered_map<std::string, size_t>>();
        SOUVERAIN_TRY(store_.for_each_term(kb_id_, [&](std::string_view term, int64_t df) {
            vocab->emplace(std::string(term), (size_t)df);
        }));
        vocabulary_ = std::move(vocab);
    }
    return vocabulary_.get();
}

Result<std::vector<ScoredChunk>> LexicalIndex::search(const std::vector<WeightedTerm>& query,
                                                      const SearchOptions& options) {
    const size_t n = chunk_count();
    std::vector<double> scores(n, 0.0);
    std::vector<uint8_t> touched(n, 0);
    std::vector<uint32_t> candidates;
    const Bm25Params& p = options.bm25;
    for (const WeightedTerm& term : query) {
        Result<const std::vector<Posting>*> list = postings(term.term);
        if (!list) return list.error();
        if ((*list)->empty()) continue;
        const double idf_weight = term.weight * idf((*list)->size());
        for (const Posting& posting : **list) {
            const uint32_t o = posting.ordinal;
            double tfn = posting.body / (1.0 - p.b + p.b * meta_.body_lengths[o] / avg_body_);
            if (p.title_weight > 0 && posting.title > 0) {
                tfn += p.title_weight * posting.title /
                       (1.0 - p.b + p.b * meta_.title_lengths[o] / avg_title_);
            }
            if (tfn <= 0) continue;
            scores[o] += idf_weight * tfn * (p.k1 + 1.0) / (p.k1 + tfn);
            if (!touched[o]) {
                touched[o] = 1;
                candidates.push_back(o);
            }
        }
    }
    if (!options.filter_terms.empty()) {
        std::vector<uint8_t> allowed(n, 1);
        for (const std::string& filter : options.filter_terms) {
            Result<const std::vector<Posting>*> list = postings(filter);
            if (!list) return list.error();
            std::vector<uint8_t> in(n, 0);
            for (const Posting& posting : **list) in[posting.ordinal] = 1;
            for (size_t i = 0; i < n; ++i) allowed[i] &= in[i];
        }
        std::erase_if(candidates, [&](uint32_t o) { return !allowed[o]; });
    }
    std::vector<ScoredChunk> hits;
    hits.reserve(candidates.size());
    for (uint32_t o : candidates) {
        hits.push_back(ScoredChunk{o, meta_.chunk_ids[o], meta_.document_ids[o], scores[o]});
    }
    // Best first; ties by chunk id so results are deterministic.
    auto better = [](const ScoredChunk& a, const ScoredChunk& b) {
        return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
    };
    if (options.one_per_document) {
        std::sort(hits.begin(), hits.end(), better);
        std::unordered_map<int64_t, bool> seen;
        std::vector<ScoredChunk> unique;
        for (const ScoredChunk& hit : hits) {
            if (unique.size() >= options.top_k) break;
            if (seen.emplace(hit.document_id, true).second) unique.push_back(hit);
        }
        return unique;
    }
    const size_t k = std::min(options.top_k, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + (ptrdiff_t)k, hits.end(), better);
    hits.resize(k);
    return hits;
}

}  // namespace souverain::retrieval
