#include "server/jinja/builtins.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>

#include "server/jinja/interpreter.h"
#include "server/jinja/text.h"

namespace souverain::server::jinja {

namespace {

constexpr int64_t MAX_RANGE = 100000;  // as Jinja's sandbox

// By value: callers pass temporaries as the fallback.
Value arg(const CallArgs& a, size_t i, std::string_view name, const Value& fallback) {
    const Value* v = a.get(i, name);
    return v ? *v : fallback;
}

std::string require_string(const Value& v, const char* what) {
    if (!v.is_string()) fail(std::string(what) + " expects a string, got " + v.type_name());
    return v.as_string();
}

int64_t require_int(const Value& v, const char* what) {
    if (v.kind() != Value::Kind::INT && v.kind() != Value::Kind::BOOL) {
        fail(std::string(what) + " expects an integer, got " + v.type_name());
    }
    return v.as_int();
}

// Python's slice.indices(length) then the selected positions.
std::vector<size_t> slice_positions(int64_t length, const Value& start_v, const Value& stop_v,
                                    const Value& step_v) {
    auto given = [](const Value& v) { return !v.is_undefined() && !v.is_none(); };
    const int64_t step = given(step_v) ? require_int(step_v, "slice") : 1;
    if (step == 0) fail("slice step cannot be zero");
    auto clamp = [&](const Value& v, int64_t fallback) {
        if (!given(v)) return fallback;
        int64_t i = require_int(v, "slice");
        if (i < 0) {
            i += length;
            if (i < 0) i = step < 0 ? -1 : 0;
        } else if (i >= length) {
            i = step < 0 ? length - 1 : length;
        }
        return i;
    };
    const int64_t start = clamp(start_v, step < 0 ? length - 1 : 0);
    const int64_t stop = clamp(stop_v, step < 0 ? -1 : length);
    std::vector<size_t> out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
        out.push_back(static_cast<size_t>(i));
    return out;
}

std::string join_strings(const ValueList& items, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i].to_str();
    }
    return out;
}

std::vector<std::string> py_split(const std::string& s, const Value& sep, int64_t maxsplit) {
    std::vector<std::string> parts;
    if (sep.is_undefined() || sep.is_none()) {
        const std::u32string cps = utf8_decode(s);
        size_t i = 0;
        while (true) {
            while (i < cps.size() && py_is_space(cps[i])) ++i;
            if (i >= cps.size()) break;
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
                size_t end = cps.size();
                while (end > i && py_is_space(cps[end - 1])) --end;
                parts.push_back(utf8_encode(std::u32string_view(cps).substr(i, end - i)));
                break;
            }
            size_t j = i;
            while (j < cps.size() && !py_is_space(cps[j])) ++j;
            parts.push_back(utf8_encode(std::u32string_view(cps).substr(i, j - i)));
            i = j;
        }
        return parts;
    }
    const std::string& d = require_string(sep, "split");
    if (d.empty()) fail("empty separator");
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
        const size_t found = s.find(d, pos);
        if (found == std::string::npos) break;
        parts.push_back(s.substr(pos, found - pos));
        pos = found + d.size();
    }
    parts.push_back(s.substr(pos));
    return parts;
}

std::string py_replace(Interpreter& in, const std::string& s, const std::string& old,
                       const std::string& replacement, int64_t count) {
    std::string out;
    if (old.empty()) {  // Python inserts the replacement between every character
        const std::u32string cps = utf8_decode(s);
        int64_t done = 0;
        for (size_t i = 0; i <= cps.size(); ++i) {
            if (count < 0 || done < count) {
                out += replacement;
                ++done;
            }
            if (i < cps.size()) utf8_append(out, cps[i]);
            in.check_string_size(out.size());
        }
        return out;
    }
    size_t pos = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t found = s.find(old, pos);
        if (found == std::string::npos) break;
        out.append(s, pos, found - pos);
        out += replacement;
        in.check_string_size(out.size());
        pos = found + old.size();
        ++done;
    }
    out.append(s, pos, std::string::npos);
    in.check_string_size(out.size());
    return out;
}

