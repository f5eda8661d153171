// Placeholder until the quantize command lands; replaced by its owner.
#include "cli/commands.h"

namespace souverain::cli {

void register_quantize(CLI::App& app) { (void)app; }

}  // namespace souverain::cli
