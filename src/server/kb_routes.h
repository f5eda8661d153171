#pragma once
// The knowledge-base API, and retrieval for chat completions.
//
//   POST   /v1/knowledge-bases                         {"name", "embedding_model"?} → 201,
//          the base (+ "embedding_model"): the model is "hashing:DIM" or the name of an
//          encoder this server serves (`serve --model NAME=enc.gguf`); never a path, so an
//          HTTP caller cannot make the server open a file of its choosing (unknown: 400,
//          param "embedding_model")
//   GET    /v1/knowledge-bases                         {"object": "list", "data": [base...]}
//   GET    /v1/knowledge-bases/{name}                  the base
//   DELETE /v1/knowledge-bases/{name}                  {"id", "object", "deleted": true}
//   POST   /v1/knowledge-bases/{name}/documents        upload: multipart/form-data with a
//          `file` field (its filename names the document), or the raw bytes with
//          ?filename=NAME; 201 (new), 200 (same name: replaced, or unchanged)
//   GET    /v1/knowledge-bases/{name}/documents        {"object": "list", "data": [doc...]}
//   DELETE /v1/knowledge-bases/{name}/documents/{id}   {"id", "object", "deleted": true}
//   POST   /v1/knowledge-bases/{name}/search           kb_request.h → {"mode", "hits": [...]}
//          (retrieval/search_hit.h); with "rerank": true, the server's `--reranker` reorders
//          the candidates and the answer carries "rerank": {"model", "depth", "candidates"},
//          each hit's "score" the cross-encoder logit and "first_stage_score" (no reranker
//          configured: 400, param "rerank")
//
// A base: {"id": name, "object": "knowledge_base", "name", "created_at", "documents" (files),
// "records" (documents inside them: one per text or Markdown file, one per JSONL line),
// "chunks"}. A document: {"id": filename, "object": "knowledge_base.document",
// "knowledge_base", "filename", "bytes", "content_hash" (SHA-256), "records", "chunks"}.
//
// Tenants: every route sees only the bases of the caller's tenant (request_auth.h
// current_principal); another tenant's base answers exactly like a base that does not exist
// (same status, same body), and names are unique per tenant only.
//
// Errors go through api_error.h: unknown base or document 404, a name taken 409, a bad name
// or a file the parser refuses 400 (with the parser's message), a body over the limit 413.
//
// Thread-safety: handlers run on httplib's threads; the KnowledgeBaseService serializes them.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "retrieval/knowledge_base_service.h"
#include "server/api_error.h"
#include "server/grounded_chat.h"
#include "server/openai_request.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace souverain::server {

// Called by the search route once its answer is known and before it is sent (the audit log
// records searches): the base, the HTTP status, and the hits array (null on error).
using SearchObserver = std::function<void(const httplib::Request& req, const std::string& kb,
                                          int status, const nlohmann::json* hits)>;

// Installs the routes above. `service` must outlive `http`'s serving.
void install_kb_routes(httplib::Server& http, retrieval::KnowledgeBaseService& service,
                       SearchObserver on_search = nullptr);

// The metrics label of a knowledge-base path ("/v1/knowledge-bases/{name}/search"), or ""
// when `path` is not one (names never become labels: they would grow the metrics unbounded).
std::string kb_endpoint_label(const std::string& path);

struct GroundedChat {
    std::vector<int32_t> tokens;
    nlohmann::json citations;  // retrieval/grounded_answer.h citations_json
};

// A chat request with "knowledge_bases" (bases of `tenant` only): searches them for the last
// user message (request.retrieval_top_k passages), renders the grounded conversation
// (grounded_chat.h) leaving max_tokens (or a quarter of the context when absent) for the
// answer. Knowledge bases are only read. `service` null: the server has none (400).
std::variant<GroundedChat, ApiError> ground_chat(retrieval::KnowledgeBaseService* service,
                                                 const std::string& tenant,
                                                 const ChatCompletionRequest& request,
                                                 int64_t n_ctx, const RenderChat& render);

}  // namespace souverain::server