// Jinja's attribute lookup for filters (selectattr, map, join): dotted paths, item first.
Value attribute_of(Interpreter& in, const Value& item, const std::string& path) {
    Value v = item;
    size_t pos = 0;
    while (true) {
        const size_t dot = path.find('.', pos);
        const std::string part =
            path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        char* end = nullptr;
        const long long index = std::strtoll(part.c_str(), &end, 10);
        if (!part.empty() && end && *end == '\0')
            v = in.get_item(v, Value::integer(index));
        else
            v = in.get_item(v, Value::string(part));
        if (dot == std::string::npos) return v;
        pos = dot + 1;
    }
}

Value string_method(const Value& self, std::string_view name) {
    const std::string s = self.as_string();
    auto method = [&](auto f) { return Value::callable(std::string(name), f); };
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        const bool left = name != "rstrip";
        const bool right = name != "lstrip";
        return method([s, left, right](Interpreter&, const CallArgs& a) {
            const Value& chars = arg(a, 0, "chars", Value::none());
            if (chars.is_none()) return Value::string(py_strip(s, left, right, nullptr));
            const std::u32string set = utf8_decode(require_string(chars, "strip"));
            return Value::string(py_strip(s, left, right, &set));
        });
    }
    if (name == "upper")
        return method([s](Interpreter&, const CallArgs&) { return Value::string(py_upper(s)); });
    if (name == "lower")
        return method([s](Interpreter&, const CallArgs&) { return Value::string(py_lower(s)); });
    if (name == "title")
        return method([s](Interpreter&, const CallArgs&) { return Value::string(py_title(s)); });
    if (name == "capitalize") {
        return method(
            [s](Interpreter&, const CallArgs&) { return Value::string(py_capitalize(s)); });
    }
    if (name == "split") {
        return method([s](Interpreter& in, const CallArgs& a) {
            const Value& maxsplit = arg(a, 1, "maxsplit", Value::integer(-1));
            ValueList items;
            for (auto& part :
                 py_split(s, arg(a, 0, "sep", Value::none()), require_int(maxsplit, "split"))) {
                items.push_back(Value::string(std::move(part)));
            }
            in.check_list_size(items.size());
            return Value::list(std::move(items));
        });
    }
    if (name == "startswith" || name == "endswith") {
        const bool start = name == "startswith";
        return method([s, start](Interpreter&, const CallArgs& a) {
            const Value& p = arg(a, 0, "prefix", Value());
            ValueList options = p.is_list() ? p.as_list() : ValueList{p};
            for (const Value& o : options) {
                const std::string& t = require_string(o, start ? "startswith" : "endswith");
                const bool hit = t.size() <= s.size() &&
                                 (start ? s.compare(0, t.size(), t) == 0
                                        : s.compare(s.size() - t.size(), t.size(), t) == 0);
                if (hit) return Value::boolean(true);
            }
            return Value::boolean(false);
        });
    }
    if (name == "replace") {
        return method([s](Interpreter& in, const CallArgs& a) {
            const std::string& old = require_string(arg(a, 0, "old", Value()), "replace");
            const std::string& rep = require_string(arg(a, 1, "new", Value()), "replace");
            const int64_t count = require_int(arg(a, 2, "count", Value::integer(-1)), "replace");
            return Value::string(py_replace(in, s, old, rep, count));
        });
    }
    if (name == "find" || name == "count") {
        const bool find = name == "find";
        return method([s, find](Interpreter&, const CallArgs& a) {
            const std::string& t = require_string(arg(a, 0, "sub", Value()), "find");
            if (find) {
                const size_t at = s.find(t);
                return Value::integer(at == std::string::npos
                                          ? -1
                                          : static_cast<int64_t>(utf8_length(s.substr(0, at))));
            }
            if (t.empty()) return Value::integer(static_cast<int64_t>(utf8_length(s)) + 1);
            int64_t n = 0;
            for (size_t at = s.find(t); at != std::string::npos; at = s.find(t, at + t.size())) ++n;
            return Value::integer(n);
        });
    }
    if (name == "join") {
        return method([s](Interpreter& in, const CallArgs& a) {
            std::string out = join_strings(in.iterate(arg(a, 0, "iterable", Value())), s);
            in.check_string_size(out.size());
            return Value::string(std::move(out));
        });
    }
    if (name == "isdigit" || name == "isalpha" || name == "isspace" || name == "islower" ||
        name == "isupper") {
        const std::string which(name);
        return method([s, which](Interpreter&, const CallArgs&) {
            const std::u32string cps = utf8_decode(s);
            if (cps.empty()) return Value::boolean(false);
            if (which == "isspace") {
                for (char32_t c : cps)
                    if (!py_is_space(c)) return Value::boolean(false);
                return Value::boolean(true);
            }
            if (which == "islower") return Value::boolean(py_lower(s) == s && py_upper(s) != s);
            if (which == "isupper") return Value::boolean(py_upper(s) == s && py_lower(s) != s);
            for (char32_t c : cps) {
                const bool ok = which == "isdigit"
                                    ? (c >= '0' && c <= '9')
                                    : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c > 0x7F;
                if (!ok) return Value::boolean(false);
            }
            return Value::boolean(true);
        });
    }
    return Value();
}

