#pragma once
// The BM25 and query-analysis flags that `search` and `eval retrieval` share, so that an
// evaluated setting is typed the same way when it is then used to search.
#include <CLI/CLI.hpp>

#include "retrieval/lexical_search.h"

namespace souverain::cli {

// Adds --k1, --b, --title-weight, --decompound, --min-idf, --binary-tf and --max-query-terms,
// writing into `config` (which must outlive the command).
void add_lexical_tuning_options(CLI::App* cmd, retrieval::LexicalConfig& config);

}  // namespace souverain::cli
