#pragma once
// Renders a parsed template (ast.h) with a set of variables. One Interpreter serves one
// render on one thread; the tree it reads is shared and never modified, so any number of
// renders of one tree may run at once.
//
// Hostile templates are bounded: the work done (statements, loop iterations, calls), the
// output and every string or list built are capped (RenderLimits), macro recursion is capped,
// and nesting is capped by the parser. A limit reached is an ErrorCode::OUT_OF_RANGE Error.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/jinja/ast.h"
#include "server/jinja/value.h"

namespace souverain::server::jinja {

struct RenderLimits {
    size_t max_output_bytes = size_t{16} << 20;  // the rendered text, and any one string value
    size_t max_list_items = 1'000'000;
    uint64_t max_steps = 1'000'000;  // statements + loop iterations + calls + filters
    int max_call_depth = 16;         // macro calls nested
};

struct RenderOptions {
    RenderLimits limits;
    // The time strftime_now() formats; the current local time when empty (tests fix it).
    std::optional<std::time_t> now;
};

// Renders `root`; raise_exception("msg") becomes ErrorCode::INVALID_ARGUMENT with message
// "msg", other runtime errors are ErrorCode::FORMAT, exhausted limits ErrorCode::OUT_OF_RANGE.
Result<std::string> render(const Stmt& root, const ValueDict& variables,
                           const RenderOptions& options);

// The interpreter state. Public for the builtins (builtins.h), which call back into it.
class Interpreter {
public:
    Interpreter(const RenderOptions& options, const ValueDict& variables);

    std::string run(const Stmt& root);  // throws TemplateError

    Value call(const Value& callee, const CallArgs& args);
    // obj.name / obj[key] with Jinja's rules: a missing attribute or item of a defined value
    // is undefined; any access on an undefined value is an error.
    Value get_attr(const Value& obj, std::string_view name);
    Value get_item(const Value& obj, const Value& key);
    // The items a for loop over `v` visits (dict: keys, string: characters).
    ValueList iterate(const Value& v);

    // Counts one unit of work; throws when the budget is spent.
    void step();
    // Throws when a string of `bytes` or a list of `items` would exceed the limits.
    void check_string_size(size_t bytes) const;
    void check_list_size(size_t items) const;
    const RenderOptions& options() const { return options_; }

private:
    enum class Flow { NORMAL, BREAK, CONTINUE };

    Flow exec_body(const Body& body);
    Flow exec(const Stmt& s);
    void exec_for(const Stmt& s);
    void exec_set(const Stmt& s);
    void define_macro(const Stmt& s);
    std::string capture(const Body& body);

    Value eval(const Expr& e);
    Value eval_binary(const Expr& e);
    bool eval_compare(const Expr& e);
    void collect_args(const Expr& e, size_t first_child, CallArgs& args);

    Value lookup(const std::string& name) const;
    void assign(const std::string& name, Value value);
    void write(std::string_view text);

    const RenderOptions& options_;
    std::vector<ValueDict> frames_;  // frames_[0]: globals and the template's variables
    std::string out_;
    uint64_t steps_ = 0;
    int call_depth_ = 0;
};

}  // namespace souverain::server::jinja