Value dict_method(const Value& self, std::string_view name) {
    if (name == "items") {
        return Value::callable("items", [self](Interpreter&, const CallArgs&) {
            ValueList items;
            for (const auto& [k, v] : self.as_dict().items)
                items.push_back(Value::list({Value::string(k), v}));
            return Value::list(std::move(items));
        });
    }
    if (name == "keys" || name == "values") {
        const bool keys = name == "keys";
        return Value::callable(std::string(name), [self, keys](Interpreter&, const CallArgs&) {
            ValueList items;
            for (const auto& [k, v] : self.as_dict().items)
                items.push_back(keys ? Value::string(k) : v);
            return Value::list(std::move(items));
        });
    }
    if (name == "get") {
        return Value::callable("get", [self](Interpreter&, const CallArgs& a) {
            const Value& key = arg(a, 0, "key", Value());
            const Value& fallback = arg(a, 1, "default", Value::none());
            if (!key.is_string()) return fallback;
            const Value* v = self.as_dict().find(key.as_string());
            return v ? *v : fallback;
        });
    }
    return Value();
}

Value to_int(const Value& v, const Value& fallback) {
    switch (v.kind()) {
        case Value::Kind::INT:
        case Value::Kind::BOOL:
            return Value::integer(v.as_int());
        case Value::Kind::FLOAT: {
            const double f = std::trunc(v.as_double());
            if (!(f >= -9.2e18 && f <= 9.2e18)) return fallback;
            return Value::integer(static_cast<int64_t>(f));
        }
        case Value::Kind::STRING: {
            const std::string s = py_strip(v.as_string(), true, true, nullptr);
            if (s.empty()) return fallback;
            errno = 0;
            char* end = nullptr;
            const long long i = std::strtoll(s.c_str(), &end, 10);
            if (errno == 0 && end && *end == '\0') return Value::integer(i);
            const double f = std::strtod(s.c_str(), &end);
            if (end && *end == '\0' && std::isfinite(f) && f >= -9.2e18 && f <= 9.2e18) {
                return Value::integer(static_cast<int64_t>(std::trunc(f)));
            }
            return fallback;
        }
        default:
            return fallback;
    }
}

