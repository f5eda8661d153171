#pragma once
// AI Act Art. 50 receipts: a generated output carries a machine-readable disclosure,
// {"generated": true, "receipt": {...}}, where the receipt is the server's Ed25519 signature
// over what produced this exact text: the model's name and weights SHA-256, the knowledge-base
// sources, the time, and the SHA-256 of the output text. Anyone with the server's public key
// (/.well-known/souverain/keys) can check that a text came from that server and model; one
// changed byte of the text or of the receipt fails.
//
// Receipt JSON (canonical JSON, see canonical_json.h):
//   {"created":N,"key_id":S,"model":S,"model_sha256":H,"output_sha256":H,"signature":hex128,
//    "sources":[{"chunk_id":N,"document":S,"kb":S},...],"v":1}
// `created` is Unix time in seconds (as OpenAI's `created`); H is 64 lower-case hex characters
// (model_sha256 may be "" when the weights hash is unknown). The signed bytes are
//   "souverain-receipt-v1" 0x00 || the canonical JSON above without "signature".
// The text is hashed exactly as given (UTF-8 bytes, no normalization).
//
// Thread-safety: plain values and pure functions.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "governance/signing_key.h"
#include "governance/source_ref.h"

namespace souverain::governance {

struct Receipt {
    std::string model;
    std::string model_sha256;  // hex, or "" when unknown
    std::vector<SourceRef> sources;
    int64_t created = 0;        // Unix time in seconds
    std::string output_sha256;  // hex SHA-256 of the output text
    std::string key_id;
    std::string signature;  // 64 bytes

    bool operator==(const Receipt&) const = default;
};

// What the server calls once per generated output (for a stream: over the whole text, sent
// in the final chunk).
Receipt sign_receipt(const SigningKey& key, std::string_view model, std::string_view model_sha256,
                     std::vector<SourceRef> sources, std::string_view output_text, int64_t created);

std::string receipt_signed_bytes(const Receipt& receipt);

nlohmann::json receipt_to_json(const Receipt& receipt);
// {"generated": true, "receipt": receipt_to_json(receipt)}: the `ai_disclosure` object.
nlohmann::json ai_disclosure_json(const Receipt& receipt);

// Reads a receipt object, an `ai_disclosure` object, or any JSON object that holds
// "ai_disclosure" (a whole response body or final stream chunk). Strict: unknown or missing
// fields of the receipt are FORMAT errors, and an ai_disclosure object must be exactly
// {"generated": true, "receipt": {...}}.
Result<Receipt> parse_receipt(std::string_view json);

// INVALID_ARGUMENT with a one-line reason unless `text` is the receipt's text and the receipt
// is signed by `key`.
Status verify_receipt(const Receipt& receipt, std::string_view text, const PublicKey& key);

}  // namespace souverain::governance
