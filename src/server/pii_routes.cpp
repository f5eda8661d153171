#include "server/pii_routes.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "server/api_error.h"
#include "server/field_reader.h"
#include "server/request_auth.h"

namespace souverain::server {

namespace {

using nlohmann::json;

void send_error(httplib::Response& res, const ApiError& error) {
    res.status = error.status;
    res.set_content(error.body(), "application/json");
}

}  // namespace

void install_pii_routes(httplib::Server& http, PiiVaultSource vault) {
    http.Post("/v1/admin/pii/reverse",
              [vault = std::move(vault)](const httplib::Request& req, httplib::Response& res) {
                  auto root = parse_json_object(req.body);
                  if (auto* error = std::get_if<ApiError>(&root)) return send_error(res, *error);
                  FieldReader reader(std::get<json>(root), "");
                  std::string text;
                  reader.read_string("text", text, /*required=*/true);
                  reader.reject_unknown();
                  if (reader.failed()) return send_error(res, reader.error());
                  Result<std::shared_ptr<governance::PiiVault>> opened = vault();
                  if (!opened) return send_error(res, api_error_from(opened.error()));
                  Result<governance::ReversedText> reversed =
                      (*opened)->reverse(current_principal().tenant, text);
                  if (!reversed) return send_error(res, api_error_from(reversed.error()));
                  const json body = {{"object", "pii.reversed"},
                                     {"text", reversed->text},
                                     {"reversed", reversed->reversed},
                                     {"unopened", reversed->unopened}};
                  res.status = 200;
                  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                                  "application/json");
              });
}

}  // namespace souverain::server
