#include "server/jinja/interpreter.h"

#include <cmath>
#include <limits>

#include "server/jinja/builtins.h"
#include "server/jinja/text.h"

namespace souverain::server::jinja {

namespace {

[[noreturn]] void limit_error(const std::string& message) {
    throw TemplateError{ErrorCode::OUT_OF_RANGE, message};
}

[[noreturn]] void undefined_error(const Value& v) {
    fail(v.as_string().empty() ? "value is undefined" : v.as_string());
}

}  // namespace

Result<std::string> render(const Stmt& root, const ValueDict& variables,
                           const RenderOptions& options) {
    try {
        Interpreter interpreter(options, variables);
        return interpreter.run(root);
    } catch (const TemplateError& e) {
        return Error{e.code, e.message};
    }
}

Interpreter::Interpreter(const RenderOptions& options, const ValueDict& variables)
    : options_(options) {
    frames_.emplace_back();
    add_globals(frames_[0]);
    for (const auto& [k, v] : variables.items) frames_[0].set(k, v);
}

std::string Interpreter::run(const Stmt& root) {
    exec(root);
    return std::move(out_);
}

void Interpreter::step() {
    if (++steps_ > options_.limits.max_steps) {
        limit_error("template exceeded its work limit of " +
                    std::to_string(options_.limits.max_steps) + " steps");
    }
}

void Interpreter::check_string_size(size_t bytes) const {
    if (bytes > options_.limits.max_output_bytes) {
        limit_error("template output or string exceeds " +
                    std::to_string(options_.limits.max_output_bytes) + " bytes");
    }
}

void Interpreter::check_list_size(size_t items) const {
    if (items > options_.limits.max_list_items) {
        limit_error("template list exceeds " + std::to_string(options_.limits.max_list_items) +
                    " items");
    }
}

void Interpreter::write(std::string_view text) {
    check_string_size(out_.size() + text.size());
    out_ += text;
}

Value Interpreter::lookup(const std::string& name) const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
        if (const Value* v = it->find(name)) return *v;
    }
    return Value::undefined("'" + name + "' is undefined");
}

void Interpreter::assign(const std::string& name, Value value) {
    frames_.back().set(name, std::move(value));
}

// --- statements ---------------------------------------------------------------------------

Interpreter::Flow Interpreter::exec_body(const Body& body) {
    for (const auto& s : body) {
        const Flow flow = exec(*s);
        if (flow != Flow::NORMAL) return flow;
    }
    return Flow::NORMAL;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
    step();
    switch (s.kind) {
        case StmtKind::TEXT:
            write(s.text);
            return Flow::NORMAL;
        case StmtKind::OUTPUT:
            write(eval(*s.expr).to_str());
            return Flow::NORMAL;
        case StmtKind::IF:
            for (size_t i = 0; i < s.bodies.size(); ++i) {
                if (i >= s.conditions.size() || eval(*s.conditions[i]).truthy()) {
                    return exec_body(s.bodies[i]);
                }
            }
            return Flow::NORMAL;
        case StmtKind::FOR:
            exec_for(s);
            return Flow::NORMAL;
        case StmtKind::SET:
            exec_set(s);
            return Flow::NORMAL;
        case StmtKind::SET_BLOCK:
            assign(s.targets[0], Value::string(capture(s.bodies[0])));
            return Flow::NORMAL;
        case StmtKind::MACRO:
            define_macro(s);
            return Flow::NORMAL;
        case StmtKind::BREAK:
            return Flow::BREAK;
        case StmtKind::CONTINUE:
            return Flow::CONTINUE;
        case StmtKind::BLOCK:
            return exec_body(s.bodies[0]);
    }
    return Flow::NORMAL;
}

std::string Interpreter::capture(const Body& body) {
    std::string saved = std::move(out_);
    out_.clear();
    exec_body(body);
    std::string captured = std::move(out_);
    out_ = std::move(saved);
    return captured;
}

