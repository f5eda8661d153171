#include "server/jinja/lexer.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "server/jinja/text.h"
#include "server/jinja/value.h"

namespace souverain::server::jinja {

namespace {

bool is_space_byte(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's str.rstrip() / whitespace check over UTF-8 text.
std::string rstrip_text(std::string_view text) {
    return py_strip(text, false, true, nullptr);
}
bool all_space(std::string_view text) {
    if (text.empty()) return false;
    for (char32_t c : utf8_decode(text)) {
        if (!py_is_space(c)) return false;
    }
    return true;
}

class Lexer {
public:
    explicit Lexer(std::string source) : src_(std::move(source)) {
        line_starts_.push_back(0);
        for (size_t i = 0; i < src_.size(); ++i) {
            if (src_[i] == '\n') line_starts_.push_back(i + 1);
        }
    }

    std::vector<Token> run() {
        size_t pos = 0;
        bool line_starting = true;
        while (pos < src_.size()) {
            size_t tag = find_tag(pos);
            if (tag == std::string::npos) {
                emit(TokenType::TEXT, src_.substr(pos), pos);
                break;
            }
            const char kind = src_[tag + 1];  // '{', '%' or '#'
            const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
            std::string text = src_.substr(pos, tag - pos);
            if (sign == '-') {
                text = rstrip_text(text);
            } else if (sign != '+' && kind != '{') {
                const size_t nl = text.rfind('\n');
                const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
                if ((l_pos > 0 || line_starting) &&
                    all_space(std::string_view(text).substr(l_pos))) {
                    text.resize(l_pos);
                }
            }
            if (!text.empty()) emit(TokenType::TEXT, std::move(text), pos);
            size_t p = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
            if (kind == '#') {
                p = lex_comment_end(tag, p);
            } else if (kind == '%') {
                emit(TokenType::BLOCK_BEGIN, "{%", tag);
                p = lex_expression(p, true);
            } else {
                emit(TokenType::VARIABLE_BEGIN, "{{", tag);
                p = lex_expression(p, false);
            }
            line_starting = p > 0 && src_[p - 1] == '\n';
            pos = p;
        }
        emit(TokenType::END, "", src_.size());
        return std::move(tokens_);
    }

private:
    [[noreturn]] void error(const std::string& message, size_t offset) {
        auto [line, col] = where(offset);
        throw TemplateError{ErrorCode::FORMAT, "template syntax error at line " +
                                                   std::to_string(line) + ", column " +
                                                   std::to_string(col) + ": " + message};
    }

    std::pair<int, int> where(size_t offset) const {
        auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
        const size_t line = static_cast<size_t>(it - line_starts_.begin());
        const size_t start = line_starts_[line - 1];
        return {static_cast<int>(line),
                static_cast<int>(utf8_length(std::string_view(src_).substr(start, offset - start)) +
                                 1)};
    }

    void emit(TokenType type, std::string text, size_t offset) {
        auto [line, col] = where(offset);
        tokens_.push_back(Token{type, std::move(text), line, col});
    }

    size_t find_tag(size_t pos) const {
        while (true) {
            const size_t p = src_.find('{', pos);
            if (p == std::string::npos || p + 1 >= src_.size()) return std::string::npos;
            const char n = src_[p + 1];
            if (n == '{' || n == '%' || n == '#') return p;
            pos = p + 1;
        }
    }

    size_t lex_comment_end(size_t tag, size_t p) {
        const size_t end = src_.find("#}", p);
        if (end == std::string::npos) error("missing end of comment tag", tag);
        size_t q = end + 2;
        if (end > p && src_[end - 1] == '-') {
            while (q < src_.size() && is_space_byte(src_[q])) ++q;
        } else if (!(end > p && src_[end - 1] == '+') && q < src_.size() && src_[q] == '\n') {
            ++q;
        }
        return q;
    }

    // Lexes tokens up to and including the closing "%}" or "}}"; returns the offset after it
    // (and after the whitespace that trimming removes).
    size_t lex_expression(size_t p, bool block) {
        const size_t begin = p;
        int depth = 0;
        const char closer = block ? '%' : '}';
        while (true) {
            while (p < src_.size() && is_space_byte(src_[p])) ++p;
            if (p >= src_.size())
                error(block ? "unexpected end of template, expected '%}'"
                            : "unexpected end of template, expected '}}'",
                      begin);
            // End of the tag (only outside brackets, as in Jinja).
            if (depth == 0) {
                const bool minus = src_[p] == '-' || (block && src_[p] == '+');
                const size_t q = minus ? p + 1 : p;
                if (q + 1 < src_.size() && src_[q] == closer && src_[q + 1] == '}') {
                    emit(block ? TokenType::BLOCK_END : TokenType::VARIABLE_END, "", p);
                    size_t after = q + 2;
                    if (minus && src_[p] == '-') {
                        while (after < src_.size() && is_space_byte(src_[after])) ++after;
                    } else if (block && !minus && after < src_.size() && src_[after] == '\n') {
                        ++after;
                    }
                    return after;
                }
            }
            const char c = src_[p];
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t q = p;
                while (q < src_.size() &&
                       (std::isalnum(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) {
                    ++q;
                }
                emit(TokenType::NAME, src_.substr(p, q - p), p);
                p = q;
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                p = lex_number(p);
            } else if (c == '\'' || c == '"') {
                p = lex_string(p);
            } else {
                static const char* const two[] = {"//", "**", "==", "!=", "<=", ">="};
                size_t len = 0;
                for (const char* op : two) {
                    if (src_.compare(p, 2, op) == 0) len = 2;
                }
                if (len == 0) {
                    if (!std::strchr("+-*/%~<>()[]{},.:|=;!", c)) {
                        error(std::string("unexpected char '") + c + "'", p);
                    }
                    len = 1;
                }
                const std::string op = src_.substr(p, len);
                if (op == "(" || op == "[" || op == "{") ++depth;
                if (op == ")" || op == "]" || op == "}") {
                    if (depth == 0) error("unexpected '" + op + "'", p);
                    --depth;
                }
                emit(TokenType::OPERATOR, op, p);
                p += len;
            }
        }
    }

    size_t lex_number(size_t p) {
        const size_t start = p;
        auto digits = [&]() {
            while (p < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[p])) ||
                                       (src_[p] == '_' && p + 1 < src_.size() &&
                                        std::isdigit(static_cast<unsigned char>(src_[p + 1]))))) {
                ++p;
            }
        };
        digits();
        bool is_float = false;
        if (p + 1 < src_.size() && src_[p] == '.' &&
            std::isdigit(static_cast<unsigned char>(src_[p + 1]))) {
            is_float = true;
            ++p;
            digits();
        }
        if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
            size_t q = p + 1;
            if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
            if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
                is_float = true;
                p = q;
                digits();
            }
        }
        std::string text = src_.substr(start, p - start);
        text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
        emit(is_float ? TokenType::FLOAT : TokenType::INTEGER, std::move(text), start);
        return p;
    }

    size_t lex_string(size_t p) {
        const size_t start = p;
        const char quote = src_[p++];
        std::string value;
        while (true) {
            if (p >= src_.size()) error("unterminated string", start);
            const char c = src_[p];
            if (c == quote) {
                ++p;
                break;
            }
            if (c != '\\') {
                value += c;
                ++p;
                continue;
            }
            if (p + 1 >= src_.size()) error("unterminated string", start);
            const char e = src_[p + 1];
            p += 2;
            auto hex = [&](int n) -> long {
                if (p + static_cast<size_t>(n) > src_.size()) return -1;
                long v = 0;
                for (int k = 0; k < n; ++k) {
                    const char h = src_[p + static_cast<size_t>(k)];
                    if (!std::isxdigit(static_cast<unsigned char>(h))) return -1;
                    v = v * 16 + (std::isdigit(static_cast<unsigned char>(h))
                                      ? h - '0'
                                      : (std::tolower(h) - 'a' + 10));
                }
                p += static_cast<size_t>(n);
                return v;
            };
            switch (e) {
                case 'n':
                    value += '\n';
                    break;
                case 't':
                    value += '\t';
                    break;
                case 'r':
                    value += '\r';
                    break;
                case 'a':
                    value += '\a';
                    break;
                case 'b':
                    value += '\b';
                    break;
                case 'f':
                    value += '\f';
                    break;
                case 'v':
                    value += '\v';
                    break;
                case '\\':
                    value += '\\';
                    break;
                case '\'':
                    value += '\'';
                    break;
                case '"':
                    value += '"';
                    break;
                case '\n':
                    break;  // line continuation
                case 'x':
                case 'u':
                case 'U': {
                    const long v = hex(e == 'x' ? 2 : e == 'u' ? 4 : 8);
                    if (v < 0 || v > 0x10FFFF) error("invalid escape in string", p - 2);
                    utf8_append(value, static_cast<char32_t>(v));
                    break;
                }
                default:
                    if (e >= '0' && e <= '7') {
                        long v = e - '0';
                        for (int k = 0;
                             k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k) {
                            v = v * 8 + (src_[p++] - '0');
                        }
                        utf8_append(value, static_cast<char32_t>(v));
                    } else {
                        value += '\\';
                        value += e;
                    }
            }
        }
        emit(TokenType::STRING, std::move(value), start);
        return p;
    }

    std::string src_;
    std::vector<size_t> line_starts_;
    std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) {
    std::string normalized;
    normalized.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            normalized += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            normalized += source[i];
        }
    }
    if (!normalized.empty() && normalized.back() == '\n') normalized.pop_back();
    try {
        return Lexer(std::move(normalized)).run();
    } catch (const TemplateError& e) {
        return Error{e.code, e.message};
    }
}

}  // namespace souverain::server::jinja
