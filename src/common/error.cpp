#include "common/error.h"

namespace souverain {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::INVALID_ARGUMENT:
            return "invalid_argument";
        case ErrorCode::NOT_FOUND:
            return "not_found";
        case ErrorCode::ALREADY_EXISTS:
            return "already_exists";
        case ErrorCode::IO:
            return "io_error";
        case ErrorCode::FORMAT:
            return "format_error";
        case ErrorCode::UNSUPPORTED:
            return "unsupported";
        case ErrorCode::OUT_OF_RANGE:
            return "out_of_range";
        case ErrorCode::INTERNAL:
            return "internal_error";
    }
    return "unknown";
}

}  // namespace souverain