void Interpreter::exec_for(const Stmt& s) {
    ValueList items = iterate(eval(*s.expr));
    frames_.emplace_back();
    if (s.filter) {  // `for x in xs if cond`: the loop sees only the items that pass
        ValueList kept;
        for (auto& item : items) {
            step();
            frames_.back().items.clear();
            if (s.targets.size() == 1)
                assign(s.targets[0], item);
            else {
                ValueList parts = iterate(item);
                for (size_t t = 0; t < s.targets.size(); ++t) {
                    assign(s.targets[t], t < parts.size() ? parts[t] : Value::undefined("unpack"));
                }
            }
            if (eval(*s.filter).truthy()) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    const auto n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
        step();
        ValueDict& frame = frames_.back();
        frame.items.clear();
        const Value& item = items[static_cast<size_t>(i)];
        if (s.targets.size() == 1) {
            frame.set(s.targets[0], item);
        } else {
            ValueList parts = iterate(item);
            if (parts.size() != s.targets.size()) {
                fail("cannot unpack " + std::to_string(parts.size()) + " values into " +
                     std::to_string(s.targets.size()) + " loop variables");
            }
            for (size_t t = 0; t < parts.size(); ++t) frame.set(s.targets[t], parts[t]);
        }
        ValueDict loop;
        loop.set("index", Value::integer(i + 1));
        loop.set("index0", Value::integer(i));
        loop.set("revindex", Value::integer(n - i));
        loop.set("revindex0", Value::integer(n - i - 1));
        loop.set("first", Value::boolean(i == 0));
        loop.set("last", Value::boolean(i == n - 1));
        loop.set("length", Value::integer(n));
        loop.set("depth", Value::integer(1));
        loop.set("depth0", Value::integer(0));
        if (i > 0) loop.set("previtem", items[static_cast<size_t>(i - 1)]);
        if (i + 1 < n) loop.set("nextitem", items[static_cast<size_t>(i + 1)]);
        loop.set("cycle", Value::callable("loop.cycle", [i](Interpreter&, const CallArgs& a) {
                     if (a.positional.empty()) fail("no items for cycling given");
                     return a.positional[static_cast<size_t>(i) % a.positional.size()];
                 }));
        frame.set("loop", Value::dict(std::move(loop)));
        if (exec_body(s.bodies[0]) == Flow::BREAK) break;
    }
    frames_.pop_back();
    if (n == 0) exec_body(s.else_body);
}

void Interpreter::exec_set(const Stmt& s) {
    Value value = eval(*s.expr);
    if (!s.text.empty()) {
        Value target = lookup(s.targets[0]);
        if (target.kind() != Value::Kind::NAMESPACE) {
            fail("cannot assign attribute on non-namespace object '" + s.targets[0] + "'");
        }
        target.mutable_dict().set(s.text, std::move(value));
        return;
    }
    if (s.targets.size() == 1) {
        assign(s.targets[0], std::move(value));
        return;
    }
    ValueList parts = iterate(value);
    if (parts.size() != s.targets.size()) {
        fail("cannot unpack " + std::to_string(parts.size()) + " values into " +
             std::to_string(s.targets.size()) + " names");
    }
    for (size_t t = 0; t < parts.size(); ++t) assign(s.targets[t], parts[t]);
}

void Interpreter::define_macro(const Stmt& s) {
    const Stmt* macro = &s;
    assign(s.text, Value::callable(s.text, [macro](Interpreter& in, const CallArgs& args) {
               if (in.call_depth_ >= in.options_.limits.max_call_depth) {
                   limit_error("macro calls nested deeper than " +
                               std::to_string(in.options_.limits.max_call_depth));
               }
               // A macro sees the template's top-level names and its own arguments.
               std::vector<ValueDict> saved = std::move(in.frames_);
               in.frames_.clear();
               in.frames_.push_back(saved.front());
               in.frames_.emplace_back();
               ++in.call_depth_;
               struct Restore {
                   Interpreter& in;
                   std::vector<ValueDict>& saved;
                   ~Restore() {
                       --in.call_depth_;
                       in.frames_ = std::move(saved);
                   }
               } restore{in, saved};
               for (size_t p = 0; p < macro->params.size(); ++p) {
                   const MacroParam& param = macro->params[p];
                   const Value* given = args.get(p, param.name);
                   if (given)
                       in.assign(param.name, *given);
                   else if (param.default_value)
                       in.assign(param.name, in.eval(*param.default_value));
                   else
                       in.assign(param.name, Value::undefined("'" + param.name + "' is undefined"));
               }
               return Value::string(in.capture(macro->bodies[0]));
           }));
}

// --- expressions --------------------------------------------------------------------------

void Interpreter::collect_args(const Expr& e, size_t first_child, CallArgs& args) {
    for (size_t i = first_child; i < e.children.size(); ++i) {
        args.positional.push_back(eval(*e.children[i]));
    }
    for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v));
}

Value Interpreter::call(const Value& callee, const CallArgs& args) {
    step();
    if (callee.is_undefined()) undefined_error(callee);
    if (callee.kind() != Value::Kind::CALLABLE) {
        fail(std::string("'") + callee.type_name() + "' object is not callable");
    }
    return callee.as_callable().call(*this, args);
}

