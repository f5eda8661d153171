#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "governance/canonical_json.h"
#include "governance/receipt.h"
#include "governance/tree_head.h"
#include "server/admin_routes.h"
#include "server/api_error.h"
#include "server/audit_routes.h"
#include "server/kb_routes.h"
#include "server/openai_embeddings.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/pii_routes.h"
#include "server/register_routes.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr auto kPollInterval = std::chrono::milliseconds(100);
// With no event for this long, a byte goes to the client (an SSE comment, or whitespace
// before a JSON body): the write fails once the client has gone, which cancels its request
// even while its prompt is still being read.
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(250);

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
    if (error.status == 503) res.set_header("Retry-After", "1");
}

void send_json(httplib::Response& res, const std::string& body) {
    res.status = 200;
    res.set_content(body, "application/json");
}

// Label of an endpoint for the request counter; unknown paths share one label so that
// scanning the server cannot grow the metrics without bound.
std::string endpoint_label(const std::string& path) {
    static const char* const kKnown[] = {
        "/v1/chat/completions", "/v1/completions", "/v1/embeddings",
        "/v1/models",           "/health",         "/metrics"};
    for (const char* known : kKnown) {
        if (path == known) return known;
    }
    if (std::string label = register_endpoint_label(path); !label.empty()) return label;
    if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
    if (std::string kb = kb_endpoint_label(path); !kb.empty()) return kb;
    return "other";
}

// When the current request arrived: set by the pre-routing gate on the thread that then runs
// the whole request (httplib serves one request per thread at a time).
thread_local Clock::time_point t_request_start = Clock::now();

// What a request's audit record needs besides its outcome.
struct AuditContext {
    Clock::time_point start;
    std::string endpoint;
    std::string tenant;
    std::string key_id;
    // The tenant's policy (server_governance.h): set, texts are kept under this key.
    std::optional<governance::PseudonymKey> keep_texts_key;
    bool disclosure_notice = false;
    std::string input_sha256;
    std::string model;
    std::string model_sha256;
    std::vector<governance::SourceRef> sources;
    std::string prompt_text;    // kept only under the keep-texts policy, pseudonymized
    std::string language_text;  // what the visible notice's language is detected from
};

AuditContext begin_audit(const httplib::Request& req, const std::string& endpoint,
                         const ServerGovernance* gov) {
    AuditContext ctx;
    ctx.start = t_request_start;
    ctx.endpoint = endpoint;
    ctx.tenant = current_principal().tenant;
    ctx.key_id = current_principal().key_id;
    ctx.input_sha256 = request_sha256(req.body);
    if (gov) {
        EffectivePolicy policy = gov->policy_for(ctx.tenant);
        ctx.keep_texts_key = std::move(policy.keep_texts_key);
        ctx.disclosure_notice = policy.disclosure_notice;
    }
    return ctx;
}

// Appends the record of a finished request. With `wait`, returns once it is durable (false
// when the append failed); without, queues it and returns true. No governance: true.
bool audit_request(ServerGovernance* gov, const AuditContext& ctx, int status, const Usage& usage,
                   const std::string& output_sha256, std::string_view output_text,
                   bool wait = true) {
    if (gov == nullptr || !gov->audit) return true;
    governance::AuditRecord record;
    record.time_ms = governance::unix_time_ms();
    record.tenant = ctx.tenant;
    record.key_id = ctx.key_id;
    record.endpoint = ctx.endpoint;
    record.model = ctx.model;
    record.model_sha256 = ctx.model_sha256;
    record.sources = ctx.sources;
    record.input_sha256 = ctx.input_sha256;
    record.output_sha256 = output_sha256;
    record.prompt_tokens = usage.prompt_tokens;
    record.completion_tokens = usage.completion_tokens;
    record.latency_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - ctx.start).count();
    record.status = status;
    if (ctx.keep_texts_key && gov->pii_vault) {
        Status kept = governance::attach_pseudonymized_texts(record, ctx.prompt_text, output_text,
                                                             *gov->pii_vault);
        if (!kept)
            std::fprintf(stderr, "audit: texts not kept: %s\n", kept.error().message.c_str());
    } else if (ctx.keep_texts_key) {
        governance::attach_pseudonymized_texts(record, ctx.prompt_text, output_text,
                                               *ctx.keep_texts_key);
    }
    auto appended = gov->audit->submit(std::move(record));
    if (!wait) return true;
    return appended.get().ok();
}

