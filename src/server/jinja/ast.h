#pragma once
// The parsed form of a template: expression and statement nodes. A tree is built once by the
// parser and never changed afterwards, so one tree may be rendered by many threads at once.
// Each node owns its children.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/jinja/value.h"

namespace souverain::server::jinja {

enum class ExprKind {
    LITERAL,  // literal (a scalar)
    NAME,     // name
    LIST,     // children: items (also tuples)
    DICT,     // children: key, value, key, value, ...
    ATTR,     // children[0].name
    ITEM,     // children[0][children[1]]
    SLICE,    // children[0][children[1]:children[2]:children[3]] (null = absent)
    NEGATE,   // -children[0]
    PLUS,     // +children[0]
    NOT,      // not children[0]
    BINARY,   // children[0] op children[1]
    AND,
    OR,
    COMPARE,      // children[0] ops[0] children[1] ops[1] children[2] ...
    TEST,         // children[0] is [not] name(children[1:]...)
    FILTER,       // children[0] | name(children[1:]..., kwargs)
    CALL,         // children[0](children[1:]..., kwargs)
    CONDITIONAL,  // children[1] if children[0] else children[2] (null = absent)
};

enum class BinaryOp { ADD, SUB, MUL, DIV, FLOOR_DIV, MOD, POW, CONCAT };
enum class CompareOp { EQ, NE, LT, LE, GT, GE, IN, NOT_IN };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    ExprKind kind;
    int line = 0;
    int column = 0;
    Value literal;
    std::string name;
    BinaryOp op = BinaryOp::ADD;
    std::vector<CompareOp> compare_ops;
    bool negated = false;  // TEST: "is not"
    std::vector<ExprPtr> children;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

enum class StmtKind {
    TEXT,       // text
    OUTPUT,     // {{ expr }}
    IF,         // conditions[i] -> bodies[i]; a trailing body without condition is the else
    FOR,        // for targets in expr [if filter] body [else else_body]
    SET,        // set targets = expr, or set ns.attr = expr (attribute non-empty)
    SET_BLOCK,  // {% set name %}body{% endset %}
    MACRO,      // macro name(params) body
    BREAK,
    CONTINUE,
    BLOCK,  // a body rendered in place ({% generation %}, the template root)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct MacroParam {
    std::string name;
    ExprPtr default_value;  // may be null
};

struct Stmt {
    StmtKind kind;
    int line = 0;
    int column = 0;
    std::string text;                  // TEXT; MACRO name; SET attribute
    std::vector<std::string> targets;  // FOR/SET/SET_BLOCK names
    ExprPtr expr;                      // OUTPUT, FOR iterable, SET value
    ExprPtr filter;                    // FOR ... if filter
    std::vector<ExprPtr> conditions;   // IF
    std::vector<Body> bodies;          // IF branches; FOR/SET_BLOCK/MACRO/BLOCK: bodies[0]
    Body else_body;                    // FOR else
    std::vector<MacroParam> params;    // MACRO
};

}  // namespace souverain::server::jinja
