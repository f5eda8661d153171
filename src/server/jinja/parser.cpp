#include "server/jinja/parser.h"

#include <charconv>
#include <cstdlib>
#include <initializer_list>

#include "server/jinja/lexer.h"

namespace souverain::server::jinja {

namespace {

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    StmtPtr parse_root() {
        auto root = make_stmt(StmtKind::BLOCK, current());
        root->bodies.push_back(parse_body({}));
        if (current().type != TokenType::END) error("unexpected '" + describe(current()) + "'");
        return root;
    }

private:
    struct DepthGuard {
        explicit DepthGuard(Parser& p) : parser(p) {
            if (++parser.depth_ > MAX_NESTING_DEPTH) {
                parser.error("template nested too deeply (limit " +
                             std::to_string(MAX_NESTING_DEPTH) + ")");
            }
        }
        ~DepthGuard() { --parser.depth_; }
        Parser& parser;
    };

    const Token& current() const { return tokens_[pos_]; }
    const Token& peek(size_t ahead) const {
        return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
    }
    const Token& advance() {
        const Token& t = tokens_[pos_];
        if (pos_ + 1 < tokens_.size()) ++pos_;
        return t;
    }

    static std::string describe(const Token& t) {
        switch (t.type) {
            case TokenType::END:
                return "end of template";
            case TokenType::BLOCK_END:
                return "%}";
            case TokenType::VARIABLE_END:
                return "}}";
            case TokenType::BLOCK_BEGIN:
                return "{%";
            case TokenType::VARIABLE_BEGIN:
                return "{{";
            case TokenType::TEXT:
                return "text";
            default:
                return t.text;
        }
    }

    [[noreturn]] void error(const std::string& message) const {
        const Token& t = current();
        throw TemplateError{ErrorCode::FORMAT, "template syntax error at line " +
                                                   std::to_string(t.line) + ", column " +
                                                   std::to_string(t.column) + ": " + message};
    }

    bool is_op(const char* op) const {
        return current().type == TokenType::OPERATOR && current().text == op;
    }
    bool is_name(const char* name) const {
        return current().type == TokenType::NAME && current().text == name;
    }
    void expect_op(const char* op) {
        if (!is_op(op))
            error(std::string("expected '") + op + "', got '" + describe(current()) + "'");
        advance();
    }
    void expect_block_end() {
        if (current().type != TokenType::BLOCK_END) {
            error("expected '%}', got '" + describe(current()) + "'");
        }
        advance();
    }
    std::string expect_name() {
        if (current().type != TokenType::NAME) {
            error("expected a name, got '" + describe(current()) + "'");
        }
        return advance().text;
    }

    static StmtPtr make_stmt(StmtKind kind, const Token& at) {
        auto s = std::make_unique<Stmt>();
        s->kind = kind;
        s->line = at.line;
        s->column = at.column;
        return s;
    }
    static ExprPtr make_expr(ExprKind kind, const Token& at) {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->line = at.line;
        e->column = at.column;
        return e;
    }

    // --- statements ---------------------------------------------------------------------

    // Parses until a block tag named in `stop` (left unconsumed, positioned on its name) or
    // the end of the template.
    Body parse_body(std::initializer_list<const char*> stop) {
        DepthGuard guard(*this);
        Body body;
        while (true) {
            const Token& t = current();
            if (t.type == TokenType::END) {
                if (stop.size() != 0) {
                    error(std::string("unexpected end of template, expected '") + *stop.begin() +
                          "'");
                }
                return body;
            }
            if (t.type == TokenType::TEXT) {
                auto s = make_stmt(StmtKind::TEXT, t);
                s->text = t.text;
                advance();
                body.push_back(std::move(s));
            } else if (t.type == TokenType::VARIABLE_BEGIN) {
                auto s = make_stmt(StmtKind::OUTPUT, t);
                advance();
                s->expr = parse_tuple(true);
                if (current().type != TokenType::VARIABLE_END) {
                    error("expected '}}', got '" + describe(current()) + "'");
                }
                advance();
                body.push_back(std::move(s));
            } else if (t.type == TokenType::BLOCK_BEGIN) {
                const Token& name = peek(1);
                if (name.type == TokenType::NAME) {
                    for (const char* s : stop) {
                        if (name.text == s) {
                            advance();
                            return body;
                        }
                    }
                }
                advance();
                body.push_back(parse_statement());
            } else {
                error("unexpected '" + describe(t) + "'");
            }
        }
    }