// The output hash of a generation: the SHA-256 of the text when there is one choice (the
// receipt's output_sha256, so record and receipt meet); with n choices, the SHA-256 of their
// n hex digests concatenated in order.
std::string choices_sha256(const std::vector<ChoiceResult>& choices) {
    if (choices.size() == 1) return text_sha256(choices[0].text);
    std::string digests;
    for (const ChoiceResult& choice : choices) digests += text_sha256(choice.text);
    return text_sha256(digests);
}

std::string choices_text(const std::vector<ChoiceResult>& choices) {
    std::string text;
    for (size_t idx = 0; idx < choices.size(); ++idx) {
        if (idx > 0) text += "\n\n";
        text += choices[idx].text;
    }
    return text;
}

// What the HTTP thread keeps while a response streams out.
struct StreamState {
    std::shared_ptr<RequestChannel> channel;
    ResponseHeader header;
    bool chat = true;
    bool stream = false;
    bool with_logprobs = false;
    bool include_usage = false;
    std::string echo_text;          // completions with echo: the prompt, before the first text
    std::optional<json> citations;  // grounded chat: in the body, or in the first chunk
    bool citations_sent = false;
    std::vector<ChoiceResult> choices;
    std::vector<bool> started, done;
    Usage usage;
    int32_t n_done = 0;
    Clock::time_point last_write = Clock::now();
    // Governance (null: none). The finish chunks carry receipts, so with governance they are
    // held until every choice is done and the record is durable.
    ServerGovernance* gov = nullptr;
    AuditContext audit;
    bool audited = false;
    std::string notice;  // the visible disclosure notice appended to each text, or ""
    std::string held;    // finish chunks waiting for the record

    nlohmann::json disclosure(const std::string& text) const {
        return governance::ai_disclosure_json(governance::sign_receipt(
            gov->key, header.model, audit.model_sha256, audit.sources, text, header.created));
    }
    // The record of this request; false when it could not be made durable.
    bool finish_audit(int status, bool wait = true) {
        audited = true;
        const bool generated = status == 200;
        return audit_request(gov, audit, status, usage, generated ? choices_sha256(choices) : "",
                             generated ? choices_text(choices) : "", wait);
    }
};

std::string sse(const std::string& data) {
    return "data: " + data + "\n\n";
}

}  // namespace

class HttpServer::Routes {
public:
    explicit Routes(HttpServer& server) : server_(server) {}

