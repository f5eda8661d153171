#pragma once
// Splits a template into tokens the way Jinja2's lexer does with the settings Hugging Face
// renders chat templates with: trim_blocks and lstrip_blocks on, keep_trailing_newline off,
// "\r\n" and "\r" read as "\n". Whitespace control (`{%-`, `-%}`, `{%+`, `+%}`) and comments
// are resolved here, so the parser sees only text, tags and expression tokens.
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace souverain::server::jinja {

enum class TokenType {
    TEXT,
    VARIABLE_BEGIN,  // {{
    VARIABLE_END,    // }}
    BLOCK_BEGIN,     // {%
    BLOCK_END,       // %}
    NAME,
    STRING,  // text holds the unescaped value
    INTEGER,
    FLOAT,
    OPERATOR,
    END,  // end of the template
};

struct Token {
    TokenType type;
    std::string text;
    int line = 1;
    int column = 1;
};

// The tokens of `source`, ending with one END token. A lexical error (unterminated string or
// tag, unexpected character) is an ErrorCode::FORMAT Error naming line and column.
Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace souverain::server::jinja
