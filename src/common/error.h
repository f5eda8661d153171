#pragma once
// The one error taxonomy of Souverain. Expected failures (bad files, bad requests,
// missing models) travel as values: Result<T> holds either a T or an Error. Exceptions
// are used only at subsystem edges (the CLI, later the HTTP layer), which map an
// ErrorCode to an exit code or an HTTP status in one place.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace souverain {

enum class ErrorCode {
    INVALID_ARGUMENT,  // the caller passed something malformed (flags, JSON, shapes)
    NOT_FOUND,         // a file, key, model or tensor that does not exist
    ALREADY_EXISTS,    // a name that must be unique is taken (a knowledge base)
    IO,                // the operating system refused (open, mmap, write, rename)
    FORMAT,            // a file's bytes do not follow its format (truncated, corrupted, hostile)
    UNSUPPORTED,       // well-formed, but a feature we do not implement (type, architecture)
    OUT_OF_RANGE,      // a value beyond a limit (context length, allocation cap)
    INTERNAL,          // a bug: should never reach a user
};

const char* error_code_name(ErrorCode code);

struct Error {
    ErrorCode code;
    std::string message;  // one line, for humans; names the file/field at fault
};

// Either a value or an Error. Cheap to move; accessing the wrong side is a programmer error.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : state_(std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

private:
    std::variant<T, Error> state_;
};

// Result of an operation with no value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
    static Status success() { return Status(); }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const {
        assert(failed_);
        return error_;
    }

private:
    Error error_{ErrorCode::INTERNAL, ""};
    bool failed_ = false;
};

inline Error make_error(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

}  // namespace souverain

// Propagate a failed Status/Result from the current function.
#define SOUVERAIN_TRY(expr)                                                    \
    do {                                                                       \
        auto souverain_try_status_ = (expr);                                   \
        if (!souverain_try_status_.ok()) return souverain_try_status_.error(); \
    } while (0)