    void install(httplib::Server& http) {
        http.set_pre_routing_handler(
            [this](const httplib::Request& req, httplib::Response& res) { return gate(req, res); });
        http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 413)
                return send_error(res, payload_too_large(server_.options_.max_body_bytes));
            if (res.status == 404) return send_error(res, route_not_found(req.method, req.path));
            if (res.status == 405) {
                return send_error(
                    res, ApiError{405, "method " + req.method + " is not allowed on " + req.path,
                                  "invalid_request_error", "", "method_not_allowed"});
            }
            ApiError error = invalid_value("", "bad request");
            error.status = res.status;
            send_error(res, error);
        });
        http.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
                std::string what = "unexpected exception";
                try {
                    if (ep) std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    what = e.what();
                } catch (...) {
                }
                send_error(res, internal_error(what));
            });
        http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            server_.metrics_.count_request(endpoint_label(req.path), res.status);
        });

        http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
            if (server_.shutting_down_) {
                return send_error(res, overloaded("the server is shutting down"));
            }
            send_json(res, R"({"status":"ok"})");
        });
        http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            std::vector<RunnerGauges> gauges;
            for (const ServedModel& model : server_.models_) {
                gauges.push_back({model.runner->name(), model.runner->stats()});
            }
            res.set_content(server_.metrics_.render(gauges), "text/plain; version=0.0.4");
        });
        http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
            json data = json::array();
            for (const ServedModel& model : server_.models_) data.push_back(model_json(model));
            for (const auto& encoder : server_.encoders_) data.push_back(encoder_json(*encoder));
            send_json(res, json{{"object", "list"}, {"data", data}}.dump());
        });
        // Before /v1/models/{id}, whose pattern would take /v1/models/{id}/card.
        if (server_.register_endpoints_) server_.register_endpoints_->install(http);
        http.Get(R"(/v1/models/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
            const std::string id = req.matches[1];
            if (const EmbeddingRunner* encoder = find_encoder(id)) {
                return send_json(res, encoder_json(*encoder).dump());
            }
            const ServedModel* model = find_model(id);
            if (!model) return send_error(res, model_not_found(id));
            send_json(res, model_json(*model).dump());
        });
        http.Post("/v1/embeddings",
                  [this](const httplib::Request& req, httplib::Response& res) { embed(req, res); });
        http.Post("/v1/chat/completions",
                  [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });
        http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
            completion(req, res);
        });
        ServerGovernance* gov = server_.governance_.get();
        if (server_.knowledge_bases_) {
            SearchObserver on_search;
            if (gov) {
                on_search = [gov](const httplib::Request& req, const std::string& kb, int status,
                                  const json* hits) {
                    AuditContext ctx = begin_audit(req, "/v1/knowledge-bases/{name}/search", gov);
                    if (hits) ctx.sources = sources_from_citations(*hits, kb);
                    // The answer is the hits: hashed in canonical form, as requests are.
                    const std::string output =
                        hits ? governance::canonical_json(*hits) : std::string();
                    ctx.prompt_text = req.body;
                    audit_request(gov, ctx, status, {}, hits ? text_sha256(output) : "", output);
                };
            }
            install_kb_routes(http, *server_.knowledge_bases_, std::move(on_search));
        }
        if (gov && gov->audit) install_audit_routes(http, gov->audit->log());
        if (server_.api_keys_) {
            install_admin_routes(http, *server_.api_keys_, server_.knowledge_bases_.get());
        }
        // One vault per data directory: the governance's (kept audit texts) when there is
        // one, else the knowledge bases' (opened on first use).
        if (gov && gov->pii_vault) {
            install_pii_routes(http, [vault = gov->pii_vault]() {
                return Result<std::shared_ptr<governance::PiiVault>>(vault);
            });
        } else if (server_.knowledge_bases_) {
            install_pii_routes(
                http, [kbs = server_.knowledge_bases_.get()]() { return kbs->pii_vault(); });
        }
    }