Value to_float(const Value& v, const Value& fallback) {
    if (v.is_number()) return Value::number(v.as_double());
    if (v.is_string()) {
        const std::string s = py_strip(v.as_string(), true, true, nullptr);
        char* end = nullptr;
        const double f = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0') return Value::number(f);
    }
    return fallback;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// Jinja's title filter: capitalize each word, words split on whitespace and -([{<.
std::string jinja_title(const std::string& s) {
    std::u32string cps = utf8_decode(s);
    std::string out;
    size_t i = 0;
    while (i < cps.size()) {
        size_t j = i;
        auto is_sep = [](char32_t c) {
            return py_is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        };
        if (is_sep(cps[i])) {
            while (j < cps.size() && is_sep(cps[j])) ++j;
            out += utf8_encode(std::u32string_view(cps).substr(i, j - i));
        } else {
            while (j < cps.size() && !is_sep(cps[j])) ++j;
            const std::string word = utf8_encode(std::u32string_view(cps).substr(i, j - i));
            const std::u32string w = utf8_decode(word);
            out += py_upper(utf8_encode(w.substr(0, 1))) + py_lower(utf8_encode(w.substr(1)));
        }
        i = j;
    }
    return out;
}

bool run_test(Interpreter& in, std::string_view name, const Value& v, const CallArgs& a);

ValueList select_items(Interpreter& in, const Value& seq, const CallArgs& a, bool by_attr,
                       bool keep) {
    ValueList out;
    const size_t first_test = by_attr ? 1 : 0;
    std::string attribute;
    if (by_attr) attribute = require_string(arg(a, 0, "attribute", Value()), "selectattr");
    for (const Value& item : in.iterate(seq)) {
        in.step();
        const Value subject = by_attr ? attribute_of(in, item, attribute) : item;
        bool passed;
        if (a.positional.size() <= first_test) {
            passed = subject.truthy();
        } else {
            const std::string& test = require_string(a.positional[first_test], "select");
            CallArgs test_args;
            test_args.positional.assign(a.positional.begin() + static_cast<long>(first_test) + 1,
                                        a.positional.end());
            passed = run_test(in, test, subject, test_args);
        }
        if (passed == keep) out.push_back(item);
    }
    return out;
}

bool run_test(Interpreter& in, std::string_view name, const Value& v, const CallArgs& a) {
    using K = Value::Kind;
    const Value none;
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "string") return v.is_string();
    if (name == "number") return v.kind() == K::INT || v.kind() == K::FLOAT || v.kind() == K::BOOL;
    if (name == "integer") return v.kind() == K::INT;
    if (name == "float") return v.kind() == K::FLOAT;
    if (name == "boolean") return v.kind() == K::BOOL;
    if (name == "true") return v.kind() == K::BOOL && v.as_bool();
    if (name == "false") return v.kind() == K::BOOL && !v.as_bool();
    if (name == "mapping") return v.kind() == K::DICT;
    if (name == "iterable") return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
    if (name == "sequence") return v.is_list() || v.is_dict() || v.is_string();
    if (name == "callable") return v.kind() == K::CALLABLE;
    if (name == "even" || name == "odd") {
        const int64_t i = require_int(v, "even/odd");
        return (i % 2 == 0) == (name == "even");
    }
    if (name == "divisibleby") {
        const int64_t d = require_int(arg(a, 0, "num", none), "divisibleby");
        if (d == 0) fail("integer division or modulo by zero");
        return require_int(v, "divisibleby") % d == 0;
    }
    if (name == "eq" || name == "equalto" || name == "==")
        return v.equals(arg(a, 0, "other", none));
    if (name == "ne" || name == "!=") return !v.equals(arg(a, 0, "other", none));
    if (name == "sameas") {
        const Value& o = arg(a, 0, "other", none);
        if (v.kind() != o.kind()) return false;
        if (v.is_none() || v.kind() == K::BOOL) return v.equals(o);
        return v.equals(o) &&
               (v.is_list() || v.is_mapping() ? &v.as_list() == &o.as_list() : false);
    }
    if (name == "in") return contains(arg(a, 0, "seq", none), v);
    if (name == "lower") return v.is_string() && py_lower(v.as_string()) == v.as_string();
    if (name == "upper") return v.is_string() && py_upper(v.as_string()) == v.as_string();
    static const std::pair<const char*, const char*> orders[] = {
        {"lt", "<"}, {"lessthan", "<"},    {"<", "<"}, {"le", "<="}, {"<=", "<="},
        {"gt", ">"}, {"greaterthan", ">"}, {">", ">"}, {"ge", ">="}, {">=", ">="}};
    for (const auto& [test, op] : orders) {
        if (name != test) continue;
        const Value& o = arg(a, 0, "other", none);
        if (!v.is_number() || !o.is_number()) {
            if (v.is_string() && o.is_string()) {
                const int c = v.as_string().compare(o.as_string());
                const std::string_view s(op);
                return s == "<" ? c < 0 : s == "<=" ? c <= 0 : s == ">" ? c > 0 : c >= 0;
            }
            fail(std::string("'") + op + "' not supported between instances of '" + v.type_name() +
                 "' and '" + o.type_name() + "'");
        }
        const double x = v.as_double();
        const double y = o.as_double();
        const std::string_view s(op);
        return s == "<" ? x < y : s == "<=" ? x <= y : s == ">" ? x > y : x >= y;
    }
    (void)in;
    fail("no test named '" + std::string(name) + "'");
}

}  // namespace

