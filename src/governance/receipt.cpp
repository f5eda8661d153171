#include "governance/receipt.h"

#include <sodium.h>

#include "governance/canonical_json.h"
#include "governance/sha256.h"

namespace souverain::governance {

namespace {

constexpr int64_t kFormatVersion = 1;
constexpr char kDomain[] = "souverain-receipt-v1";

nlohmann::json signed_fields(const Receipt& receipt) {
    nlohmann::json sources = nlohmann::json::array();
    for (const SourceRef& source : receipt.sources) {
        sources.push_back(
            {{"kb", source.kb}, {"document", source.document}, {"chunk_id", source.chunk_id}});
    }
    return {{"v", kFormatVersion},
            {"model", receipt.model},
            {"model_sha256", receipt.model_sha256},
            {"sources", std::move(sources)},
            {"created", receipt.created},
            {"output_sha256", receipt.output_sha256},
            {"key_id", receipt.key_id}};
}

std::string hex_of(std::string_view bytes) {
    std::string out(2 * bytes.size() + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), (const unsigned char*)bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

Result<Receipt> parse_receipt_object(const nlohmann::json& doc) {
    JsonFields fields(doc, "receipt");
    Result<int64_t> version = fields.integer("v");
    if (!version) return version.error();
    if (*version != kFormatVersion) {
        return make_error(ErrorCode::FORMAT,
                          "receipt: unknown format version " + std::to_string(*version));
    }
    Receipt receipt;
    Result<std::string> model = fields.string("model");
    if (!model) return model.error();
    receipt.model = std::move(*model);
    Result<std::string> model_sha256 = fields.string("model_sha256");
    if (!model_sha256) return model_sha256.error();
    if (!model_sha256->empty() && !is_lower_hex(*model_sha256, 64)) {
        return make_error(ErrorCode::FORMAT,
                          "receipt: field 'model_sha256' is neither empty nor a SHA-256 in hex");
    }
    receipt.model_sha256 = std::move(*model_sha256);
    Result<int64_t> created = fields.integer("created");
    if (!created) return created.error();
    receipt.created = *created;
    Result<std::string> output_sha256 = fields.hex("output_sha256", 64);
    if (!output_sha256) return output_sha256.error();
    receipt.output_sha256 = std::move(*output_sha256);
    Result<std::string> key_id = fields.string("key_id");
    if (!key_id) return key_id.error();
    receipt.key_id = std::move(*key_id);
    Result<std::string> signature = fields.hex("signature", 2 * PublicKey::kSignatureSize);
    if (!signature) return signature.error();
    receipt.signature.resize(PublicKey::kSignatureSize);
    sodium_hex2bin((unsigned char*)receipt.signature.data(), receipt.signature.size(),
                   signature->data(), signature->size(), nullptr, nullptr, nullptr);
    Result<const nlohmann::json*> sources = fields.array("sources");
    if (!sources) return sources.error();
    for (const nlohmann::json& item : **sources) {
        if (!item.is_object()) {
            return make_error(ErrorCode::FORMAT, "receipt: a source is not an object");
        }
        JsonFields source_fields(item, "receipt source");
        Result<std::string> kb = source_fields.string("kb");
        if (!kb) return kb.error();
        Result<std::string> document = source_fields.string("document");
        if (!document) return document.error();
        Result<int64_t> chunk_id = source_fields.integer("chunk_id");
        if (!chunk_id) return chunk_id.error();
        SOUVERAIN_TRY(source_fields.finish());
        receipt.sources.push_back(SourceRef{std::move(*kb), std::move(*document), *chunk_id});
    }
    SOUVERAIN_TRY(fields.finish());
    return receipt;
}

}  // namespace

std::string receipt_signed_bytes(const Receipt& receipt) {
    return std::string(kDomain, sizeof(kDomain)) + canonical_json(signed_fields(receipt));
}

Receipt sign_receipt(const SigningKey& key, std::string_view model, std::string_view model_sha256,
                     std::vector<SourceRef> sources, std::string_view output_text,
                     int64_t created) {
    Receipt receipt;
    receipt.model = std::string(model);
    receipt.model_sha256 = std::string(model_sha256);
    receipt.sources = std::move(sources);
    receipt.created = created;
    receipt.output_sha256 = to_hex(sha256(output_text));
    receipt.key_id = key.key_id();
    receipt.signature = key.sign(receipt_signed_bytes(receipt));
    return receipt;
}

nlohmann::json receipt_to_json(const Receipt& receipt) {
    nlohmann::json doc = signed_fields(receipt);
    doc["signature"] = hex_of(receipt.signature);
    return doc;
}

nlohmann::json ai_disclosure_json(const Receipt& receipt) {
    return {{"generated", true}, {"receipt", receipt_to_json(receipt)}};
}

Result<Receipt> parse_receipt(std::string_view json) {
    Result<nlohmann::json> doc = parse_json_object(json, "receipt");
    if (!doc) return doc.error();
    // Where the receipt sits: a response body -> ai_disclosure -> receipt.
    const nlohmann::json* object = &*doc;
    if (object->contains("ai_disclosure")) object = &(*object)["ai_disclosure"];
    if (!object->is_object()) {
        return make_error(ErrorCode::FORMAT, "ai_disclosure is not an object");
    }
    if (object->contains("receipt")) {
        // The disclosure itself is checked as strictly as the receipt it carries.
        const bool generated = object->contains("generated") && (*object)["generated"] == true;
        if (!generated || object->size() != 2) {
            return make_error(ErrorCode::FORMAT,
                              "ai_disclosure must be exactly {\"generated\": true, \"receipt\": "
                              "{...}}");
        }
        object = &(*object)["receipt"];
        if (!object->is_object()) {
            return make_error(ErrorCode::FORMAT, "receipt: not a JSON object");
        }
    }
    return parse_receipt_object(*object);
}

Status verify_receipt(const Receipt& receipt, std::string_view text, const PublicKey& key) {
    if (receipt.key_id != key.key_id()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the receipt was signed by key '" + receipt.key_id +
                              "', not by the key given ('" + key.key_id() + "')");
    }
    if (!key.verify(receipt_signed_bytes(receipt), receipt.signature)) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the receipt's signature is not valid for key '" + key.key_id() +
                              "': the receipt was altered");
    }
    const std::string text_sha256 = to_hex(sha256(text));
    if (text_sha256 != receipt.output_sha256) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "the text is not the one the receipt covers (its SHA-256 is " +
                              text_sha256 + ", the receipt's " + receipt.output_sha256 + ")");
    }
    return Status::success();
}

}  // namespace souverain::governance
