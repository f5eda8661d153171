#include "governance/pii_eval.h"

#include <gtest/gtest.h>

namespace souverain::governance {
namespace {

TEST(PiiEval, CountsMultiplicityPerTypeAndText) {
    PiiEvaluation evaluation;
    // Labeled twice, found once: one TP, one FN. A type mismatch is an FP and an FN.
    add_pii_case(evaluation, {{"EMAIL", "a@b.lu"}, {"EMAIL", "a@b.lu"}, {"PHONE", "621 123 456"}},
                 {{"EMAIL", "a@b.lu"}, {"DE_TAX_ID", "621 123 456"}}, "text");
    const PiiScore& email = evaluation.per_type.at("EMAIL");
    EXPECT_EQ(email.true_positives, 1u);
    EXPECT_EQ(email.false_negatives, 1u);
    EXPECT_EQ(email.false_positives, 0u);
    EXPECT_EQ(evaluation.per_type.at("PHONE").false_negatives, 1u);
    EXPECT_EQ(evaluation.per_type.at("DE_TAX_ID").false_positives, 1u);
    EXPECT_EQ(evaluation.overall.true_positives, 1u);
    EXPECT_EQ(evaluation.overall.false_positives, 1u);
    EXPECT_EQ(evaluation.overall.false_negatives, 2u);
    EXPECT_DOUBLE_EQ(evaluation.overall.precision(), 0.5);
    EXPECT_DOUBLE_EQ(evaluation.overall.recall(), 1.0 / 3.0);
    EXPECT_NEAR(evaluation.overall.f1(), 0.4, 1e-12);
    EXPECT_DOUBLE_EQ(PiiScore{}.precision(), 1.0);
}

TEST(PiiEval, ParsesJsonLinesAndScansCases) {
    auto cases = parse_pii_labels(
        "{\"text\": \"Mail anne@uni.lu\", \"entities\": [{\"type\": \"EMAIL\", \"text\": "
        "\"anne@uni.lu\"}]}\n\n{\"text\": \"rien\", \"entities\": []}\n");
    ASSERT_TRUE(cases.ok());
    ASSERT_EQ(cases->size(), 2u);
    const PiiEvaluation evaluation = evaluate_pii(*cases);
    EXPECT_EQ(evaluation.n_cases, 2u);
    EXPECT_EQ(evaluation.overall.true_positives, 1u);
    EXPECT_NE(format_pii_evaluation(evaluation).find("EMAIL"), std::string::npos);
    EXPECT_NE(pii_evaluation_json(evaluation).find("\"overall\""), std::string::npos);
    auto bad = parse_pii_labels("{\"text\": 1, \"entities\": []}\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("line 1"), std::string::npos);
    EXPECT_FALSE(parse_pii_labels("{\"text\": \"x\"}").ok());
    EXPECT_FALSE(parse_pii_labels("not json").ok());
}

}  // namespace
}  // namespace souverain::governance