Value Interpreter::get_attr(const Value& obj, std::string_view name) {
    switch (obj.kind()) {
        case Value::Kind::UNDEFINED:
            undefined_error(obj);
        case Value::Kind::DICT: {
            Value method = bound_method(obj, name);
            if (!method.is_undefined()) return method;
            if (const Value* v = obj.as_dict().find(name)) return *v;
            break;
        }
        case Value::Kind::NAMESPACE:
            if (const Value* v = obj.as_dict().find(name)) return *v;
            break;
        case Value::Kind::STRING:
        case Value::Kind::LIST: {
            Value method = bound_method(obj, name);
            if (!method.is_undefined()) return method;
            break;
        }
        default:
            break;
    }
    return Value::undefined("'" + std::string(obj.type_name()) + " object' has no attribute '" +
                            std::string(name) + "'");
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) undefined_error(obj);
    if (obj.is_mapping() && key.is_string()) {
        if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
    } else if ((obj.is_list() || obj.is_string()) &&
               (key.kind() == Value::Kind::INT || key.kind() == Value::Kind::BOOL)) {
        if (obj.is_list()) {
            const auto size = static_cast<int64_t>(obj.as_list().size());
            int64_t i = key.as_int();
            if (i < 0) i += size;
            if (i >= 0 && i < size) return obj.as_list()[static_cast<size_t>(i)];
        } else {
            const std::u32string cps = utf8_decode(obj.as_string());
            const auto size = static_cast<int64_t>(cps.size());
            int64_t i = key.as_int();
            if (i < 0) i += size;
            if (i >= 0 && i < size)
                return Value::string(utf8_encode(cps.substr(static_cast<size_t>(i), 1)));
        }
    }
    if (key.is_string()) return get_attr(obj, key.as_string());
    return Value::undefined("'" + std::string(obj.type_name()) + " object' has no item " +
                            key.repr());
}

ValueList Interpreter::iterate(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::UNDEFINED:
            return {};
        case Value::Kind::LIST:
            return v.as_list();
        case Value::Kind::DICT: {
            ValueList keys;
            for (const auto& [k, value] : v.as_dict().items) keys.push_back(Value::string(k));
            return keys;
        }
        case Value::Kind::STRING: {
            ValueList chars;
            for (char32_t c : utf8_decode(v.as_string())) {
                chars.push_back(Value::string(utf8_encode(std::u32string(1, c))));
            }
            return chars;
        }
        default:
            fail(std::string("'") + v.type_name() + "' object is not iterable");
    }
}

Value Interpreter::eval(const Expr& e) {
    switch (e.kind) {
        case ExprKind::LITERAL:
            return e.literal;
        case ExprKind::NAME:
            return lookup(e.name);
        case ExprKind::LIST: {
            ValueList items;
            for (const auto& c : e.children) items.push_back(eval(*c));
            return Value::list(std::move(items));
        }
        case ExprKind::DICT: {
            ValueDict d;
            for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
                Value key = eval(*e.children[i]);
                if (!key.is_string()) fail("only string keys are supported in dict literals");
                d.set(key.as_string(), eval(*e.children[i + 1]));
            }
            return Value::dict(std::move(d));
        }
        case ExprKind::ATTR:
            return get_attr(eval(*e.children[0]), e.name);
        case ExprKind::ITEM: {
            Value obj = eval(*e.children[0]);
            return get_item(obj, eval(*e.children[1]));
        }
        case ExprKind::SLICE: {
            Value obj = eval(*e.children[0]);
            if (obj.is_undefined()) undefined_error(obj);
            Value parts[3];
            for (int k = 0; k < 3; ++k) {
                if (e.children[static_cast<size_t>(k) + 1])
                    parts[k] = eval(*e.children[static_cast<size_t>(k) + 1]);
            }
            return slice_value(obj, parts[0], parts[1], parts[2]);
        }
        case ExprKind::NEGATE:
        case ExprKind::PLUS: {
            Value v = eval(*e.children[0]);
            if (v.is_undefined()) undefined_error(v);
            if (!v.is_number())
                fail(std::string("bad operand type for unary -: '") + v.type_name() + "'");
            if (e.kind == ExprKind::PLUS)
                return v.kind() == Value::Kind::FLOAT ? v : Value::integer(v.as_int());
            if (v.kind() == Value::Kind::FLOAT) return Value::number(-v.as_double());
            if (v.as_int() == std::numeric_limits<int64_t>::min()) fail("integer overflow");
            return Value::integer(-v.as_int());
        }
        case ExprKind::NOT:
            return Value::boolean(!eval(*e.children[0]).truthy());
        case ExprKind::AND: {
            Value left = eval(*e.children[0]);
            return left.truthy() ? eval(*e.children[1]) : left;
        }
        case ExprKind::OR: {
            Value left = eval(*e.children[0]);
            return left.truthy() ? left : eval(*e.children[1]);
        }
        case ExprKind::BINARY:
            return eval_binary(e);
        case ExprKind::COMPARE:
            return Value::boolean(eval_compare(e));
        case ExprKind::TEST: {
            step();
            Value subject = eval(*e.children[0]);
            CallArgs args;
            collect_args(e, 1, args);
            return Value::boolean(apply_test(*this, e.name, subject, args) != e.negated);
        }
        case ExprKind::FILTER: {
            step();
            Value subject = eval(*e.children[0]);
            CallArgs args;
            collect_args(e, 1, args);
            return apply_filter(*this, e.name, subject, args);
        }
        case ExprKind::CALL: {
            Value callee = eval(*e.children[0]);
            CallArgs args;
            collect_args(e, 1, args);
            return call(callee, args);
        }
        case ExprKind::CONDITIONAL:
            if (eval(*e.children[0]).truthy()) return eval(*e.children[1]);
            if (e.children[2]) return eval(*e.children[2]);
            return Value::undefined("the inline if expression has no else branch");
    }
    return Value();
}

