#include "engine/quant_recipe.h"

#include <gtest/gtest.h>

namespace souverain {
namespace {

TEST(QuantRecipe, ParsesEveryDocumentedNameAndRejectsOthers) {
    for (const char* name : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k",
                             "q5_k", "q6_k", "q4_k_m", "Q5_K_M"}) {
        EXPECT_TRUE(parse_quant_recipe(name).ok()) << name;
    }
    Result<QuantRecipe> bad = parse_quant_recipe("q3_k_xl");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("q3_k_xl"), std::string::npos);
}

TEST(QuantRecipe, Q4KMGivesOutputAndSomeLayersSixBits) {
    QuantRecipe recipe = *parse_quant_recipe("q4_k_m");
    const int64_t n_layer = 32;
    EXPECT_EQ(choose_tensor_type(recipe, "output.weight", 2, 4096, n_layer), TensorType::Q6_K);
    EXPECT_EQ(choose_tensor_type(recipe, "token_embd.weight", 2, 4096, n_layer), TensorType::Q4_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.0.ffn_down.weight", 2, 14336, n_layer),
              TensorType::Q6_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.5.attn_v.weight", 2, 4096, n_layer),
              TensorType::Q4_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.6.attn_v.weight", 2, 4096, n_layer),
              TensorType::Q6_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.31.attn_v.weight", 2, 4096, n_layer),
              TensorType::Q6_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.5.attn_q.weight", 2, 4096, n_layer),
              TensorType::Q4_K);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.5.attn_norm.weight", 1, 4096, n_layer),
              TensorType::F32);
}

TEST(QuantRecipe, FallsBackWhenBlocksDoNotDivideTheRow) {
    QuantRecipe recipe = *parse_quant_recipe("q4_k");
    EXPECT_EQ(choose_tensor_type(recipe, "blk.0.attn_q.weight", 2, 96, 2), TensorType::Q8_0);
    EXPECT_EQ(choose_tensor_type(recipe, "blk.0.attn_q.weight", 2, 100, 2), TensorType::F16);
}

}  // namespace
}  // namespace souverain
