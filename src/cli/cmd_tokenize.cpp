// Placeholder until the tokenize command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_tokenize(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
