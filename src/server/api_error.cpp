#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace souverain::server {

namespace {

ApiError make(int status, std::string type, std::string message, std::string param = "",
              std::string code = "") {
    return ApiError{status, std::move(message), std::move(type), std::move(param), std::move(code)};
}

}  // namespace

std::string ApiError::body() const {
    nlohmann::json error = {{"message", message},
                            {"type", type},
                            {"param", param.empty() ? nlohmann::json() : nlohmann::json(param)},
                            {"code", code.empty() ? nlohmann::json() : nlohmann::json(code)}};
    // Invalid UTF-8 echoed from a request must not make the error itself unprintable.
    return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
}

ApiError invalid_json(const std::string& message) {
    return make(400, "invalid_request_error", "the request body is not valid JSON: " + message, "",
                "invalid_json");
}

ApiError invalid_value(const std::string& param, const std::string& message,
                       const std::string& code) {
    return make(400, "invalid_request_error", message, param, code);
}

ApiError schema_error(const std::string& param, const std::string& message) {
    return make(422, "invalid_request_error", message, param, "invalid_type");
}

ApiError context_length_exceeded(const std::string& param, const std::string& message) {
    return make(400, "invalid_request_error", message, param, "context_length_exceeded");
}

ApiError model_not_found(const std::string& model) {
    return make(404, "invalid_request_error",
                "the model '" + model + "' does not exist; GET /v1/models lists the models served",
                "model", "model_not_found");
}

ApiError wrong_model_kind(const std::string& model, const std::string& message) {
    return make(400, "invalid_request_error", "the model '" + model + "' " + message, "model",
                "model_not_supported");
}

ApiError route_not_found(const std::string& method, const std::string& path) {
    return make(404, "invalid_request_error", "no route for " + method + " " + path, "",
                "unknown_url");
}

ApiError unauthorized(const std::string& message) {
    return make(401, "authentication_error", message, "", "invalid_api_key");
}

ApiError forbidden(const std::string& message) {
    return make(403, "permission_error", message, "", "insufficient_permissions");
}

ApiError payload_too_large(size_t limit_bytes) {
    return make(
        413, "invalid_request_error",
        "the request body is larger than the limit of " + std::to_string(limit_bytes) + " bytes",
        "", "request_too_large");
}

ApiError overloaded(const std::string& message) {
    return make(503, "server_error", message, "", "server_overloaded");
}

ApiError internal_error(const std::string& message) {
    return make(500, "server_error", message, "", "internal_error");
}

ApiError api_error_from(const Error& error) {
    switch (error.code) {
        case ErrorCode::INVALID_ARGUMENT:
        case ErrorCode::FORMAT:
            return invalid_value("", error.message);
        case ErrorCode::OUT_OF_RANGE:
            return context_length_exceeded("", error.message);
        case ErrorCode::NOT_FOUND:
            return make(404, "invalid_request_error", error.message, "", "not_found");
        case ErrorCode::ALREADY_EXISTS:
            return make(409, "invalid_request_error", error.message, "", "already_exists");
        case ErrorCode::UNSUPPORTED:
            return invalid_value("", error.message, "unsupported");
        case ErrorCode::IO:
        case ErrorCode::INTERNAL:
            break;
    }
    return internal_error(error.message);
}

ApiError chat_template_error(const Error& error) {
    // raise_exception() in a template: the conversation is refused as the model's authors
    // wrote it (e.g. roles that do not alternate). A template that runs into its work or size
    // limits was given too much (400); any other failure is the template's own fault (500).
    if (error.code == ErrorCode::INVALID_ARGUMENT) {
        return invalid_value("messages", error.message, "invalid_conversation");
    }
    if (error.code == ErrorCode::OUT_OF_RANGE) {
        return invalid_value(
            "messages", "the conversation is too large for the chat template: " + error.message);
    }
    return internal_error("the model's chat template failed: " + error.message);
}

}  // namespace souverain::server
