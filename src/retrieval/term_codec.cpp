#include "retrieval/term_codec.h"

namespace souverain::retrieval {

namespace {

Error corrupt(const char* what) {
    return make_error(ErrorCode::FORMAT, std::string("corrupted ") + what + " in the index");
}

void put_bytes(std::string& out, std::string_view bytes) {
    put_varint(out, bytes.size());
    out.append(bytes);
}

bool get_bytes(std::string_view in, size_t& pos, std::string& out) {
    uint64_t size;
    if (!get_varint(in, pos, size) || size > in.size() - pos) return false;
    out.assign(in.substr(pos, size));
    pos += size;
    return true;
}

bool get_u32(std::string_view in, size_t& pos, uint32_t& out) {
    uint64_t value;
    if (!get_varint(in, pos, value) || value > UINT32_MAX) return false;
    out = (uint32_t)value;
    return true;
}

}  // namespace

void put_varint(std::string& out, uint64_t value) {
    while (value >= 0x80) {
        out.push_back((char)((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back((char)value);
}

bool get_varint(std::string_view in, size_t& pos, uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size()) return false;
        const uint8_t byte = (uint8_t)in[pos++];
        value |= (uint64_t)(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

std::string filter_term(std::string_view key, std::string_view value) {
    std::string term(1, kFilterTermPrefix);
    term.append(key);
    term.push_back('=');
    term.append(value);
    return term;
}

std::string encode_term_vector(const TermVector& vector) {
    std::string out;
    put_varint(out, vector.body_length);
    put_varint(out, vector.title_length);
    put_varint(out, vector.terms.size());
    for (const TermFrequency& term : vector.terms) {
        put_bytes(out, term.term);
        put_varint(out, term.body);
        put_varint(out, term.title);
    }
    return out;
}

Result<TermVector> decode_term_vector(std::string_view blob) {
    TermVector vector;
    size_t pos = 0;
    uint64_t count;
    if (!get_u32(blob, pos, vector.body_length) || !get_u32(blob, pos, vector.title_length) ||
        !get_varint(blob, pos, count) || count > blob.size()) {
        return corrupt("term vector");
    }
    vector.terms.resize(count);
    for (TermFrequency& term : vector.terms) {
        if (!get_bytes(blob, pos, term.term) || !get_u32(blob, pos, term.body) ||
            !get_u32(blob, pos, term.title)) {
            return corrupt("term vector");
        }
    }
    return vector;
}

std::string encode_postings(const std::vector<Posting>& postings) {
    std::string out;
    put_varint(out, postings.size());
    uint32_t previous = 0;
    for (const Posting& posting : postings) {
        put_varint(out, posting.ordinal - previous);
        put_varint(out, posting.body);
        put_varint(out, posting.title);
        previous = posting.ordinal;
    }
    return out;
}

Result<std::vector<Posting>> decode_postings(std::string_view blob) {
    size_t pos = 0;
    uint64_t count;
    if (!get_varint(blob, pos, count) || count > blob.size()) return corrupt("posting list");
    std::vector<Posting> postings(count);
    uint64_t ordinal = 0;
    for (Posting& posting : postings) {
        uint64_t delta;
        if (!get_varint(blob, pos, delta) || !get_u32(blob, pos, posting.body) ||
            !get_u32(blob, pos, posting.title)) {
            return corrupt("posting list");
        }
        ordinal += delta;
        if (ordinal > UINT32_MAX) return corrupt("posting list");
        posting.ordinal = (uint32_t)ordinal;
    }
    return postings;
}

std::string encode_index_meta(const IndexMeta& meta) {
    std::string out;
    put_varint(out, meta.chunk_ids.size());
    int64_t previous_chunk = 0;
    for (size_t i = 0; i < meta.chunk_ids.size(); ++i) {
        put_varint(out, (uint64_t)(meta.chunk_ids[i] - previous_chunk));
        previous_chunk = meta.chunk_ids[i];
        put_varint(out, (uint64_t)meta.document_ids[i]);
        put_varint(out, meta.body_lengths[i]);
        put_varint(out, meta.title_lengths[i]);
    }
    put_varint(out, meta.languages.size());
    for (const auto& [language, count] : meta.languages) {
        put_bytes(out, language);
        put_varint(out, count);
    }
    return out;
}

Result<IndexMeta> decode_index_meta(std::string_view blob) {
    IndexMeta meta;
    size_t pos = 0;
    uint64_t count;
    if (!get_varint(blob, pos, count) || count > blob.size()) return corrupt("index metadata");
    meta.chunk_ids.resize(count);
    meta.document_ids.resize(count);
    meta.body_lengths.resize(count);
    meta.title_lengths.resize(count);
    uint64_t chunk_id = 0;
    for (size_t i = 0; i < count; ++i) {
        uint64_t delta, document_id;
        if (!get_varint(blob, pos, delta) || !get_varint(blob, pos, document_id) ||
            !get_u32(blob, pos, meta.body_lengths[i]) ||
            !get_u32(blob, pos, meta.title_lengths[i])) {
            return corrupt("index metadata");
        }
        chunk_id += delta;
        meta.chunk_ids[i] = (int64_t)chunk_id;
        meta.document_ids[i] = (int64_t)document_id;
    }
    uint64_t n_languages;
    if (!get_varint(blob, pos, n_languages) || n_languages > blob.size()) {
        return corrupt("index metadata");
    }
    meta.languages.resize(n_languages);
    for (auto& [language, chunks] : meta.languages) {
        if (!get_bytes(blob, pos, language) || !get_varint(blob, pos, chunks)) {
            return corrupt("index metadata");
        }
    }
    return meta;
}

}  // namespace souverain::retrieval
