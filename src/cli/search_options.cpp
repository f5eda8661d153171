#include "cli/search_options.h"

namespace souverain::cli {

void add_lexical_tuning_options(CLI::App* cmd, retrieval::LexicalConfig& config) {
    cmd->add_option("--k1", config.bm25.k1, "BM25 k1");
    cmd->add_option("--b", config.bm25.b, "BM25 b");
    cmd->add_option("--title-weight", config.bm25.title_weight,
                    "Weight of the title/heading field (0: body only)");
    cmd->add_option("--decompound", config.query.decompound_weight,
                    "Weight of German compound parts in the query (0: off)");
    cmd->add_option("--min-idf", config.query.min_idf, "Drop query terms below this idf");
    cmd->add_option("--binary-tf", config.query.binary_tf,
                    "Count each query term once (true/false)");
    cmd->add_option("--max-query-terms", config.query.max_terms,
                    "Keep this many query terms with the highest weight x idf (0: all)");
}

}  // namespace souverain::cli
