// Placeholder until the inspect command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_inspect(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