bool apply_test(Interpreter& in, std::string_view name, const Value& value, const CallArgs& args) {
    return run_test(in, name, value, args);
}

Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step) {
    if (obj.is_list()) {
        const ValueList& items = obj.as_list();
        ValueList out;
        for (size_t i : slice_positions(static_cast<int64_t>(items.size()), start, stop, step))
            out.push_back(items[i]);
        return Value::list(std::move(out));
    }
    if (obj.is_string()) {
        const std::u32string cps = utf8_decode(obj.as_string());
        std::u32string out;
        for (size_t i : slice_positions(static_cast<int64_t>(cps.size()), start, stop, step))
            out += cps[i];
        return Value::string(utf8_encode(out));
    }
    fail(std::string("'") + obj.type_name() + "' object is not subscriptable");
}

Value bound_method(const Value& obj, std::string_view name) {
    if (obj.is_string()) return string_method(obj, name);
    if (obj.is_dict()) return dict_method(obj, name);
    return Value();
}

Value apply_filter(Interpreter& in, std::string_view name, const Value& v, const CallArgs& a) {
    const Value none = Value::none();
    if (name == "trim") {
        const Value& chars = arg(a, 0, "chars", none);
        if (chars.is_none()) return Value::string(py_strip(v.to_str(), true, true, nullptr));
        const std::u32string set = utf8_decode(require_string(chars, "trim"));
        return Value::string(py_strip(v.to_str(), true, true, &set));
    }
    if (name == "upper") return Value::string(py_upper(v.to_str()));
    if (name == "lower") return Value::string(py_lower(v.to_str()));
    if (name == "capitalize") return Value::string(py_capitalize(v.to_str()));
    if (name == "title") return Value::string(jinja_title(v.to_str()));
    if (name == "string") return Value::string(v.to_str());
    if (name == "safe") return v;
    if (name == "e" || name == "escape" || name == "forceescape")
        return Value::string(html_escape(v.to_str()));
    if (name == "length" || name == "count") {
        if (v.is_string()) return Value::integer(static_cast<int64_t>(utf8_length(v.as_string())));
        if (v.is_list()) return Value::integer(static_cast<int64_t>(v.as_list().size()));
        if (v.is_mapping()) return Value::integer(static_cast<int64_t>(v.as_dict().items.size()));
        if (v.is_undefined()) return Value::integer(0);
        fail(std::string("object of type '") + v.type_name() + "' has no len()");
    }
    if (name == "first" || name == "last") {
        ValueList items = in.iterate(v);
        if (items.empty()) return Value::undefined("no first/last item of an empty sequence");
        return name == "first" ? items.front() : items.back();
    }
    if (name == "list") return Value::list(in.iterate(v));
    if (name == "reverse") {
        if (v.is_string()) {
            std::u32string cps = utf8_decode(v.as_string());
            return Value::string(utf8_encode(std::u32string(cps.rbegin(), cps.rend())));
        }
        ValueList items = in.iterate(v);
        return Value::list(ValueList(items.rbegin(), items.rend()));
    }
    if (name == "join") {
        ValueList items = in.iterate(v);
        const Value& attribute = arg(a, 1, "attribute", none);
        if (!attribute.is_none()) {
            for (Value& item : items) item = attribute_of(in, item, attribute.to_str());
        }
        std::string out = join_strings(items, arg(a, 0, "d", Value::string("")).to_str());
        in.check_string_size(out.size());
        return Value::string(std::move(out));
    }
    if (name == "default" || name == "d") {
        const bool boolean = arg(a, 1, "boolean", Value::boolean(false)).truthy();
        if (v.is_undefined() || (boolean && !v.truthy()))
            return arg(a, 0, "default_value", Value::string(""));
        return v;
    }
    if (name == "replace") {
        const std::string old = arg(a, 0, "old", Value()).to_str();
        const std::string rep = arg(a, 1, "new", Value()).to_str();
        const Value& count = arg(a, 2, "count", none);
        return Value::string(py_replace(in, v.to_str(), old, rep,
                                        count.is_none() ? -1 : require_int(count, "replace")));
    }
    if (name == "int") {
        const Value fallback = arg(a, 0, "default", Value::integer(0));
        return to_int(v, fallback);
    }
    if (name == "float") return to_float(v, arg(a, 0, "default", Value::number(0.0)));
    if (name == "abs") {
        if (v.kind() == Value::Kind::FLOAT) return Value::number(std::fabs(v.as_double()));
        const int64_t i = require_int(v, "abs");
        if (i == std::numeric_limits<int64_t>::min()) fail("integer overflow");
        return Value::integer(i < 0 ? -i : i);
    }
    if (name == "round") {
        if (!v.is_number()) fail(std::string("round expects a number, got ") + v.type_name());
        const int64_t precision = require_int(arg(a, 0, "precision", Value::integer(0)), "round");
        const std::string method = arg(a, 1, "method", Value::string("common")).to_str();
        const double x = v.as_double();
        if (precision < 0 || precision > 30) fail("round: unsupported precision");
        if (method == "common") {
            if (precision == 0) return Value::number(std::nearbyint(x));
            char buf[400];
            std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(precision), x);
            return Value::number(std::strtod(buf, nullptr));
        }
        const double scale = std::pow(10.0, static_cast<double>(precision));
        if (method == "floor") return Value::number(std::floor(x * scale) / scale);
        if (method == "ceil") return Value::number(std::ceil(x * scale) / scale);
        fail("method must be common, ceil or floor");
    }
    if (name == "items") {
        if (v.is_undefined()) return Value::list();
        if (!v.is_mapping()) fail("can only get item pairs from a mapping");
        ValueList items;
        for (const auto& [k, value] : v.as_dict().items)
            items.push_back(Value::list({Value::string(k), value}));
        return Value::list(std::move(items));
    }
    if (name == "tojson") {
        const Value& indent = arg(a, 0, "indent", none);
        std::string out = to_json(v, indent.is_none() ? -1
                                                      : static_cast<int>(std::clamp<int64_t>(
                                                            require_int(indent, "tojson"), 0, 64)));
        in.check_string_size(out.size());
        return Value::string(std::move(out));
    }
    if (name == "selectattr" || name == "rejectattr")
        return Value::list(select_items(in, v, a, true, name == "selectattr"));
    if (name == "select" || name == "reject")
        return Value::list(select_items(in, v, a, false, name == "select"));
    if (name == "map") {
        ValueList out;
        const Value* attribute = a.get(std::numeric_limits<size_t>::max(), "attribute");
        for (const Value& item : in.iterate(v)) {
            in.step();
            if (attribute) {
                Value got = attribute_of(in, item, attribute->to_str());
                if (got.is_undefined()) {
                    if (const Value* d = a.get(std::numeric_limits<size_t>::max(), "default"))
                        got = *d;
                }
                out.push_back(std::move(got));
            } else {
                if (a.positional.empty()) fail("map requires a filter argument");
                CallArgs rest;
                rest.positional.assign(a.positional.begin() + 1, a.positional.end());
                out.push_back(apply_filter(in, require_string(a.positional[0], "map"), item, rest));
            }
        }
        return Value::list(std::move(out));
    }
    if (name == "unique") {
        ValueList out;
        for (const Value& item : in.iterate(v)) {
            in.step();
            if (!contains(Value::list(out), item)) out.push_back(item);
        }
        return Value::list(std::move(out));
    }
    if (name == "sum") {
        Value total = arg(a, 1, "start", Value::integer(0));
        const Value& attribute = arg(a, 0, "attribute", none);
        for (const Value& item : in.iterate(v)) {
            const Value x = attribute.is_none() ? item : attribute_of(in, item, attribute.to_str());
            if (!x.is_number() || !total.is_number()) fail("sum expects numbers");
            if (x.kind() != Value::Kind::FLOAT && total.kind() != Value::Kind::FLOAT) {
                int64_t r;
                if (__builtin_add_overflow(total.as_int(), x.as_int(), &r))
                    fail("integer overflow");
                total = Value::integer(r);
            } else {
                total = Value::number(total.as_double() + x.as_double());
            }
        }
        return total;
    }
    fail("no filter named '" + std::string(name) + "'");
}

