#pragma once
// The one place where failures become HTTP responses. Every error the API returns has an
// HTTP status and an OpenAI-style body:
//   {"error": {"message": "...", "type": "...", "param": "..."|null, "code": "..."|null}}
// which the official clients turn into their typed errors (BadRequestError for 400,
// AuthenticationError for 401, NotFoundError for 404, UnprocessableEntityError for 422, ...).
//
// Statuses:
//   400 the body is not JSON, or a value breaks a constraint (empty messages, temperature out
//       of range, a prompt or max_tokens beyond the context: code "context_length_exceeded")
//   401 missing or wrong API key          403 the key's role may not do this (permission_error)
//   404 unknown model, route, knowledge base or document (another tenant's answers the same)
//   409 a knowledge base name taken       413 body over the size limit
//   422 well-formed JSON against the wrong schema (wrong type, missing or unknown field)
//   503 every slot busy and the queue full (with Retry-After)
//   500 a bug
#include <string>

#include "common/error.h"

namespace souverain::server {

struct ApiError {
    int status = 500;
    std::string message;
    std::string type;   // "invalid_request_error", "authentication_error", "server_error", ...
    std::string param;  // the offending field ("messages[2].role"), empty when none
    std::string code;   // machine-readable ("model_not_found"), empty when none

    // The JSON body, serialized.
    std::string body() const;
};

ApiError invalid_json(const std::string& message);
ApiError invalid_value(const std::string& param, const std::string& message,
                       const std::string& code = "");
ApiError schema_error(const std::string& param, const std::string& message);
ApiError context_length_exceeded(const std::string& param, const std::string& message);
ApiError model_not_found(const std::string& model);
// The model exists but does another job: embeddings asked of a text generator, or a completion
// of an encoder (400, code "model_not_supported").
ApiError wrong_model_kind(const std::string& model, const std::string& message);
ApiError route_not_found(const std::string& method, const std::string& path);
ApiError unauthorized(const std::string& message);
ApiError forbidden(const std::string& message);
ApiError payload_too_large(size_t limit_bytes);
ApiError overloaded(const std::string& message);
ApiError internal_error(const std::string& message);

// An engine or storage Error met while serving a request, as the client should see it.
ApiError api_error_from(const Error& error);
// A chat template that could not render the conversation (ChatTemplate::apply's Errors).
ApiError chat_template_error(const Error& error);

}  // namespace souverain::server
