#include "governance/audit_record.h"

#include <gtest/gtest.h>

namespace souverain::governance {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

AuditRecord sample_record() {
    AuditRecord record;
    record.seq = 17;
    record.time_ms = 1'700'000'000'123;
    record.tenant = "ministère";
    record.key_id = "key-1";
    record.endpoint = "/v1/chat/completions";
    record.model = "tiny";
    record.model_sha256 = kHashA;
    record.sources = {{"laws", "code-civil:art-1", 42}, {"laws", "doc\"2", 7}};
    record.input_sha256 = kHashB;
    record.output_sha256 = kHashA;
    record.prompt_tokens = 12;
    record.completion_tokens = 34;
    record.latency_ms = 56;
    record.status = 200;
    return record;
}

TEST(AuditRecord, CanonicalBytesAreSortedCompactAndPinned) {
    AuditRecord record = sample_record();
    record.prompt_text = "line\none\ttab \x01 \"q\" \\";
    const std::string expected =
        "{\"completion_tokens\":34,\"endpoint\":\"/v1/chat/completions\",\"input_sha256\":\"" +
        kHashB +
        "\",\"key_id\":\"key-1\",\"latency_ms\":56,\"model\":\"tiny\",\"model_sha256\":\"" +
        kHashA + "\",\"output_sha256\":\"" + kHashA +
        "\",\"prompt_text\":\"line\\none\\ttab \\u0001 \\\"q\\\" \\\\\",\"prompt_tokens\":12,"
        "\"seq\":17,\"sources\":[{\"chunk_id\":42,\"document\":\"code-civil:art-1\",\"kb\":"
        "\"laws\"},{\"chunk_id\":7,\"document\":\"doc\\\"2\",\"kb\":\"laws\"}],\"status\":200,"
        "\"tenant\":\"ministère\",\"time_ms\":1700000000123,\"v\":1}";
    EXPECT_EQ(serialize_audit_record(record), expected);
}

TEST(AuditRecord, ParsingCanonicalBytesGivesTheRecordBack) {
    AuditRecord record = sample_record();
    Result<AuditRecord> parsed = parse_audit_record(serialize_audit_record(record));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, record);
    EXPECT_FALSE(parsed->prompt_text.has_value());

    record.prompt_text = "";
    record.output_text = "réponse";
    record.sources.clear();
    parsed = parse_audit_record(serialize_audit_record(record));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, record);
}

TEST(AuditRecord, InvalidUtf8IsReplacedAndThenStable) {
    AuditRecord record = sample_record();
    record.tenant = "bad \xff byte";
    const std::string bytes = serialize_audit_record(record);
    EXPECT_NE(bytes.find("bad \xEF\xBF\xBD byte"), std::string::npos) << bytes;
    Result<AuditRecord> parsed = parse_audit_record(bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(serialize_audit_record(*parsed), bytes);
}

TEST(AuditRecord, StrictParsingRefusesWhatItDoesNotKnow) {
    const std::string good = serialize_audit_record(sample_record());
    auto replaced = [&](const std::string& from, const std::string& to) {
        std::string bytes = good;
        const size_t at = bytes.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return bytes.replace(at, from.size(), to);
    };
    const std::vector<std::string> bad = {
        "[]",
        "not json",
        replaced("\"v\":1", "\"v\":2"),
        replaced("\"v\":1", "\"v\":1,\"extra\":0"),
        replaced("\"status\":200", "\"status\":\"200\""),
        replaced("\"latency_ms\":56", "\"latency_ms\":56.5"),
        replaced("\"seq\":17", "\"seq\":-1"),
        replaced("\"tenant\":\"ministère\",", ""),
        replaced("\"model_sha256\":\"a", "\"model_sha256\":\"A"),
        replaced("\"chunk_id\":42,", ""),
        replaced("\"kb\":\"laws\"}", "\"kb\":\"laws\",\"x\":1}"),
        replaced("\"sources\":[", "\"sources\":[1,"),
    };
    for (const std::string& bytes : bad) {
        Result<AuditRecord> parsed = parse_audit_record(bytes);
        ASSERT_FALSE(parsed) << bytes;
        EXPECT_EQ(parsed.error().code, ErrorCode::FORMAT);
    }
    // Readable but not canonical: parsing succeeds, serializing shows the difference.
    const std::string spaced = replaced("\"seq\":17", "\"seq\": 17");
    Result<AuditRecord> parsed = parse_audit_record(spaced);
    ASSERT_TRUE(parsed);
    EXPECT_NE(serialize_audit_record(*parsed), spaced);
}

TEST(AuditRecord, ValidationNamesTheBadField) {
    AuditRecord record = sample_record();
    EXPECT_TRUE(validate_audit_record(record));
    record.output_sha256 = "";  // no output: allowed
    EXPECT_TRUE(validate_audit_record(record));
    record.input_sha256 = "abc";
    Status status = validate_audit_record(record);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("input_sha256"), std::string::npos);
    record = sample_record();
    record.completion_tokens = -1;
    status = validate_audit_record(record);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("completion_tokens"), std::string::npos);
}

TEST(AuditRecord, KeptTextsArePseudonymized) {
    AuditRecord record = sample_record();
    const PseudonymKey key = PseudonymKey::generate();
    attach_pseudonymized_texts(record, "Write to anne.schmit@uni.lu please",
                               "Sent to anne.schmit@uni.lu", key);
    ASSERT_TRUE(record.prompt_text && record.output_text);
    EXPECT_EQ(record.prompt_text->find("anne.schmit"), std::string::npos);
    EXPECT_NE(record.prompt_text->find("<EMAIL_"), std::string::npos) << *record.prompt_text;
    EXPECT_EQ(record.output_text->find("anne.schmit"), std::string::npos);
    // One value, one pseudonym across prompt and output.
    const std::string pseudonym = record.prompt_text->substr(
        record.prompt_text->find('<'),
        record.prompt_text->find('>') - record.prompt_text->find('<') + 1);
    EXPECT_NE(record.output_text->find(pseudonym), std::string::npos);
}

}  // namespace
}  // namespace souverain::governance
