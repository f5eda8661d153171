// Placeholder until the make_model command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_make_model(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