private:
    // API keys and shutdown, before any route runs.
    httplib::Server::HandlerResponse gate(const httplib::Request& req, httplib::Response& res) {
        using HR = httplib::Server::HandlerResponse;
        t_request_start = Clock::now();
        auto checked =
            server_.auth_->check(req.method, req.path, req.get_header_value("Authorization"));
        if (auto* error = std::get_if<ApiError>(&checked)) {
            refuse(req, res, *error);
            return HR::Handled;
        }
        set_current_principal(std::move(std::get<governance::Principal>(checked)));
        if (server_.shutting_down_ && req.method == "POST") {
            refuse(req, res, overloaded("the server is shutting down"));
            return HR::Handled;
        }
        return HR::Unhandled;
    }

    // An answer from the gate. The body of a request refused there is never read (the gate
    // runs before it is), so the connection must not be reused: those bytes would be parsed
    // as the next request (a keep-alive client got 400 on its next call).
    static void refuse(const httplib::Request& req, httplib::Response& res, const ApiError& error) {
        send_error(res, error);
        if (!req.get_header_value("Content-Length").empty() ||
            !req.get_header_value("Transfer-Encoding").empty()) {
            res.set_header("Connection", "close");
        }
    }

    json model_json(const ServedModel& model) const {
        return {{"id", model.runner->name()},
                {"object", "model"},
                {"created", model.runner->created_unix()},
                {"owned_by", "souverain"},
                {"context_length", model.runner->n_ctx()}};
    }

    ServedModel* find_model(const std::string& name) {
        for (ServedModel& model : server_.models_) {
            if (model.runner->name() == name) return &model;
        }
        return nullptr;
    }

    json encoder_json(const EmbeddingRunner& encoder) const {
        return {{"id", encoder.name()},
                {"object", "model"},
                {"created", encoder.created_unix()},
                {"owned_by", "souverain"},
                {"context_length", encoder.model().max_tokens()},
                {"embedding_dimensions", encoder.model().dimension()}};
    }

    EmbeddingRunner* find_encoder(const std::string& name) {
        for (auto& encoder : server_.encoders_) {
            if (encoder->name() == name) return encoder.get();
        }
        return nullptr;
    }

    // A generation request for a model that is not a generator: an encoder's name is a
    // clear 400, anything else unknown.
    ApiError not_a_generator(const std::string& name) {
        if (find_encoder(name)) {
            return wrong_model_kind(name, "is an embedding model; use POST /v1/embeddings");
        }
        return model_not_found(name);
    }

    // POST /v1/embeddings: inputs tokenized and checked here (texts get [CLS] ... [SEP]; token
    // arrays are taken as the model's whole input), then one job for the encoder's loop.
    // Inputs longer than the model reads are refused (context_length_exceeded), as OpenAI does,
    // rather than silently cut.
    void embed(const httplib::Request& req, httplib::Response& res) {
        AuditContext audit = begin_audit(req, "/v1/embeddings", server_.governance_.get());
        auto parsed = parse_embedding_request(req.body);
        if (auto* error = std::get_if<ApiError>(&parsed)) return fail(res, audit, *error);
        EmbeddingRequest& request = std::get<EmbeddingRequest>(parsed);
        name_model(audit, request.model);
        EmbeddingRunner* encoder = find_encoder(request.model);
        if (!encoder) {
            if (find_model(request.model)) {
                return fail(res, audit,
                            wrong_model_kind(request.model,
                                             "generates text; embeddings need an encoder model "
                                             "(architecture bert)"));
            }
            return fail(res, audit, model_not_found(request.model));
        }
        const BertModel& model = encoder->model();
        if (request.dimensions && *request.dimensions != model.dimension()) {
            return fail(
                res, audit,
                invalid_value("dimensions",
                              "this model's embeddings have " + std::to_string(model.dimension()) +
                                  " dimensions; 'dimensions' must be that or absent",
                              "unsupported"));
        }
        const int64_t max_tokens = model.max_tokens();
        const int64_t n_vocab = model.vocab().n_tokens();
        EmbeddingJob job;
        if (auto* texts = std::get_if<std::vector<std::string>>(&request.input)) {
            for (size_t idx = 0; idx < texts->size(); ++idx) {
                job.inputs.push_back(model.vocab().tokenize((*texts)[idx], /*add_special=*/true,
                                                            /*parse_special=*/false));
            }
        } else {
            job.inputs = std::move(std::get<std::vector<std::vector<int32_t>>>(request.input));
        }
        int64_t n_prompt_tokens = 0;
        for (size_t idx = 0; idx < job.inputs.size(); ++idx) {
            const std::string param = "input[" + std::to_string(idx) + "]";
            const std::vector<int32_t>& tokens = job.inputs[idx];
            if ((int64_t)tokens.size() > max_tokens) {
                return fail(res, audit,
                            context_length_exceeded(
                                param, param + " is " + std::to_string(tokens.size()) +
                                           " tokens long; this model reads at most " +
                                           std::to_string(max_tokens) + " tokens per input"));
            }
            if (tokens.empty()) {
                return fail(res, audit, invalid_value(param, param + " has no tokens"));
            }
            for (int32_t id : tokens) {
                if (id >= n_vocab) {
                    return fail(res, audit,
                                invalid_value(param, "token id " + std::to_string(id) +
                                                         " is outside the vocabulary of " +
                                                         std::to_string(n_vocab) + " tokens"));
                }
            }
            n_prompt_tokens += (int64_t)tokens.size();
        }
        std::future<Result<std::vector<std::vector<float>>>> answer = job.result.get_future();
        if (!encoder->submit(job)) {
            return fail(
                res, audit,
                overloaded(server_.shutting_down_ ? "the server is shutting down"
                                                  : "the embedding queue is full; retry later"));
        }
        Result<std::vector<std::vector<float>>> vectors = answer.get();
        if (!vectors) return fail(res, audit, api_error_from(vectors.error()));
        const std::string body =
            embedding_response_json(*vectors, request.encoding, encoder->name(), n_prompt_tokens);
        if (!audit_request(server_.governance_.get(), audit, 200, {n_prompt_tokens, 0},
                           text_sha256(body), "")) {
            return send_error(res, internal_error("the audit record could not be written"));
        }
        send_json(res, body);
    }

    // Sends an error answered before generation began, after its audit record.
    void fail(httplib::Response& res, const AuditContext& audit, const ApiError& error) {
        audit_request(server_.governance_.get(), audit, error.status, {}, "", "");
        send_error(res, error);
    }

    void name_model(AuditContext& audit, const std::string& model) const {
        audit.model = model;
        if (server_.governance_) audit.model_sha256 = server_.governance_->weights_sha256(model);
    }

    void chat(const httplib::Request& req, httplib::Response& res) {
        AuditContext audit = begin_audit(req, "/v1/chat/completions", server_.governance_.get());
        auto parsed = parse_chat_completion_request(req.body);
        if (auto* error = std::get_if<ApiError>(&parsed)) return fail(res, audit, *error);
        ChatCompletionRequest& request = std::get<ChatCompletionRequest>(parsed);
        name_model(audit, request.options.model);
        for (const ChatMessage& message : request.messages) {
            audit.prompt_text += message.role + ": " + message.content + "\n";
            if (message.role == "user") audit.language_text = message.content;
        }
        ServedModel* model = find_model(request.options.model);
        if (!model) return fail(res, audit, not_a_generator(request.options.model));

        auto render = [model](const std::vector<ChatMessage>& messages) {
            return render_chat_tokens(model->chat_template, model->runner->model().vocab(),
                                      messages);
        };
        std::vector<int32_t> tokens;
        std::optional<json> citations;
        if (request.knowledge_bases.empty()) {
            Result<std::vector<int32_t>> rendered = render(request.messages);
            if (!rendered) return fail(res, audit, chat_template_error(rendered.error()));
            tokens = std::move(*rendered);
        } else {
            auto grounded = ground_chat(server_.knowledge_bases_.get(), audit.tenant, request,
                                        model->runner->n_ctx(), render);
            if (auto* error = std::get_if<ApiError>(&grounded)) return fail(res, audit, *error);
            tokens = std::move(std::get<GroundedChat>(grounded).tokens);
            citations = std::move(std::get<GroundedChat>(grounded).citations);
            audit.sources = sources_from_citations(*citations);
        }
        generate(res, std::move(audit), *model, request.options, std::move(tokens), /*chat=*/true,
                 "", std::move(citations));
    }

    void completion(const httplib::Request& req, httplib::Response& res) {
        AuditContext audit = begin_audit(req, "/v1/completions", server_.governance_.get());
        auto parsed = parse_completion_request(req.body);
        if (auto* error = std::get_if<ApiError>(&parsed)) return fail(res, audit, *error);
        CompletionRequest& request = std::get<CompletionRequest>(parsed);
        name_model(audit, request.options.model);
        ServedModel* model = find_model(request.options.model);
        if (!model) return fail(res, audit, not_a_generator(request.options.model));
        const Vocab& vocab = model->runner->model().vocab();
        std::vector<int32_t> tokens;
        std::string echo_text;
        if (auto* text = std::get_if<std::string>(&request.prompt)) {
            tokens = vocab.tokenize(*text, /*add_special=*/true, /*parse_special=*/true);
            if (request.echo) echo_text = *text;
            audit.prompt_text = *text;
            audit.language_text = *text;
        } else {
            tokens = std::get<std::vector<int32_t>>(request.prompt);
            for (size_t idx = 0; idx < tokens.size(); ++idx) {
                if (tokens[idx] >= vocab.n_tokens()) {
                    return fail(res, audit,
                                invalid_value("prompt[" + std::to_string(idx) + "]",
                                              "token id " + std::to_string(tokens[idx]) +
                                                  " is outside the vocabulary of " +
                                                  std::to_string(vocab.n_tokens()) + " tokens"));
                }
            }
            if (request.echo) echo_text = vocab.detokenize(tokens, /*remove_special=*/false);
        }
        generate(res, std::move(audit), *model, request.options, std::move(tokens),
                 /*chat=*/false, std::move(echo_text));
    }

    void generate(httplib::Response& res, AuditContext audit, ServedModel& model,
                  const GenerationOptions& options, std::vector<int32_t> prompt, bool chat,
                  std::string echo_text, std::optional<json> citations = std::nullopt) {
        const int64_t n_ctx = model.runner->n_ctx();
        const int64_t n_prompt = (int64_t)prompt.size();
        if (n_prompt == 0) {
            return fail(res, audit,
                        invalid_value(chat ? "messages" : "prompt", "the prompt is empty"));
        }
        if (n_prompt >= n_ctx) {
            return fail(res, audit,
                        context_length_exceeded(
                            chat ? "messages" : "prompt",
                            "the prompt is " + std::to_string(n_prompt) +
                                " tokens long; the context holds " + std::to_string(n_ctx) +
                                " tokens, and at least one must be left to generate"));
        }
        if (options.max_tokens && n_prompt + *options.max_tokens > n_ctx) {
            return fail(res, audit,
                        context_length_exceeded(
                            "max_tokens",
                            "the prompt (" + std::to_string(n_prompt) +
                                " tokens) plus max_tokens (" + std::to_string(*options.max_tokens) +
                                ") exceed the context of " + std::to_string(n_ctx) + " tokens"));
        }
        const int32_t max_tokens =
            options.max_tokens ? *options.max_tokens : (int32_t)(n_ctx - n_prompt);

        auto state = std::make_shared<StreamState>();
        state->channel = std::make_shared<RequestChannel>();
        state->header = {make_response_id(chat ? "chatcmpl-" : "cmpl-"),
                         (int64_t)std::time(nullptr), model.runner->name()};
        state->chat = chat;
        state->stream = options.stream;
        state->with_logprobs = options.logprobs;
        state->include_usage = options.include_usage;
        state->echo_text = std::move(echo_text);
        state->citations = std::move(citations);
        state->choices.resize((size_t)options.n);
        state->started.assign((size_t)options.n, false);
        state->done.assign((size_t)options.n, false);
        ServerGovernance* gov = server_.governance_.get();
        if (gov && audit.disclosure_notice)
            state->notice = disclosure_notice_for(audit.language_text);
        if (!gov || !audit.keep_texts_key) audit.prompt_text.clear();
        state->gov = gov;
        state->audit = std::move(audit);

        const uint64_t seed = options.seed ? *options.seed : std::random_device{}();
        std::vector<GenerationJob> jobs;
        for (int32_t choice = 0; choice < options.n; ++choice) {
            GenerationJob job;
            job.prompt = prompt;
            job.sampling.temperature = options.temperature;
            job.sampling.top_p = options.top_p;
            job.sampling.top_k = options.top_k;
            job.sampling.min_p = options.min_p;
            job.sampling.repeat_penalty = options.repeat_penalty;
            job.sampling.presence_penalty = options.presence_penalty;
            job.sampling.frequency_penalty = options.frequency_penalty;
            job.sampling.seed = seed + (uint64_t)choice;
            job.max_tokens = max_tokens;
            job.stop = options.stop;
            job.logprobs = options.logprobs;
            job.top_logprobs = options.top_logprobs;
            job.ignore_eos = options.ignore_eos;
            job.choice = choice;
            job.channel = state->channel;
            job.submitted_at = Clock::now();
            jobs.push_back(std::move(job));
        }
        if (!model.runner->submit(std::move(jobs))) {
            return fail(
                res, state->audit,
                overloaded(server_.shutting_down_ ? "the server is shutting down"
                                                  : "every slot is busy and the queue is full; "
                                                    "retry later"));
        }

        // A request that ends without its record (the client went away) is still audited,
        // with status 499 (client closed request, as nginx names it) and no output.
        auto releaser = [state](bool success) {
            if (!success) state->channel->cancel();
            if (!state->audited) state->finish_audit(499, /*wait=*/false);
        };
        if (gov) {
            res.set_header("X-AI-Generated", "true");
            res.set_header("X-Souverain-Receipt-Key", gov->key.key_id());
        }
        if (options.stream) {
            res.set_header("Cache-Control", "no-cache");
            res.set_header("X-Accel-Buffering", "no");
            res.set_chunked_content_provider(
                "text/event-stream",
                [state](size_t, httplib::DataSink& sink) { return pump_stream(*state, sink); },
                releaser);
        } else {
            res.set_chunked_content_provider(
                "application/json",
                [state](size_t, httplib::DataSink& sink) { return pump_body(*state, sink); },
                releaser);
        }
    }

    // One call per httplib loop: waits briefly for an event and writes what it brings.
    // Returns false to abort (the client is gone).
    static bool pump_stream(StreamState& state, httplib::DataSink& sink) {
        auto write = [&](const std::string& text) {
            state.last_write = Clock::now();
            if (sink.write(text.data(), text.size())) return true;
            state.channel->cancel();
            return false;
        };
        GenerationEvent event;
        if (!state.channel->pop(event, kPollInterval)) {
            if (Clock::now() - state.last_write < kHeartbeatInterval) return true;
            return write(": keep-alive\n\n");
        }
        const auto chunk = [&](const ChunkContent& content) {
            return sse(state.chat ? chat_chunk(state.header, content, state.include_usage)
                                  : text_chunk(state.header, content, state.include_usage));
        };
        const size_t choice = (size_t)event.choice;
        std::string out;
        if (event.kind != GenerationEvent::Kind::ERROR && !state.started[choice]) {
            state.started[choice] = true;
            if (state.chat) {
                ChunkContent first;
                first.choice = event.choice;
                first.role = true;
                if (state.citations && !state.citations_sent) {
                    first.citations = &*state.citations;
                    state.citations_sent = true;
                }
                out += chunk(first);
            } else if (!state.echo_text.empty()) {
                ChunkContent echo;
                echo.choice = event.choice;
                echo.text = state.echo_text;
                state.choices[choice].text += state.echo_text;
                out += chunk(echo);
            }
        }
        switch (event.kind) {
            case GenerationEvent::Kind::TEXT: {
                ChunkContent content;
                content.choice = event.choice;
                content.text = event.text;
                if (state.with_logprobs) content.logprobs = &event.logprobs;
                state.choices[choice].text += event.text;
                out += chunk(content);
                return write(out);
            }
            case GenerationEvent::Kind::DONE: {
                ChoiceResult& result = state.choices[choice];
                if (!state.notice.empty()) {
                    ChunkContent note;
                    note.choice = event.choice;
                    note.text = state.notice;
                    result.text += state.notice;
                    out += chunk(note);
                }
                ChunkContent last;
                last.choice = event.choice;
                last.finish = event.finish_reason;
                if (state.gov) {
                    // The receipt covers the choice's whole text as streamed (echo and notice
                    // included); the chunk waits for the record (held below).
                    result.ai_disclosure = state.disclosure(result.text);
                    last.ai_disclosure = &result.ai_disclosure;
                    state.held += chunk(last);
                } else {
                    out += chunk(last);
                }
                state.done[choice] = true;
                state.usage.prompt_tokens = event.n_prompt_tokens;
                state.usage.completion_tokens += event.n_completion_tokens;
                if (++state.n_done == (int32_t)state.done.size()) {
                    if (!state.finish_audit(200)) {
                        out += sse(internal_error("the audit record could not be written").body());
                    } else {
                        out += state.held;
                        if (state.include_usage)
                            out += sse(usage_chunk(state.header, state.chat, state.usage));
                    }
                    out += sse("[DONE]");
                    if (!write(out)) return false;
                    sink.done();
                    return true;
                }
                if (out.empty()) return true;
                return write(out);
            }
            case GenerationEvent::Kind::ERROR: {
                state.channel->cancel();  // the other choices stop too
                const ApiError error = api_error_from(event.error);
                state.finish_audit(error.status);
                out += sse(error.body());
                out += sse("[DONE]");
                if (!write(out)) return false;
                sink.done();
                return true;
            }
        }
        return true;
    }

    static bool pump_body(StreamState& state, httplib::DataSink& sink) {
        // Whitespace before a JSON value is valid JSON; writing some now and then tells
        // whether the client is still there, also while tokens keep arriving.
        if (Clock::now() - state.last_write >= kHeartbeatInterval) {
            state.last_write = Clock::now();
            if (!sink.write(" ", 1)) {
                state.channel->cancel();
                return false;
            }
        }
        GenerationEvent event;
        if (!state.channel->pop(event, kPollInterval)) return true;
        ChoiceResult& choice = state.choices[(size_t)event.choice];
        switch (event.kind) {
            case GenerationEvent::Kind::TEXT:
                choice.text += event.text;
                for (TokenLogprob& token : event.logprobs)
                    choice.logprobs.push_back(std::move(token));
                return true;
            case GenerationEvent::Kind::DONE: {
                choice.finish_reason = event.finish_reason;
                state.usage.prompt_tokens = event.n_prompt_tokens;
                state.usage.completion_tokens += event.n_completion_tokens;
                if (++state.n_done < (int32_t)state.choices.size()) return true;
                if (!state.echo_text.empty()) {
                    for (ChoiceResult& c : state.choices) c.text = state.echo_text + c.text;
                }
                if (state.gov) {
                    for (ChoiceResult& c : state.choices) {
                        c.text += state.notice;
                        c.ai_disclosure = state.disclosure(c.text);
                    }
                    if (!state.finish_audit(200)) {
                        const std::string body =
                            internal_error("the audit record could not be written").body();
                        if (!sink.write(body.data(), body.size())) return false;
                        sink.done();
                        return true;
                    }
                }
                const std::string body =
                    state.chat ? chat_completion_body(state.header, state.choices,
                                                      state.with_logprobs, state.usage,
                                                      state.citations ? &*state.citations : nullptr)
                               : text_completion_body(state.header, state.choices,
                                                      state.with_logprobs, state.usage);
                if (!sink.write(body.data(), body.size())) return false;
                sink.done();
                return true;
            }
            case GenerationEvent::Kind::ERROR: {
                state.channel->cancel();
                // The status line (200) is already sent; the body says what went wrong.
                const ApiError error = api_error_from(event.error);
                state.finish_audit(error.status);
                const std::string body = error.body();
                if (!sink.write(body.data(), body.size())) return false;
                sink.done();
                return true;
            }
        }
        return true;
    }

    HttpServer& server_;
};