    // Consumes "name %}" of an end tag the body stopped at.
    void end_tag() {
        advance();
        expect_block_end();
    }

    StmtPtr parse_statement() {
        const Token& t = current();
        if (t.type != TokenType::NAME)
            error("expected a statement name, got '" + describe(t) + "'");
        const std::string name = t.text;
        if (name == "if") return parse_if();
        if (name == "for") return parse_for();
        if (name == "set") return parse_set();
        if (name == "macro") return parse_macro();
        if (name == "break" || name == "continue") {
            auto s = make_stmt(name == "break" ? StmtKind::BREAK : StmtKind::CONTINUE, t);
            advance();
            expect_block_end();
            return s;
        }
        if (name == "generation") {
            auto s = make_stmt(StmtKind::BLOCK, t);
            advance();
            expect_block_end();
            s->bodies.push_back(parse_body({"endgeneration"}));
            end_tag();
            return s;
        }
        error("unknown or unsupported tag '" + name + "'");
    }

    StmtPtr parse_if() {
        auto s = make_stmt(StmtKind::IF, current());
        advance();
        s->conditions.push_back(parse_tuple(true));
        expect_block_end();
        while (true) {
            s->bodies.push_back(parse_body({"elif", "else", "endif"}));
            const std::string tag = current().text;
            advance();
            if (tag == "elif") {
                s->conditions.push_back(parse_tuple(true));
                expect_block_end();
            } else if (tag == "else") {
                expect_block_end();
                s->bodies.push_back(parse_body({"endif"}));
                end_tag();
                return s;
            } else {
                expect_block_end();
                return s;
            }
        }
    }

    std::vector<std::string> parse_targets() {
        std::vector<std::string> names{expect_name()};
        while (is_op(",")) {
            advance();
            names.push_back(expect_name());
        }
        return names;
    }

    StmtPtr parse_for() {
        auto s = make_stmt(StmtKind::FOR, current());
        advance();
        const bool parenthesized = is_op("(");
        if (parenthesized) advance();
        s->targets = parse_targets();
        if (parenthesized) expect_op(")");
        if (!is_name("in")) error("expected 'in', got '" + describe(current()) + "'");
        advance();
        s->expr = parse_tuple(false);
        if (is_name("if")) {
            advance();
            s->filter = parse_tuple(true);
        }
        if (is_name("recursive")) error("recursive for loops are not supported");
        expect_block_end();
        s->bodies.push_back(parse_body({"endfor", "else"}));
        if (current().text == "else") {
            advance();
            expect_block_end();
            s->else_body = parse_body({"endfor"});
        }
        end_tag();
        return s;
    }

    StmtPtr parse_set() {
        auto s = make_stmt(StmtKind::SET, current());
        advance();
        s->targets.push_back(expect_name());
        if (is_op(".")) {
            advance();
            s->text = expect_name();
        } else {
            while (is_op(",")) {
                advance();
                s->targets.push_back(expect_name());
            }
        }
        if (is_op("=")) {
            advance();
            s->expr = parse_tuple(true);
            expect_block_end();
            return s;
        }
        if (s->targets.size() != 1 || !s->text.empty()) error("expected '='");
        s->kind = StmtKind::SET_BLOCK;
        expect_block_end();
        s->bodies.push_back(parse_body({"endset"}));
        end_tag();
        return s;
    }

    StmtPtr parse_macro() {
        auto s = make_stmt(StmtKind::MACRO, current());
        advance();
        s->text = expect_name();
        expect_op("(");
        while (!is_op(")")) {
            MacroParam param;
            param.name = expect_name();
            if (is_op("=")) {
                advance();
                param.default_value = parse_expression(true);
            }
            s->params.push_back(std::move(param));
            if (!is_op(",")) break;
            advance();
        }
        expect_op(")");
        expect_block_end();
        s->bodies.push_back(parse_body({"endmacro"}));
        advance();
        if (current().type == TokenType::NAME) advance();
        expect_block_end();
        return s;
    }

