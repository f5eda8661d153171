#pragma once
// Parses template tokens into a statement tree (see ast.h). The grammar and the operator
// precedence follow Jinja2's parser; the statements are the subset chat templates use: if /
// elif / else, for (with `if` filter and else), set (names, tuples, namespace attributes, set
// blocks), macro, break / continue, and Hugging Face's generation block.
#include <string_view>

#include "common/error.h"
#include "server/jinja/ast.h"

namespace souverain::server::jinja {

// Nesting deeper than this (statements, parentheses, unary operators together) is refused, so
// that hostile templates cannot exhaust the stack of the parser or of the interpreter.
inline constexpr int MAX_NESTING_DEPTH = 128;

// The root statement (a BLOCK) of `source`; a syntax error is an ErrorCode::FORMAT Error
// whose message names line and column.
Result<StmtPtr> parse_template(std::string_view source);

}  // namespace souverain::server::jinja