HttpServer::HttpServer(ServerOptions options, std::vector<ServedModel> models, Metrics& metrics,
                       std::unique_ptr<retrieval::KnowledgeBaseService> knowledge_bases,
                       std::unique_ptr<ServerGovernance> governance,
                       std::unique_ptr<RegisterEndpoints> register_endpoints,
                       std::unique_ptr<governance::ApiKeys> api_keys,
                       std::vector<std::unique_ptr<EmbeddingRunner>> encoders)
    : options_(std::move(options)),
      models_(std::move(models)),
      encoders_(std::move(encoders)),
      metrics_(metrics),
      knowledge_bases_(std::move(knowledge_bases)),
      governance_(std::move(governance)),
      register_endpoints_(std::move(register_endpoints)),
      api_keys_(std::move(api_keys)),
      auth_(std::make_unique<RequestAuth>(api_keys_.get(), options_.api_keys)),
      http_(std::make_unique<httplib::Server>()),
      routes_(std::make_unique<Routes>(*this)) {
    int n_threads = options_.n_http_threads;
    if (n_threads <= 0) {
        // Every running or queued sequence may hold an HTTP thread while it streams, plus a
        // few for quick requests (health, metrics, errors) while all of those wait.
        n_threads = 8;
        for (const ServedModel& model : models_) {
            const RunnerStats stats = model.runner->stats();
            n_threads += stats.n_slots;
        }
        n_threads += 64;
    }
    http_->new_task_queue = [n_threads] { return new httplib::ThreadPool((size_t)n_threads); };
    http_->set_payload_max_length(options_.max_body_bytes);
    http_->set_read_timeout(30, 0);
    http_->set_write_timeout(30, 0);
    http_->set_keep_alive_timeout(5);
    http_->set_tcp_nodelay(true);
    // httplib listens with a backlog of 5, too few for a burst of clients connecting at once
    // (connections beyond it were reset under load). The listening socket passes through
    // this hook before bind; bind() raises its backlog afterwards.
    http_->set_socket_options([this](int sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        listen_socket_ = sock;
    });
    routes_->install(*http_);
}