    // --- expressions --------------------------------------------------------------------

    // An expression, or several separated by commas (a tuple, kept as a list).
    ExprPtr parse_tuple(bool with_condexpr) {
        const Token& at = current();
        ExprPtr first = parse_expression(with_condexpr);
        if (!is_op(",")) return first;
        auto tuple = make_expr(ExprKind::LIST, at);
        tuple->children.push_back(std::move(first));
        while (is_op(",")) {
            advance();
            if (current().type == TokenType::BLOCK_END ||
                current().type == TokenType::VARIABLE_END || is_op(")")) {
                break;
            }
            tuple->children.push_back(parse_expression(with_condexpr));
        }
        return tuple;
    }

    ExprPtr parse_expression(bool with_condexpr) {
        return with_condexpr ? parse_condexpr() : parse_or();
    }

    ExprPtr parse_condexpr() {
        DepthGuard guard(*this);
        ExprPtr expr = parse_or();
        while (is_name("if")) {
            auto cond = make_expr(ExprKind::CONDITIONAL, current());
            advance();
            cond->children.push_back(parse_or());
            cond->children.push_back(std::move(expr));
            if (is_name("else")) {
                advance();
                cond->children.push_back(parse_condexpr());
            } else {
                cond->children.push_back(nullptr);
            }
            expr = std::move(cond);
        }
        return expr;
    }

    ExprPtr binary_node(ExprKind kind, const Token& at, ExprPtr left, ExprPtr right) {
        auto e = make_expr(kind, at);
        e->children.push_back(std::move(left));
        e->children.push_back(std::move(right));
        return e;
    }

    ExprPtr parse_or() {
        ExprPtr left = parse_and();
        while (is_name("or")) {
            const Token& at = advance();
            left = binary_node(ExprKind::OR, at, std::move(left), parse_and());
        }
        return left;
    }

    ExprPtr parse_and() {
        ExprPtr left = parse_not();
        while (is_name("and")) {
            const Token& at = advance();
            left = binary_node(ExprKind::AND, at, std::move(left), parse_not());
        }
        return left;
    }

    ExprPtr parse_not() {
        DepthGuard guard(*this);
        if (is_name("not")) {
            auto e = make_expr(ExprKind::NOT, current());
            advance();
            e->children.push_back(parse_not());
            return e;
        }
        return parse_compare();
    }

    ExprPtr parse_compare() {
        const Token& at = current();
        ExprPtr first = parse_math1();
        ExprPtr node;
        while (true) {
            CompareOp op;
            if (is_op("=="))
                op = CompareOp::EQ;
            else if (is_op("!="))
                op = CompareOp::NE;
            else if (is_op("<"))
                op = CompareOp::LT;
            else if (is_op("<="))
                op = CompareOp::LE;
            else if (is_op(">"))
                op = CompareOp::GT;
            else if (is_op(">="))
                op = CompareOp::GE;
            else if (is_name("in"))
                op = CompareOp::IN;
            else if (is_name("not") && peek(1).type == TokenType::NAME && peek(1).text == "in") {
                advance();
                op = CompareOp::NOT_IN;
            } else {
                break;
            }
            advance();
            if (!node) {
                node = make_expr(ExprKind::COMPARE, at);
                node->children.push_back(std::move(first));
            }
            node->compare_ops.push_back(op);
            node->children.push_back(parse_math1());
        }
        return node ? std::move(node) : std::move(first);
    }

    ExprPtr binary(BinaryOp op, const Token& at, ExprPtr left, ExprPtr right) {
        auto e = binary_node(ExprKind::BINARY, at, std::move(left), std::move(right));
        e->op = op;
        return e;
    }

