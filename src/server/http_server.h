#pragma once
// The HTTP edge (cpp-httplib): routes, API keys and roles (request_auth.h), body limits,
// Server-Sent Events. Every request runs as a tenant: the one of its API key, or "default"
// when the server has no keys; it sees only that tenant's knowledge bases and audit records.
//
// HTTP threads parse and validate a request into plain structs (openai_request.h), apply the
// model's chat template, tokenize, and hand GenerationJobs to the model's runner; then they
// wait on the request's channel and write what comes back: one JSON body, or one SSE chunk
// per event. Embedding requests (openai_embeddings.h) are tokenized and checked the same way
// and handed to the encoder's EmbeddingRunner, whose answer is one JSON body. A failed write (the
// client went away) cancels the request, which frees its slots at the runner's next step.
//
// Governance (when given, server_governance.h): every chat completion, completion and
// knowledge-base search appends one audit record (errors and abandoned requests too), and
// generated answers carry AI-Act disclosures: headers `X-AI-Generated: true` and
// `X-Souverain-Receipt-Key: KEY_ID`, and an `ai_disclosure` object with a signed receipt in
// the body or in each choice's finish chunk (openai_response.h). The record is durable before
// the final body or the finish chunks are sent, so a receipt a client holds always has its
// record; the auditors' routes are audit_routes.h.
//
// Ownership: the server owns the runners, the knowledge-base service and the governance.
// Thread-safety: run() blocks on the calling thread; shutdown() may be called from another thread.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "retrieval/knowledge_base_service.h"
#include "server/chat_template.h"
#include "server/embedding_runner.h"
#include "server/metrics.h"
#include "server/model_runner.h"
#include "server/register_routes.h"
#include "server/request_auth.h"
#include "server/server_governance.h"

namespace httplib {
class Server;
}

namespace souverain::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                          // 0: any free port (see port())
    std::vector<std::string> api_keys;        // static keys: admins of tenant "default"
    size_t max_body_bytes = 4 * 1024 * 1024;  // larger bodies get 413
    int n_http_threads = 0;                   // 0: enough for every slot and queued request
    double shutdown_grace_seconds = 10.0;     // running requests may finish this long
};

// A model as the server knows it: its runner and its chat template.
struct ServedModel {
    std::unique_ptr<ModelRunner> runner;
    ChatTemplate chat_template = ChatTemplate::fallback();
    bool template_from_model = false;  // false: the fallback template
};

class HttpServer {
public:
    // `knowledge_bases` (may be null: no /v1/knowledge-bases routes) serves the knowledge-base
    // API and the "knowledge_bases" of chat requests (kb_routes.h). `register_endpoints` (may
    // be null: no register routes) serves /v1/register and the model cards
    // (register_routes.h). `api_keys` (may be null: only the static keys of the options)
    // holds the tenants and their keys (request_auth.h) and serves /v1/admin (admin_routes.h).
    // `encoders` are the embedding models (POST /v1/embeddings); their names and the
    // generators' names are distinct (the caller checks).
    HttpServer(ServerOptions options, std::vector<ServedModel> models, Metrics& metrics,
               std::unique_ptr<retrieval::KnowledgeBaseService> knowledge_bases = nullptr,
               std::unique_ptr<ServerGovernance> governance = nullptr,
               std::unique_ptr<RegisterEndpoints> register_endpoints = nullptr,
               std::unique_ptr<governance::ApiKeys> api_keys = nullptr,
               std::vector<std::unique_ptr<EmbeddingRunner>> encoders = {});
    ~HttpServer();

    // Binds the listening socket; fails when the address is taken or invalid.
    Status bind();
    int port() const { return port_; }

    // Serves until shutdown(); returns when every handler thread has ended.
    void run();

    // Stops accepting requests (new ones get 503), lets running ones finish for up to the
    // grace period, cancels what is left, then stops the listener. Idempotent.
    void shutdown();

private:
    class Routes;
    ServerOptions options_;
    std::vector<ServedModel> models_;
    std::vector<std::unique_ptr<EmbeddingRunner>> encoders_;
    Metrics& metrics_;
    std::unique_ptr<retrieval::KnowledgeBaseService> knowledge_bases_;
    std::unique_ptr<ServerGovernance> governance_;  // outlives http_: destroyed after it
    std::unique_ptr<RegisterEndpoints> register_endpoints_;
    std::unique_ptr<governance::ApiKeys> api_keys_;
    std::unique_ptr<RequestAuth> auth_;
    std::unique_ptr<httplib::Server> http_;
    std::unique_ptr<Routes> routes_;
    std::atomic<bool> shutting_down_{false};
    int port_ = 0;
    int listen_socket_ = -1;  // seen through httplib's socket-options hook
};

}  // namespace souverain::server
