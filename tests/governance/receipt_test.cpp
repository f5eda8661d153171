#include "governance/receipt.h"

#include <gtest/gtest.h>

#include "governance/canonical_json.h"
#include "governance/sha256.h"

namespace souverain::governance {
namespace {

const std::string kWeights(64, 'c');
const std::string kText = "Moien! D'Gesetz vum 1. August 2018 (Art. 3) gëllt. — « réponse »\n";

Receipt sample_receipt(const SigningKey& key) {
    return sign_receipt(key, "tiny", kWeights,
                        {{"laws", "code-civil:art-1", 42}, {"laws", "gdpr:art-6", 7}}, kText,
                        1'700'000'000);
}

TEST(Receipt, VerifiesForTheExactTextAndKey) {
    const SigningKey key = SigningKey::generate();
    const Receipt receipt = sample_receipt(key);
    EXPECT_EQ(receipt.output_sha256, to_hex(sha256(kText)));
    EXPECT_EQ(receipt.key_id, key.key_id());
    Status status = verify_receipt(receipt, kText, key.public_key());
    EXPECT_TRUE(status) << status.error().message;
    Status other_key = verify_receipt(receipt, kText, SigningKey::generate().public_key());
    ASSERT_FALSE(other_key);
    EXPECT_NE(other_key.error().message.find("signed by key"), std::string::npos);
}

TEST(Receipt, JsonRoundTripsAndIsFoundInsideAResponse) {
    const SigningKey key = SigningKey::generate();
    const Receipt receipt = sample_receipt(key);
    const nlohmann::json disclosure = ai_disclosure_json(receipt);
    EXPECT_EQ(disclosure["generated"], true);
    const nlohmann::json body = {
        {"id", "chatcmpl-1"}, {"object", "chat.completion"}, {"ai_disclosure", disclosure}};
    for (const std::string& json :
         {canonical_json(receipt_to_json(receipt)), canonical_json(disclosure), body.dump(2)}) {
        Result<Receipt> parsed = parse_receipt(json);
        ASSERT_TRUE(parsed) << parsed.error().message << "\n" << json;
        EXPECT_EQ(*parsed, receipt);
        EXPECT_TRUE(verify_receipt(*parsed, kText, key.public_key()));
    }
}

TEST(Receipt, EveryChangedByteOfTheTextFails) {
    const SigningKey key = SigningKey::generate();
    const Receipt receipt = sample_receipt(key);
    for (size_t at = 0; at < kText.size(); ++at) {
        for (uint8_t flip : {0x01, 0x20, 0x80}) {
            std::string changed = kText;
            changed[at] = (char)(changed[at] ^ flip);
            EXPECT_FALSE(verify_receipt(receipt, changed, key.public_key()))
                << "byte " << at << " ^ " << (int)flip;
        }
    }
    EXPECT_FALSE(verify_receipt(receipt, kText.substr(0, kText.size() - 1), key.public_key()));
    EXPECT_FALSE(verify_receipt(receipt, kText + " ", key.public_key()));
}

TEST(Receipt, EveryChangedByteOfTheReceiptJsonFails) {
    const SigningKey key = SigningKey::generate();
    const std::string json = canonical_json(ai_disclosure_json(sample_receipt(key)));
    size_t n_checked = 0;
    for (size_t at = 0; at < json.size(); ++at) {
        for (uint8_t flip : {0x01, 0x02, 0x10}) {
            std::string changed = json;
            changed[at] = (char)(changed[at] ^ flip);
            Result<Receipt> parsed = parse_receipt(changed);
            // Either the JSON no longer reads as a receipt, or the receipt no longer verifies.
            if (parsed) {
                EXPECT_FALSE(verify_receipt(*parsed, kText, key.public_key()))
                    << "byte " << at << " ^ " << (int)flip << ": " << changed;
            }
            ++n_checked;
        }
    }
    EXPECT_EQ(n_checked, 3 * json.size());
}

TEST(Receipt, EveryChangedFieldFailsTheSignature) {
    const SigningKey key = SigningKey::generate();
    const Receipt good = sample_receipt(key);
    std::vector<Receipt> changed(7, good);
    changed[0].model = "tiny2";
    changed[1].model_sha256[0] = 'd';
    changed[2].sources[1].chunk_id = 8;
    changed[3].sources.pop_back();
    changed[4].created += 1;
    std::swap(changed[5].sources[0], changed[5].sources[1]);
    changed[6].signature[0] ^= 1;
    for (const Receipt& receipt : changed) {
        EXPECT_FALSE(verify_receipt(receipt, kText, key.public_key()));
    }
    // A receipt for another text, signed honestly, does not cover this one.
    const Receipt other = sign_receipt(key, "tiny", kWeights, good.sources, "other", 1);
    EXPECT_FALSE(verify_receipt(other, kText, key.public_key()));
}

TEST(Receipt, MalformedReceiptsAreFormatErrors) {
    const SigningKey key = SigningKey::generate();
    nlohmann::json good = receipt_to_json(sample_receipt(key));
    auto with = [&](const char* field, nlohmann::json value) {
        nlohmann::json doc = good;
        doc[field] = std::move(value);
        return canonical_json(doc);
    };
    for (const std::string& json :
         {std::string("[]"), std::string("{}"), with("extra", 1), with("v", 2),
          with("signature", "00"), with("output_sha256", std::string(64, 'G')),
          with("created", "now"), with("sources", "laws")}) {
        Result<Receipt> parsed = parse_receipt(json);
        ASSERT_FALSE(parsed) << json;
        EXPECT_EQ(parsed.error().code, ErrorCode::FORMAT);
    }
}

}  // namespace
}  // namespace souverain::governance