    ExprPtr parse_math1() {
        ExprPtr left = parse_concat();
        while (is_op("+") || is_op("-")) {
            const Token& at = advance();
            left = binary(at.text == "+" ? BinaryOp::ADD : BinaryOp::SUB, at, std::move(left),
                          parse_concat());
        }
        return left;
    }

    ExprPtr parse_concat() {
        ExprPtr left = parse_math2();
        while (is_op("~")) {
            const Token& at = advance();
            left = binary(BinaryOp::CONCAT, at, std::move(left), parse_math2());
        }
        return left;
    }

    ExprPtr parse_math2() {
        ExprPtr left = parse_pow();
        while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
            const Token& at = advance();
            const BinaryOp op = at.text == "*"    ? BinaryOp::MUL
                                : at.text == "/"  ? BinaryOp::DIV
                                : at.text == "//" ? BinaryOp::FLOOR_DIV
                                                  : BinaryOp::MOD;
            left = binary(op, at, std::move(left), parse_pow());
        }
        return left;
    }

    ExprPtr parse_pow() {
        ExprPtr left = parse_unary(true);
        while (is_op("**")) {
            const Token& at = advance();
            left = binary(BinaryOp::POW, at, std::move(left), parse_unary(true));
        }
        return left;
    }

    ExprPtr parse_unary(bool with_filter) {
        DepthGuard guard(*this);
        ExprPtr node;
        if (is_op("-") || is_op("+")) {
            node = make_expr(is_op("-") ? ExprKind::NEGATE : ExprKind::PLUS, current());
            advance();
            node->children.push_back(parse_unary(false));
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        if (with_filter) node = parse_filter_expr(std::move(node));
        return node;
    }

    ExprPtr parse_primary() {
        const Token& t = current();
        switch (t.type) {
            case TokenType::NAME: {
                advance();
                auto e = make_expr(ExprKind::LITERAL, t);
                if (t.text == "true" || t.text == "True")
                    e->literal = Value::boolean(true);
                else if (t.text == "false" || t.text == "False")
                    e->literal = Value::boolean(false);
                else if (t.text == "none" || t.text == "None")
                    e->literal = Value::none();
                else {
                    e->kind = ExprKind::NAME;
                    e->name = t.text;
                }
                return e;
            }
            case TokenType::STRING: {
                auto e = make_expr(ExprKind::LITERAL, t);
                std::string s;
                while (current().type == TokenType::STRING) s += advance().text;
                e->literal = Value::string(std::move(s));
                return e;
            }
            case TokenType::INTEGER: {
                auto e = make_expr(ExprKind::LITERAL, t);
                int64_t v = 0;
                auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
                if (res.ec != std::errc()) error("integer literal out of range");
                e->literal = Value::integer(v);
                advance();
                return e;
            }
            case TokenType::FLOAT: {
                auto e = make_expr(ExprKind::LITERAL, t);
                e->literal = Value::number(std::strtod(t.text.c_str(), nullptr));
                advance();
                return e;
            }
            case TokenType::OPERATOR: {
                if (t.text == "(") {
                    advance();
                    if (is_op(")")) {
                        advance();
                        return make_expr(ExprKind::LIST, t);
                    }
                    ExprPtr inner = parse_tuple(true);
                    expect_op(")");
                    return inner;
                }
                if (t.text == "[") {
                    auto e = make_expr(ExprKind::LIST, t);
                    advance();
                    while (!is_op("]")) {
                        e->children.push_back(parse_expression(true));
                        if (!is_op(",")) break;
                        advance();
                    }
                    expect_op("]");
                    return e;
                }
                if (t.text == "{") {
                    auto e = make_expr(ExprKind::DICT, t);
                    advance();
                    while (!is_op("}")) {
                        e->children.push_back(parse_expression(true));
                        expect_op(":");
                        e->children.push_back(parse_expression(true));
                        if (!is_op(",")) break;
                        advance();
                    }
                    expect_op("}");
                    return e;
                }
                break;
            }
            default:
                break;
        }
        error("unexpected '" + describe(t) + "'");
    }

    ExprPtr parse_postfix(ExprPtr node) {
        while (true) {
            if (is_op(".")) {
                const Token& at = advance();
                if (current().type == TokenType::INTEGER) {
                    auto e = make_expr(ExprKind::ITEM, at);
                    auto key = make_expr(ExprKind::LITERAL, current());
                    key->literal = Value::integer(std::atoll(current().text.c_str()));
                    advance();
                    e->children.push_back(std::move(node));
                    e->children.push_back(std::move(key));
                    node = std::move(e);
                } else {
                    auto e = make_expr(ExprKind::ATTR, at);
                    e->name = expect_name();
                    e->children.push_back(std::move(node));
                    node = std::move(e);
                }
            } else if (is_op("[")) {
                node = parse_subscript(std::move(node));
            } else if (is_op("(")) {
                auto e = make_expr(ExprKind::CALL, current());
                e->children.push_back(std::move(node));
                parse_call_args(*e);
                node = std::move(e);
            } else {
                return node;
            }
        }
    }

    ExprPtr parse_subscript(ExprPtr node) {
        const Token& at = advance();  // [
        ExprPtr parts[3];
        int colons = 0;
        while (!is_op("]")) {
            if (is_op(":")) {
                if (++colons > 2) error("unexpected ':'");
                advance();
                continue;
            }
            if (parts[colons]) error("expected ']'");
            parts[colons] = parse_expression(true);
        }
        advance();
        if (colons == 0) {
            if (!parts[0]) error("expected a subscript");
            auto e = make_expr(ExprKind::ITEM, at);
            e->children.push_back(std::move(node));
            e->children.push_back(std::move(parts[0]));
            return e;
        }
        auto e = make_expr(ExprKind::SLICE, at);
        e->children.push_back(std::move(node));
        for (auto& p : parts) e->children.push_back(std::move(p));
        return e;
    }

    void parse_call_args(Expr& call) {
        expect_op("(");
        while (!is_op(")")) {
            if (current().type == TokenType::NAME && peek(1).type == TokenType::OPERATOR &&
                peek(1).text == "=") {
                std::string key = advance().text;
                advance();
                call.kwargs.emplace_back(std::move(key), parse_expression(true));
            } else {
                if (!call.kwargs.empty()) error("positional argument after keyword argument");
                call.children.push_back(parse_expression(true));
            }
            if (!is_op(",")) break;
            advance();
        }
        expect_op(")");
    }

    ExprPtr parse_filter_expr(ExprPtr node) {
        while (true) {
            if (is_op("|")) {
                auto e = make_expr(ExprKind::FILTER, current());
                advance();
                e->name = expect_name();
                while (is_op(".")) {  // dotted filter names
                    advance();
                    e->name += "." + expect_name();
                }
                e->children.push_back(std::move(node));
                if (is_op("(")) parse_call_args(*e);
                node = std::move(e);
            } else if (is_name("is")) {
                auto e = make_expr(ExprKind::TEST, current());
                advance();
                if (is_name("not")) {
                    advance();
                    e->negated = true;
                }
                e->name = expect_name();
                e->children.push_back(std::move(node));
                const Token& t = current();
                if (is_op("(")) {
                    parse_call_args(*e);
                } else if ((t.type == TokenType::NAME || t.type == TokenType::STRING ||
                            t.type == TokenType::INTEGER || t.type == TokenType::FLOAT ||
                            is_op("[") || is_op("{")) &&
                           !(is_name("else") || is_name("or") || is_name("and"))) {
                    if (is_name("is")) error("you cannot chain multiple tests with is");
                    e->children.push_back(parse_postfix(parse_primary()));
                }
                node = std::move(e);
            } else if (is_op("(")) {
                auto e = make_expr(ExprKind::CALL, current());
                e->children.push_back(std::move(node));
                parse_call_args(*e);
                node = std::move(e);
            } else {
                return node;
            }
        }
    }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace

Result<StmtPtr> parse_template(std::string_view source) {
    auto tokens = tokenize(source);
    if (!tokens.ok()) return tokens.error();
    try {
        return Parser(std::move(*tokens)).parse_root();
    } catch (const TemplateError& e) {
        return Error{e.code, e.message};
    }
}

}  // namespace souverain::server::jinja