Value Interpreter::eval_binary(const Expr& e) {
    Value a = eval(*e.children[0]);
    Value b = eval(*e.children[1]);
    if (e.op == BinaryOp::CONCAT) {
        std::string s = a.to_str();
        std::string t = b.to_str();
        check_string_size(s.size() + t.size());
        return Value::string(s + t);
    }
    if (a.is_undefined()) undefined_error(a);
    if (b.is_undefined()) undefined_error(b);
    const bool ints = (a.kind() == Value::Kind::INT || a.kind() == Value::Kind::BOOL) &&
                      (b.kind() == Value::Kind::INT || b.kind() == Value::Kind::BOOL);
    const bool numbers = a.is_number() && b.is_number();
    const char* symbol = "?";
    switch (e.op) {
        case BinaryOp::ADD:
            symbol = "+";
            if (ints) {
                int64_t r;
                if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) fail("integer overflow");
                return Value::integer(r);
            }
            if (numbers) return Value::number(a.as_double() + b.as_double());
            if (a.is_string() && b.is_string()) {
                check_string_size(a.as_string().size() + b.as_string().size());
                return Value::string(a.as_string() + b.as_string());
            }
            if (a.is_list() && b.is_list()) {
                check_list_size(a.as_list().size() + b.as_list().size());
                ValueList items = a.as_list();
                items.insert(items.end(), b.as_list().begin(), b.as_list().end());
                return Value::list(std::move(items));
            }
            break;
        case BinaryOp::SUB:
            symbol = "-";
            if (ints) {
                int64_t r;
                if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) fail("integer overflow");
                return Value::integer(r);
            }
            if (numbers) return Value::number(a.as_double() - b.as_double());
            break;
        case BinaryOp::MUL: {
            symbol = "*";
            if (ints) {
                int64_t r;
                if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) fail("integer overflow");
                return Value::integer(r);
            }
            if (numbers) return Value::number(a.as_double() * b.as_double());
            const Value* seq = a.is_string() || a.is_list() ? &a : &b;
            const Value* count = seq == &a ? &b : &a;
            if ((seq->is_string() || seq->is_list()) &&
                (count->kind() == Value::Kind::INT || count->kind() == Value::Kind::BOOL)) {
                const int64_t n = std::max<int64_t>(0, count->as_int());
                if (seq->is_string()) {
                    const size_t len = seq->as_string().size();
                    if (len != 0 &&
                        static_cast<uint64_t>(n) > options_.limits.max_output_bytes / len) {
                        check_string_size(options_.limits.max_output_bytes + 1);
                    }
                    std::string s;
                    for (int64_t i = 0; i < n; ++i) s += seq->as_string();
                    return Value::string(std::move(s));
                }
                const size_t len = seq->as_list().size();
                if (len != 0 && static_cast<uint64_t>(n) > options_.limits.max_list_items / len) {
                    check_list_size(options_.limits.max_list_items + 1);
                }
                ValueList items;
                for (int64_t i = 0; i < n; ++i) {
                    items.insert(items.end(), seq->as_list().begin(), seq->as_list().end());
                }
                return Value::list(std::move(items));
            }
            break;
        }
        case BinaryOp::DIV:
            symbol = "/";
            if (numbers) {
                if (b.as_double() == 0) fail("division by zero");
                return Value::number(a.as_double() / b.as_double());
            }
            break;
        case BinaryOp::FLOOR_DIV:
        case BinaryOp::MOD:
            symbol = e.op == BinaryOp::MOD ? "%" : "//";
            if (numbers) {
                if (b.as_double() == 0) fail("integer division or modulo by zero");
                if (ints) {
                    const int64_t x = a.as_int();
                    const int64_t y = b.as_int();
                    if (x == std::numeric_limits<int64_t>::min() && y == -1)
                        fail("integer overflow");
                    int64_t q = x / y;
                    int64_t r = x % y;
                    if (r != 0 && ((r < 0) != (y < 0))) {
                        --q;
                        r += y;
                    }
                    return Value::integer(e.op == BinaryOp::MOD ? r : q);
                }
                const double x = a.as_double();
                const double y = b.as_double();
                double r = std::fmod(x, y);
                if (r != 0 && ((r < 0) != (y < 0))) r += y;
                if (e.op == BinaryOp::MOD) return Value::number(r);
                return Value::number(std::floor((x - r) / y + 0.5 - 0.5));
            }
            break;
        case BinaryOp::POW:
            symbol = "**";
            if (ints && b.as_int() >= 0) {
                int64_t result = 1;
                int64_t base = a.as_int();
                int64_t exp = b.as_int();
                while (exp > 0) {
                    if (exp & 1) {
                        if (__builtin_mul_overflow(result, base, &result)) fail("integer overflow");
                    }
                    exp >>= 1;
                    if (exp > 0 && __builtin_mul_overflow(base, base, &base))
                        fail("integer overflow");
                }
                return Value::integer(result);
            }
            if (numbers) return Value::number(std::pow(a.as_double(), b.as_double()));
            break;
        case BinaryOp::CONCAT:
            break;
    }
    fail(std::string("unsupported operand type(s) for ") + symbol + ": '" + a.type_name() +
         "' and '" + b.type_name() + "'");
}

