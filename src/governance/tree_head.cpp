#include "governance/tree_head.h"

#include <sodium.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "governance/canonical_json.h"

namespace souverain::governance {

namespace {

constexpr char kDomain[] = "souverain-tree-head-v1";

void append_be64(std::string& out, uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) out += (char)((value >> shift) & 0xff);
}

bool parse_hex_bytes(const std::string& hex, uint8_t* out, size_t n_bytes) {
    size_t n = 0;
    return sodium_hex2bin(out, n_bytes, hex.data(), hex.size(), nullptr, &n, nullptr) == 0 &&
           n == n_bytes;
}

}  // namespace

int64_t unix_time_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string tree_head_signed_bytes(const SignedTreeHead& head) {
    std::string out(kDomain, sizeof(kDomain));  // with the terminating 0x00
    append_be64(out, head.tree_size);
    append_be64(out, (uint64_t)head.timestamp_ms);
    out.append((const char*)head.root_hash.data(), head.root_hash.size());
    out += head.key_id;
    return out;
}

SignedTreeHead sign_tree_head(const SigningKey& key, uint64_t tree_size,
                              const MerkleHash& root_hash, int64_t timestamp_ms) {
    SignedTreeHead head;
    head.tree_size = tree_size;
    head.timestamp_ms = timestamp_ms;
    head.root_hash = root_hash;
    head.key_id = key.key_id();
    head.signature = key.sign(tree_head_signed_bytes(head));
    return head;
}

Status verify_tree_head(const SignedTreeHead& head, const PublicKey& key) {
    if (head.key_id != key.key_id()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the tree head of size " + std::to_string(head.tree_size) +
                              " names key '" + head.key_id + "', not this log's key '" +
                              key.key_id() + "'");
    }
    if (!key.verify(tree_head_signed_bytes(head), head.signature)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the tree head of size " +
                                                           std::to_string(head.tree_size) +
                                                           " has an invalid signature");
    }
    return Status::success();
}

std::string tree_head_to_json(const SignedTreeHead& head) {
    std::string signature_hex(2 * head.signature.size() + 1, '\0');
    sodium_bin2hex(signature_hex.data(), signature_hex.size(),
                   (const unsigned char*)head.signature.data(), head.signature.size());
    signature_hex.pop_back();
    return canonical_json({{"tree_size", head.tree_size},
                           {"timestamp_ms", head.timestamp_ms},
                           {"root_hash", to_hex(head.root_hash)},
                           {"key_id", head.key_id},
                           {"signature", signature_hex}});
}

Result<SignedTreeHead> parse_tree_head(std::string_view json) {
    Result<nlohmann::json> doc = parse_json_object(json, "tree head");
    if (!doc) return doc.error();
    JsonFields fields(*doc, "tree head");
    SignedTreeHead head;
    Result<int64_t> tree_size = fields.integer("tree_size");
    if (!tree_size) return tree_size.error();
    if (*tree_size < 0) return make_error(ErrorCode::FORMAT, "tree head: negative tree_size");
    head.tree_size = (uint64_t)*tree_size;
    Result<int64_t> timestamp = fields.integer("timestamp_ms");
    if (!timestamp) return timestamp.error();
    head.timestamp_ms = *timestamp;
    Result<std::string> root = fields.hex("root_hash", 64);
    if (!root) return root.error();
    parse_hex_bytes(*root, head.root_hash.data(), head.root_hash.size());
    Result<std::string> key_id = fields.string("key_id");
    if (!key_id) return key_id.error();
    head.key_id = *key_id;
    Result<std::string> signature = fields.hex("signature", 2 * PublicKey::kSignatureSize);
    if (!signature) return signature.error();
    head.signature.resize(PublicKey::kSignatureSize);
    parse_hex_bytes(*signature, (uint8_t*)head.signature.data(), head.signature.size());
    SOUVERAIN_TRY(fields.finish());
    return head;
}

Result<SignedTreeHead> load_tree_head_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::IO, "cannot open tree head '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    Result<SignedTreeHead> head = parse_tree_head(text.str());
    if (!head) return make_error(head.error().code, path + ": " + head.error().message);
    return head;
}

Status verify_tree_heads_consistent(const SignedTreeHead& older, const SignedTreeHead& newer,
                                    std::span<const MerkleHash> proof, const PublicKey& key) {
    SOUVERAIN_TRY(verify_tree_head(older, key));
    SOUVERAIN_TRY(verify_tree_head(newer, key));
    if (older.tree_size > newer.tree_size) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the older tree head (size " +
                                                           std::to_string(older.tree_size) +
                                                           ") is larger than the newer one (size " +
                                                           std::to_string(newer.tree_size) + ")");
    }
    if (!verify_consistency(older.tree_size, newer.tree_size, older.root_hash, newer.root_hash,
                            proof)) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the log of size " + std::to_string(newer.tree_size) +
                              " does not extend the log of size " +
                              std::to_string(older.tree_size) + " (consistency proof fails)");
    }
    return Status::success();
}

}  // namespace souverain::governance
