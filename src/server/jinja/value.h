#pragma once
// Values of the template language, with Python's semantics where chat templates rely on them
// (truthiness, equality, str(), repr()). Lists and dicts are shared by reference like Python
// objects; a Value is created and used by one render only, so none of this is thread-safe
// beyond what shared_ptr gives. Dicts keep insertion order and have string keys only (what
// chat templates and JSON use).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace souverain::server::jinja {

class Value;
class Interpreter;
using ValueList = std::vector<Value>;

struct ValueDict {
    std::vector<std::pair<std::string, Value>> items;

    const Value* find(std::string_view key) const;
    void set(std::string key, Value value);
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;

    // The argument at `index` or named `name`, or nullptr.
    const Value* get(size_t index, std::string_view name) const;
};

// A function value: a builtin global, a bound method ("abc".strip) or a macro.
struct Callable {
    std::string name;
    std::function<Value(Interpreter&, const CallArgs&)> call;
};

// An expected failure inside the interpreter. Thrown only within the jinja subsystem and
// caught by Template::render / Template::parse, which return it as an Error: a tree walker
// would otherwise check a Result after every node. Never crosses the jinja API.
struct TemplateError {
    ErrorCode code;
    std::string message;
};
[[noreturn]] void fail(std::string message);  // ErrorCode::FORMAT

class Value {
public:
    enum class Kind { UNDEFINED, NONE, BOOL, INT, FLOAT, STRING, LIST, DICT, NAMESPACE, CALLABLE };

    Value() = default;  // undefined
    static Value undefined(std::string hint) {
        Value v;
        v.str_ = std::move(hint);
        return v;
    }
    static Value none() { return with_kind(Kind::NONE); }
    static Value boolean(bool b) {
        Value v = with_kind(Kind::BOOL);
        v.int_ = b ? 1 : 0;
        return v;
    }
    static Value integer(int64_t i) {
        Value v = with_kind(Kind::INT);
        v.int_ = i;
        return v;
    }
    static Value number(double f) {
        Value v = with_kind(Kind::FLOAT);
        v.float_ = f;
        return v;
    }
    static Value string(std::string s) {
        Value v = with_kind(Kind::STRING);
        v.str_ = std::move(s);
        return v;
    }
    static Value list(ValueList items = {}) {
        Value v = with_kind(Kind::LIST);
        v.list_ = std::make_shared<ValueList>(std::move(items));
        return v;
    }
    static Value dict(ValueDict d = {}) {
        Value v = with_kind(Kind::DICT);
        v.dict_ = std::make_shared<ValueDict>(std::move(d));
        return v;
    }
    static Value namespace_object(ValueDict d = {}) {
        Value v = dict(std::move(d));
        v.kind_ = Kind::NAMESPACE;
        return v;
    }
    static Value callable(std::string name, std::function<Value(Interpreter&, const CallArgs&)> f) {
        Value v = with_kind(Kind::CALLABLE);
        v.fn_ = std::make_shared<Callable>(Callable{std::move(name), std::move(f)});
        return v;
    }

    Kind kind() const { return kind_; }
    bool is_undefined() const { return kind_ == Kind::UNDEFINED; }
    bool is_none() const { return kind_ == Kind::NONE; }
    bool is_string() const { return kind_ == Kind::STRING; }
    bool is_number() const {
        return kind_ == Kind::INT || kind_ == Kind::FLOAT || kind_ == Kind::BOOL;
    }
    bool is_list() const { return kind_ == Kind::LIST; }
    bool is_dict() const { return kind_ == Kind::DICT; }
    bool is_mapping() const { return kind_ == Kind::DICT || kind_ == Kind::NAMESPACE; }

    bool as_bool() const { return int_ != 0; }
    int64_t as_int() const { return int_; }  // INT or BOOL
    double as_double() const { return kind_ == Kind::FLOAT ? float_ : static_cast<double>(int_); }
    const std::string& as_string() const { return str_; }  // STRING; UNDEFINED: its hint
    const ValueList& as_list() const { return *list_; }
    ValueList& mutable_list() { return *list_; }
    const ValueDict& as_dict() const { return *dict_; }  // DICT or NAMESPACE
    ValueDict& mutable_dict() const { return *dict_; }   // namespaces are mutable by design
    const Callable& as_callable() const { return *fn_; }

    // Python truthiness (undefined is false).
    bool truthy() const;
    // str(value) as Jinja prints it: undefined is "", None is "None", floats as Python.
    std::string to_str() const;
    // repr(value), used inside str() of containers.
    std::string repr() const;
    // Python ==.
    bool equals(const Value& other) const;
    // Python type name for error messages.
    const char* type_name() const;

private:
    static Value with_kind(Kind k) {
        Value v;
        v.kind_ = k;
        return v;
    }

    Kind kind_ = Kind::UNDEFINED;
    int64_t int_ = 0;
    double float_ = 0;
    std::string str_;
    std::shared_ptr<ValueList> list_;
    std::shared_ptr<ValueDict> dict_;
    std::shared_ptr<Callable> fn_;
};

// json.dumps(value, ensure_ascii=False, indent=indent) as Hugging Face's tojson filter does;
// indent < 0 means none. Undefined and callables are refused (TemplateError).
std::string to_json(const Value& value, int indent);

}  // namespace souverain::server::jinja