HttpServer::~HttpServer() {
    shutdown();
}

Status HttpServer::bind() {
    if (options_.port == 0) {
        port_ = http_->bind_to_any_port(options_.host);
    } else {
        port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    if (port_ > 0 && listen_socket_ >= 0) ::listen(listen_socket_, 1024);
    if (port_ <= 0) {
        return make_error(ErrorCode::IO, "cannot listen on " + options_.host + ":" +
                                             std::to_string(options_.port) +
                                             " (address in use or not valid)");
    }
    return Status::success();
}

void HttpServer::run() {
    http_->listen_after_bind();
}

void HttpServer::shutdown() {
    if (shutting_down_.exchange(true)) return;
    for (ServedModel& model : models_) model.runner->begin_drain();
    for (auto& encoder : encoders_) encoder->begin_drain();
    const auto deadline =
        Clock::now() + std::chrono::milliseconds((int64_t)(options_.shutdown_grace_seconds * 1000));
    for (ServedModel& model : models_) {
        while (!model.runner->idle() && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    for (auto& encoder : encoders_) {
        while (!encoder->idle() && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    // What did not finish in time ends with an error event, which its HTTP thread writes.
    for (ServedModel& model : models_) model.runner->stop();
    for (auto& encoder : encoders_) encoder->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    http_->stop();
}

}  // namespace souverain::server
