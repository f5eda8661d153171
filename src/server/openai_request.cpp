#include "server/openai_request.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "server/field_reader.h"

namespace souverain::server {

namespace {

using nlohmann::json;

// Fields OpenAI defines that do not change what we generate: accepted and ignored.
void skip_ignored_fields(FieldReader& reader) {
    for (const char* key : {"user", "store", "metadata", "service_tier", "parallel_tool_calls"}) {
        (void)reader.get(key);
    }
}

// Fields OpenAI defines that we do not implement: refused when they ask for something.
void refuse_unimplemented(FieldReader& reader) {
    const json* tools = reader.get("tools");
    if (tools && !(tools->is_array() && tools->empty())) {
        return reader.fail(invalid_value(
            reader.param("tools"), "tool calls are not supported by this server", "unsupported"));
    }
    const json* functions = reader.get("functions");
    if (functions && !(functions->is_array() && functions->empty())) {
        return reader.fail(invalid_value(reader.param("functions"),
                                         "function calls are not supported by this server",
                                         "unsupported"));
    }
    const json* tool_choice = reader.get("tool_choice");
    if (tool_choice &&
        !(tool_choice->is_string() && (*tool_choice == "none" || *tool_choice == "auto"))) {
        return reader.fail(invalid_value(reader.param("tool_choice"),
                                         "tool calls are not supported by this server",
                                         "unsupported"));
    }
    const json* logit_bias = reader.get("logit_bias");
    if (logit_bias && !(logit_bias->is_object() && logit_bias->empty())) {
        return reader.fail(invalid_value(reader.param("logit_bias"),
                                         "logit_bias is not supported by this server",
                                         "unsupported"));
    }
    const json* format = reader.get("response_format");
    if (format) {
        if (!format->is_object()) {
            return reader.fail(wrong_type(reader.param("response_format"), "an object", *format));
        }
        auto type = format->find("type");
        if (type == format->end() || *type != "text") {
            return reader.fail(invalid_value(reader.param("response_format"),
                                             "only {\"type\": \"text\"} is supported as "
                                             "response_format",
                                             "unsupported"));
        }
    }
}

void read_generation_options(FieldReader& reader, GenerationOptions& options, bool chat) {
    reader.read_string("model", options.model, /*required=*/true);
    if (!reader.failed() && options.model.empty()) {
        reader.fail(invalid_value("model", "'model' must not be empty"));
    }
    int64_t max_tokens = -1;
    reader.read_integer("max_tokens", max_tokens, 1, std::numeric_limits<int32_t>::max());
    if (chat) {
        int64_t max_completion = -1;
        reader.read_integer("max_completion_tokens", max_completion, 1,
                            std::numeric_limits<int32_t>::max());
        if (max_completion > 0) max_tokens = max_completion;
    }
    if (max_tokens > 0) options.max_tokens = (int32_t)max_tokens;
    // Legacy completions default to 16 tokens, as in the OpenAI API.
    if (!chat && !options.max_tokens) options.max_tokens = 16;

    reader.read_number("temperature", options.temperature, 0.0, 2.0);
    reader.read_number("top_p", options.top_p, 0.0, 1.0);
    int64_t top_k = 0;
    reader.read_integer("top_k", top_k, 0, 1 << 20);
    options.top_k = (int32_t)top_k;
    reader.read_number("min_p", options.min_p, 0.0, 1.0);
    reader.read_number("repeat_penalty", options.repeat_penalty, 0.0, 10.0);
    reader.read_bool("ignore_eos", options.ignore_eos);
    reader.read_number("presence_penalty", options.presence_penalty, -2.0, 2.0);
    reader.read_number("frequency_penalty", options.frequency_penalty, -2.0, 2.0);
    int64_t seed = 0;
    if (const json* value = reader.get("seed"); value && !reader.failed()) {
        if (!value->is_number_integer()) {
            return reader.fail(wrong_type(reader.param("seed"), "an integer", *value));
        }
        seed =
            value->is_number_unsigned() ? (int64_t)value->get<uint64_t>() : value->get<int64_t>();
        options.seed = (uint64_t)seed;
    }
    int64_t n = 1;
    reader.read_integer("n", n, 1, kMaxChoices);
    options.n = (int32_t)n;

    if (const json* stop = reader.get("stop"); stop && !reader.failed()) {
        if (stop->is_string()) {
            options.stop.push_back(stop->get<std::string>());
        } else if (stop->is_array()) {
            if (stop->size() > kMaxStopStrings) {
                return reader.fail(invalid_value(
                    "stop",
                    "'stop' holds at most " + std::to_string(kMaxStopStrings) + " strings"));
            }
            for (size_t idx = 0; idx < stop->size(); ++idx) {
                if (!(*stop)[idx].is_string()) {
                    return reader.fail(
                        wrong_type("stop[" + std::to_string(idx) + "]", "a string", (*stop)[idx]));
                }
                options.stop.push_back((*stop)[idx].get<std::string>());
            }
        } else {
            return reader.fail(wrong_type("stop", "a string or an array of strings", *stop));
        }
        for (const std::string& text : options.stop) {
            if (text.empty())
                return reader.fail(invalid_value("stop", "stop strings must not be empty"));
        }
    }

    if (chat) {
        reader.read_bool("logprobs", options.logprobs);
        int64_t top = 0;
        reader.read_integer("top_logprobs", top, 0, kMaxTopLogprobs);
        options.top_logprobs = (int32_t)top;
        if (!reader.failed() && top > 0 && !options.logprobs) {
            return reader.fail(
                invalid_value("top_logprobs", "'top_logprobs' needs 'logprobs' set to true"));
        }
    } else {
        // Legacy completions: logprobs is the number of alternatives (0..5 in OpenAI; we
        // allow up to 20 as for chat).
        int64_t top = -1;
        reader.read_integer("logprobs", top, 0, kMaxTopLogprobs);
        if (top >= 0) {
            options.logprobs = true;
            options.top_logprobs = (int32_t)top;
        }
    }

    reader.read_bool("stream", options.stream);
    if (const json* stream_options = reader.get("stream_options");
        stream_options && !reader.failed()) {
        if (!options.stream) {
            return reader.fail(invalid_value("stream_options",
                                             "'stream_options' is only allowed when 'stream' is "
                                             "true"));
        }
        if (!stream_options->is_object()) {
            return reader.fail(wrong_type("stream_options", "an object", *stream_options));
        }
        FieldReader sub(*stream_options, "stream_options.");
        sub.read_bool("include_usage", options.include_usage);
        (void)sub.get("include_obfuscation");
        sub.reject_unknown();
        if (sub.failed()) return reader.fail(sub.error());
    }
    skip_ignored_fields(reader);
    refuse_unimplemented(reader);
}

// Message content: a string, or an array of {"type": "text", "text": ...} parts (joined).
bool read_content(const json& value, const std::string& param, std::string& out,
                  FieldReader& reader) {
    if (value.is_string()) {
        out = value.get<std::string>();
        return true;
    }
    if (!value.is_array()) {
        reader.fail(wrong_type(param, "a string or an array of content parts", value));
        return false;
    }
    for (size_t idx = 0; idx < value.size(); ++idx) {
        const std::string part_param = param + "[" + std::to_string(idx) + "]";
        const json& part = value[idx];
        if (!part.is_object()) {
            reader.fail(wrong_type(part_param, "an object", part));
            return false;
        }
        auto type = part.find("type");
        if (type == part.end() || !type->is_string()) {
            reader.fail(
                schema_error(part_param + ".type", "'" + part_param + ".type' is required"));
            return false;
        }
        if (*type != "text") {
            reader.fail(invalid_value(part_param + ".type",
                                      "only text content parts are supported, not " + type->dump(),
                                      "unsupported"));
            return false;
        }
        auto text = part.find("text");
        if (text == part.end() || !text->is_string()) {
            reader.fail(
                schema_error(part_param + ".text", "'" + part_param + ".text' must be a string"));
            return false;
        }
        out += text->get<std::string>();
    }
    return true;
}

void read_messages(FieldReader& reader, std::vector<ChatMessage>& messages) {
    const json* list = reader.get("messages");
    if (reader.failed()) return;
    if (!list) return reader.fail(schema_error("messages", "'messages' is required"));
    if (!list->is_array()) return reader.fail(wrong_type("messages", "an array", *list));
    if (list->empty()) {
        return reader.fail(invalid_value("messages", "'messages' must hold at least one message"));
    }
    for (size_t idx = 0; idx < list->size(); ++idx) {
        const std::string param = "messages[" + std::to_string(idx) + "]";
        const json& item = (*list)[idx];
        if (!item.is_object()) return reader.fail(wrong_type(param, "an object", item));
        FieldReader fields(item, param + ".");
        ChatMessage message;
        fields.read_string("role", message.role, /*required=*/true);
        if (fields.failed()) return reader.fail(fields.error());
        static const std::set<std::string> kRoles = {"system", "developer", "user", "assistant"};
        if (!kRoles.count(message.role)) {
            return reader.fail(
                invalid_value(param + ".role", "'" + param +
                                                   ".role' must be one of system, "
                                                   "developer, user, assistant; not '" +
                                                   message.role + "'"));
        }
        // "developer" is the newer name OpenAI gives the system role.
        if (message.role == "developer") message.role = "system";
        const json* content = fields.get("content");
        if (content) {
            if (!read_content(*content, param + ".content", message.content, fields)) {
                return reader.fail(fields.error());
            }
        } else if (message.role != "assistant") {
            return reader.fail(
                schema_error(param + ".content", "'" + param + ".content' is required"));
        }
        (void)fields.get("name");
        (void)fields.get("refusal");
        const json* tool_calls = fields.get("tool_calls");
        if (tool_calls && !(tool_calls->is_array() && tool_calls->empty())) {
            return reader.fail(invalid_value(param + ".tool_calls",
                                             "tool calls are not supported by this server",
                                             "unsupported"));
        }
        fields.reject_unknown();
        if (fields.failed()) return reader.fail(fields.error());
        messages.push_back(std::move(message));
    }
}

// "knowledge_bases": ["name", ...] and "retrieval": {"top_k": K}.
void read_knowledge_bases(FieldReader& reader, ChatCompletionRequest& request) {
    const json* names = reader.get("knowledge_bases");
    if (reader.failed()) return;
    if (names) {
        if (!names->is_array()) {
            return reader.fail(wrong_type("knowledge_bases", "an array of strings", *names));
        }
        if (names->size() > kMaxKnowledgeBases) {
            return reader.fail(invalid_value("knowledge_bases",
                                             "'knowledge_bases' names at most " +
                                                 std::to_string(kMaxKnowledgeBases) + " bases"));
        }
        for (size_t idx = 0; idx < names->size(); ++idx) {
            const std::string param = "knowledge_bases[" + std::to_string(idx) + "]";
            const json& name = (*names)[idx];
            if (!name.is_string()) return reader.fail(wrong_type(param, "a string", name));
            if (name.get_ref<const std::string&>().empty()) {
                return reader.fail(invalid_value(param, "'" + param + "' must not be empty"));
            }
            request.knowledge_bases.push_back(name.get<std::string>());
        }
    }
    const json* retrieval = reader.get("retrieval");
    if (reader.failed() || !retrieval) return;
    if (request.knowledge_bases.empty()) {
        return reader.fail(
            invalid_value("retrieval", "'retrieval' needs 'knowledge_bases' to search"));
    }
    if (!retrieval->is_object())
        return reader.fail(wrong_type("retrieval", "an object", *retrieval));
    FieldReader sub(*retrieval, "retrieval.");
    int64_t top_k = request.retrieval_top_k;
    sub.read_integer("top_k", top_k, 1, kMaxRetrievalTopK);
    sub.reject_unknown();
    if (sub.failed()) return reader.fail(sub.error());
    request.retrieval_top_k = (int32_t)top_k;
}

}  // namespace

std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(std::string_view body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    FieldReader reader(std::get<json>(root), "");
    ChatCompletionRequest request;
    read_generation_options(reader, request.options, /*chat=*/true);
    read_messages(reader, request.messages);
    read_knowledge_bases(reader, request);
    reader.reject_unknown();
    if (reader.failed()) return reader.error();
    if (!request.knowledge_bases.empty() && request.messages.back().role != "user") {
        return invalid_value("messages",
                             "with 'knowledge_bases' the last message must be the user's: its "
                             "text is what the knowledge bases are searched for");
    }
    return request;
}

std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body) {
    auto root = parse_json_object(body);
    if (auto* error = std::get_if<ApiError>(&root)) return *error;
    FieldReader reader(std::get<json>(root), "");
    CompletionRequest request;
    read_generation_options(reader, request.options, /*chat=*/false);
    reader.read_bool("echo", request.echo);
    if (const json* best_of = reader.get("best_of");
        best_of && !(best_of->is_number_integer() && *best_of == 1)) {
        reader.fail(
            invalid_value("best_of", "best_of other than 1 is not supported", "unsupported"));
    }
    if (reader.get("suffix")) {
        reader.fail(invalid_value("suffix", "'suffix' is not supported", "unsupported"));
    }

    const json* prompt = reader.get("prompt");
    if (!reader.failed()) {
        if (!prompt) {
            reader.fail(schema_error("prompt", "'prompt' is required"));
        } else if (prompt->is_string()) {
            request.prompt = prompt->get<std::string>();
        } else if (prompt->is_array()) {
            // ["text"] (one prompt) or [id, id, ...] (token ids); several prompts per request
            // are not supported: send one request per prompt.
            if (prompt->size() == 1 && (*prompt)[0].is_string()) {
                request.prompt = (*prompt)[0].get<std::string>();
            } else if (!prompt->empty() && (*prompt)[0].is_array()) {
                reader.fail(invalid_value(
                    "prompt", "several prompts in one request are not supported", "unsupported"));
            } else {
                std::vector<int32_t> ids;
                for (size_t idx = 0; idx < prompt->size() && !reader.failed(); ++idx) {
                    const json& id = (*prompt)[idx];
                    if (id.is_string()) {
                        reader.fail(invalid_value("prompt",
                                                  "several prompts in one request are not "
                                                  "supported",
                                                  "unsupported"));
                    } else if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
                               id.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
                        reader.fail(wrong_type("prompt[" + std::to_string(idx) + "]",
                                               "a token id (a non-negative integer)", id));
                    } else {
                        ids.push_back((int32_t)id.get<int64_t>());
                    }
                }
                request.prompt = std::move(ids);
            }
        } else {
            reader.fail(wrong_type("prompt", "a string or an array of token ids", *prompt));
        }
    }
    reader.reject_unknown();
    if (reader.failed()) return reader.error();
    return request;
}

}  // namespace souverain::server
