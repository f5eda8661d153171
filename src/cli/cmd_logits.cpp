// Placeholder until the logits command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_logits(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