void add_globals(ValueDict& globals) {
    globals.set("raise_exception",
                Value::callable("raise_exception", [](Interpreter&, const CallArgs& a) -> Value {
                    throw TemplateError{ErrorCode::INVALID_ARGUMENT,
                                        arg(a, 0, "message", Value()).to_str()};
                }));
    globals.set("range", Value::callable("range", [](Interpreter& in, const CallArgs& a) {
                    int64_t start = 0, stop = 0, step = 1;
                    if (a.positional.size() == 1) {
                        stop = require_int(a.positional[0], "range");
                    } else if (a.positional.size() >= 2) {
                        start = require_int(a.positional[0], "range");
                        stop = require_int(a.positional[1], "range");
                        if (a.positional.size() >= 3) step = require_int(a.positional[2], "range");
                    } else {
                        fail("range expected at least 1 argument");
                    }
                    if (step == 0) fail("range() arg 3 must not be zero");
                    const long double count =
                        step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                                 : (static_cast<long double>(start) - stop - step - 1) / -step;
                    if (count > MAX_RANGE) {
                        throw TemplateError{ErrorCode::OUT_OF_RANGE,
                                            "range too big, maximum size for range is " +
                                                std::to_string(MAX_RANGE)};
                    }
                    ValueList items;
                    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
                        items.push_back(Value::integer(i));
                    }
                    in.check_list_size(items.size());
                    return Value::list(std::move(items));
                }));
    globals.set("namespace", Value::callable("namespace", [](Interpreter&, const CallArgs& a) {
                    ValueDict d;
                    for (const Value& p : a.positional) {
                        if (!p.is_mapping())
                            fail("namespace() positional argument must be a mapping");
                        for (const auto& [k, v] : p.as_dict().items) d.set(k, v);
                    }
                    for (const auto& [k, v] : a.keyword) d.set(k, v);
                    return Value::namespace_object(std::move(d));
                }));
    globals.set("dict", Value::callable("dict", [](Interpreter&, const CallArgs& a) {
                    ValueDict d;
                    for (const Value& p : a.positional) {
                        if (!p.is_mapping()) fail("dict() positional argument must be a mapping");
                        for (const auto& [k, v] : p.as_dict().items) d.set(k, v);
                    }
                    for (const auto& [k, v] : a.keyword) d.set(k, v);
                    return Value::dict(std::move(d));
                }));
    globals.set(
        "strftime_now", Value::callable("strftime_now", [](Interpreter& in, const CallArgs& a) {
            const std::string format = require_string(arg(a, 0, "format", Value()), "strftime_now");
            if (format.size() > 256) fail("strftime_now: format too long");
            const std::time_t now = in.options().now.value_or(std::time(nullptr));
            std::tm tm{};
            localtime_r(&now, &tm);
            char buf[2048];
            const size_t n = std::strftime(buf, sizeof(buf), format.c_str(), &tm);
            return Value::string(std::string(buf, n));
        }));
}

}  // namespace souverain::server::jinja
