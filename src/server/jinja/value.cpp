#include "server/jinja/value.h"

#include "server/jinja/text.h"

namespace souverain::server::jinja {

void fail(std::string message) {
    throw TemplateError{ErrorCode::FORMAT, std::move(message)};
}

const Value* ValueDict::find(std::string_view key) const {
    for (const auto& [k, v] : items) {
        if (k == key) return &v;
    }
    return nullptr;
}

void ValueDict::set(std::string key, Value value) {
    for (auto& [k, v] : items) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    items.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::get(size_t index, std::string_view name) const {
    if (index < positional.size()) return &positional[index];
    for (const auto& [k, v] : keyword) {
        if (k == name) return &v;
    }
    return nullptr;
}

bool Value::truthy() const {
    switch (kind_) {
        case Kind::UNDEFINED:
        case Kind::NONE:
            return false;
        case Kind::BOOL:
        case Kind::INT:
            return int_ != 0;
        case Kind::FLOAT:
            return float_ != 0;
        case Kind::STRING:
            return !str_.empty();
        case Kind::LIST:
            return !list_->empty();
        case Kind::DICT:
            return !dict_->items.empty();
        case Kind::NAMESPACE:
        case Kind::CALLABLE:
            return true;
    }
    return false;
}

std::string Value::to_str() const {
    switch (kind_) {
        case Kind::UNDEFINED:
            return std::string();
        case Kind::STRING:
            return str_;
        default:
            return repr();
    }
}

std::string Value::repr() const {
    switch (kind_) {
        case Kind::UNDEFINED:
            return std::string();
        case Kind::NONE:
            return "None";
        case Kind::BOOL:
            return int_ ? "True" : "False";
        case Kind::INT:
            return std::to_string(int_);
        case Kind::FLOAT:
            return py_float_repr(float_);
        case Kind::STRING:
            return py_string_repr(str_);
        case Kind::LIST: {
            std::string out = "[";
            for (size_t i = 0; i < list_->size(); ++i) {
                if (i) out += ", ";
                out += (*list_)[i].repr();
            }
            return out + "]";
        }
        case Kind::DICT: {
            std::string out = "{";
            for (size_t i = 0; i < dict_->items.size(); ++i) {
                if (i) out += ", ";
                out += py_string_repr(dict_->items[i].first) + ": " + dict_->items[i].second.repr();
            }
            return out + "}";
        }
        case Kind::NAMESPACE: {
            std::string out = "<Namespace {";
            for (size_t i = 0; i < dict_->items.size(); ++i) {
                if (i) out += ", ";
                out += py_string_repr(dict_->items[i].first) + ": " + dict_->items[i].second.repr();
            }
            return out + "}>";
        }
        case Kind::CALLABLE:
            return "<function " + fn_->name + ">";
    }
    return std::string();
}

bool Value::equals(const Value& other) const {
    if (is_number() && other.is_number()) {
        if (kind_ != Kind::FLOAT && other.kind_ != Kind::FLOAT) return int_ == other.int_;
        return as_double() == other.as_double();
    }
    if (kind_ != other.kind_) return false;
    switch (kind_) {
        case Kind::UNDEFINED:
        case Kind::NONE:
            return true;
        case Kind::STRING:
            return str_ == other.str_;
        case Kind::LIST: {
            if (list_->size() != other.list_->size()) return false;
            for (size_t i = 0; i < list_->size(); ++i) {
                if (!(*list_)[i].equals((*other.list_)[i])) return false;
            }
            return true;
        }
        case Kind::DICT: {
            if (dict_->items.size() != other.dict_->items.size()) return false;
            for (const auto& [k, v] : dict_->items) {
                const Value* o = other.dict_->find(k);
                if (!o || !v.equals(*o)) return false;
            }
            return true;
        }
        case Kind::NAMESPACE:
            return dict_ == other.dict_;
        case Kind::CALLABLE:
            return fn_ == other.fn_;
        default:
            return false;
    }
}

const char* Value::type_name() const {
    switch (kind_) {
        case Kind::UNDEFINED:
            return "Undefined";
        case Kind::NONE:
            return "NoneType";
        case Kind::BOOL:
            return "bool";
        case Kind::INT:
            return "int";
        case Kind::FLOAT:
            return "float";
        case Kind::STRING:
            return "str";
        case Kind::LIST:
            return "list";
        case Kind::DICT:
            return "dict";
        case Kind::NAMESPACE:
            return "Namespace";
        case Kind::CALLABLE:
            return "function";
    }
    return "?";
}

namespace {

void json_write(std::string& out, const Value& v, int indent, int depth) {
    if (depth > 512) fail("tojson: value nested too deeply");
    auto newline = [&](int d) {
        out += '\n';
        out.append(static_cast<size_t>(indent) * static_cast<size_t>(d), ' ');
    };
    switch (v.kind()) {
        case Value::Kind::NONE:
            out += "null";
            return;
        case Value::Kind::BOOL:
            out += v.as_bool() ? "true" : "false";
            return;
        case Value::Kind::INT:
            out += std::to_string(v.as_int());
            return;
        case Value::Kind::FLOAT: {
            const double f = v.as_double();
            if (f != f)
                out += "NaN";
            else if (f > 1.7976931348623157e308)
                out += "Infinity";
            else if (f < -1.7976931348623157e308)
                out += "-Infinity";
            else
                out += py_float_repr(f);
            return;
        }
        case Value::Kind::STRING:
            json_quote(out, v.as_string());
            return;
        case Value::Kind::LIST: {
            const ValueList& items = v.as_list();
            if (items.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += indent >= 0 ? "," : ", ";
                if (indent >= 0) newline(depth + 1);
                json_write(out, items[i], indent, depth + 1);
            }
            if (indent >= 0) newline(depth);
            out += ']';
            return;
        }
        case Value::Kind::DICT:
        case Value::Kind::NAMESPACE: {
            if (v.kind() == Value::Kind::NAMESPACE)
                fail("Object of type Namespace is not JSON serializable");
            const auto& items = v.as_dict().items;
            if (items.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += indent >= 0 ? "," : ", ";
                if (indent >= 0) newline(depth + 1);
                json_quote(out, items[i].first);
                out += ": ";
                json_write(out, items[i].second, indent, depth + 1);
            }
            if (indent >= 0) newline(depth);
            out += '}';
            return;
        }
        case Value::Kind::UNDEFINED:
        case Value::Kind::CALLABLE:
            fail(std::string("Object of type ") + v.type_name() + " is not JSON serializable");
    }
}

}  // namespace

std::string to_json(const Value& value, int indent) {
    std::string out;
    json_write(out, value, indent, 0);
    return out;
}

}  // namespace souverain::server::jinja
