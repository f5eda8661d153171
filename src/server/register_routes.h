#pragma once
// The public register and the model cards over HTTP:
//
//   GET /v1/register                       the register (governance/assistant_register.h
//                                          register_json), application/json
//   GET /v1/register?format=html&lang=fr   the page for citizens (register_page.h), text/html,
//                                          lang en (default), fr or de
//   GET /v1/models/{id}/card               the card of a served model (model_card.h) with
//                                          "file": {"sha256_status": pending | computing |
//                                          done | failed, "sha256_progress": 0..1}
//
//   GET /v1/register?tenant=T              the register of tenant T (default: "default")
//
// The caller's tenant's assistants, behind the API keys (read_register to read, write_register,
// i.e. admins, to change; governance/access_control.h), with the same reader and validation as
// `souverain register add` (assistant_register.h):
//   GET    /v1/register/assistants                 {"object": "list", "data": [assistant]}
//   POST   /v1/register/assistants                 ASSISTANT → 201 (409 when the name is taken)
//   PUT    /v1/register/assistants/{name}          ASSISTANT (same name) → 200 (404 when absent)
//   POST   /v1/register/assistants/{name}/retire   {"end_date"?: "YYYY-MM-DD", default today
//                                                   UTC} → 200, status "retired"
//   DELETE /v1/register/assistants/{name}          → {"id", "object", "deleted": true}
// An assistant answers as its JSON (assistant_json, system prompt included) plus
// "object": "register.assistant". Another tenant's assistant is a 404 like a missing one.
//
// /v1/register is public: it answers without an API key, because it is published for
// citizens (is_public_register_path); any tenant's register may be asked for, since
// publishing it is its purpose. The card follows the API keys like every /v1 route. Model
// cards' admin fields are written with `souverain model-card --set-json`.
//
// The SHA-256 of the served files is computed on a background thread after start-up
// (served_model_cards.h): until it is known a card says "computing", without administrator
// fields, and the page says the fingerprint is being computed.
//
// Errors go through api_error.h: an unknown model 404, an unknown format or lang 400, a
// register that cannot be read 500.
//
// Ownership: RegisterEndpoints owns the register store, the service over it and the served
// cards (with their hashing thread). Thread-safety: handlers run on httplib's threads; the
// store and the cards are safe from any thread.
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "governance/register_service.h"
#include "governance/served_model_cards.h"
#include "storage/register_store.h"

namespace httplib {
class Server;
}

namespace souverain::server {

class RegisterEndpoints {
public:
    // Opens the register in `data_dir` (before the models load, so that a bad directory
    // fails at once).
    static Result<std::unique_ptr<RegisterEndpoints>> open(const std::string& data_dir);

    // The served models, whose files start hashing at once in the background. Called once,
    // before install(); without it every card is 404.
    void serve_model_cards(std::vector<governance::ServedModelFile> models,
                           governance::ServedModelCards::HashedCallback on_hashed = {});

    // Installs the routes above. Must come before the route of /v1/models/{id}, which would
    // otherwise take /v1/models/{id}/card. `this` must outlive `http`'s serving.
    void install(httplib::Server& http);

private:
    RegisterEndpoints() = default;
    void install_assistant_writes(httplib::Server& http);
    // Declared in dependency order: destroyed cards first (their thread reads the service),
    // the store last.
    std::unique_ptr<storage::RegisterStore> store_;
    std::unique_ptr<governance::RegisterService> service_;
    std::unique_ptr<governance::ServedModelCards> cards_;
};

// The metrics label of a register path ("/v1/register", "/v1/models/{id}/card"), or "".
std::string register_endpoint_label(const std::string& path);

// Paths served without an API key: the register published for citizens.
bool is_public_register_path(const std::string& path);

}  // namespace souverain::server
