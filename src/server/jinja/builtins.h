#pragma once
// The built-in filters, tests, global functions and Python string / dict methods that chat
// templates use. Every function here runs inside one render (see interpreter.h) and reports
// failures by throwing TemplateError, which the interpreter turns into an Error.
#include <string_view>

#include "server/jinja/value.h"

namespace souverain::server::jinja {

class Interpreter;

// value | name(args): an unknown filter is an error.
Value apply_filter(Interpreter& in, std::string_view name, const Value& value,
                   const CallArgs& args);
// value is name(args): an unknown test is an error.
bool apply_test(Interpreter& in, std::string_view name, const Value& value, const CallArgs& args);
// "abc".strip, {}.items, ...: the bound method, or undefined when `obj` has none of that name.
Value bound_method(const Value& obj, std::string_view name);
// range, namespace, dict, raise_exception, strftime_now.
void add_globals(ValueDict& globals);
// obj[start:stop:step] for strings and lists (absent parts are undefined values).
Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);
// Python's `item in container`.
bool contains(const Value& container, const Value& item);

}  // namespace souverain::server::jinja