namespace {

// Python's <, for the types it orders: numbers, strings, lists.
int compare_order(const Value& a, const Value& b, const char* op) {
    if (a.is_number() && b.is_number()) {
        if (a.kind() != Value::Kind::FLOAT && b.kind() != Value::Kind::FLOAT) {
            return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
        }
        const double x = a.as_double();
        const double y = b.as_double();
        if (x != x || y != y) return 2;  // NaN: every ordering is false
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.is_string() && b.is_string()) {
        const int c = a.as_string().compare(b.as_string());
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (a.is_list() && b.is_list()) {
        const ValueList& x = a.as_list();
        const ValueList& y = b.as_list();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (!x[i].equals(y[i])) return compare_order(x[i], y[i], op);
        }
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
    if (a.is_undefined()) undefined_error(a);
    if (b.is_undefined()) undefined_error(b);
    fail(std::string("'") + op + "' not supported between instances of '" + a.type_name() +
         "' and '" + b.type_name() + "'");
}

}  // namespace

bool contains(const Value& container, const Value& item) {
    switch (container.kind()) {
        case Value::Kind::UNDEFINED:
            return false;
        case Value::Kind::STRING:
            if (!item.is_string()) {
                fail(std::string("'in <string>' requires string as left operand, not ") +
                     item.type_name());
            }
            return container.as_string().find(item.as_string()) != std::string::npos;
        case Value::Kind::LIST:
            for (const Value& v : container.as_list()) {
                if (v.equals(item)) return true;
            }
            return false;
        case Value::Kind::DICT:
        case Value::Kind::NAMESPACE:
            return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
        default:
            fail(std::string("argument of type '") + container.type_name() + "' is not iterable");
    }
}

bool Interpreter::eval_compare(const Expr& e) {
    Value left = eval(*e.children[0]);
    for (size_t i = 0; i < e.compare_ops.size(); ++i) {
        Value right = eval(*e.children[i + 1]);
        bool result = false;
        switch (e.compare_ops[i]) {
            case CompareOp::EQ:
                result = left.equals(right);
                break;
            case CompareOp::NE:
                result = !left.equals(right);
                break;
            case CompareOp::LT:
                result = compare_order(left, right, "<") == -1;
                break;
            case CompareOp::LE: {
                const int c = compare_order(left, right, "<=");
                result = c == -1 || c == 0;
                break;
            }
            case CompareOp::GT:
                result = compare_order(left, right, ">") == 1;
                break;
            case CompareOp::GE: {
                const int c = compare_order(left, right, ">=");
                result = c == 1 || c == 0;
                break;
            }
            case CompareOp::IN:
                result = contains(right, left);
                break;
            case CompareOp::NOT_IN:
                result = !contains(right, left);
                break;
        }
        if (!result) return false;
        left = std::move(right);
    }
    return true;
}

}  // namespace souverain::server::jinja
