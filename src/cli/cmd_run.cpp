// Placeholder until the run command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_run(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
