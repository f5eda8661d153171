#include "server/openai_response.h"

#include <nlohmann/json.hpp>
#include <random>

namespace souverain::server {

namespace {

using nlohmann::json;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json bytes_of(const std::string& text) {
    json bytes = json::array();
    for (unsigned char c : text) bytes.push_back((int)c);
    return bytes;
}

// {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, ...]}
json chat_logprobs(const std::vector<TokenLogprob>& tokens) {
    json content = json::array();
    for (const TokenLogprob& token : tokens) {
        json top = json::array();
        for (const TopLogprob& alt : token.top) {
            top.push_back(
                {{"token", alt.text}, {"logprob", alt.logprob}, {"bytes", bytes_of(alt.text)}});
        }
        content.push_back({{"token", token.text},
                           {"logprob", token.logprob},
                           {"bytes", bytes_of(token.text)},
                           {"top_logprobs", top}});
    }
    return {{"content", content}};
}

// {"tokens", "token_logprobs", "top_logprobs": [{text: logprob}], "text_offset"}
json text_logprobs(const std::vector<TokenLogprob>& tokens, int64_t offset0) {
    json texts = json::array(), values = json::array(), tops = json::array(),
         offsets = json::array();
    int64_t offset = offset0;
    for (const TokenLogprob& token : tokens) {
        texts.push_back(token.text);
        values.push_back(token.logprob);
        json top = json::object();
        for (const TopLogprob& alt : token.top) top[alt.text] = alt.logprob;
        tops.push_back(top);
        offsets.push_back(offset);
        offset += (int64_t)token.text.size();
    }
    return {{"tokens", texts},
            {"token_logprobs", values},
            {"top_logprobs", tops},
            {"text_offset", offsets}};
}

json usage_json(const Usage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json base(const ResponseHeader& header, const char* object) {
    return {{"id", header.id},
            {"object", object},
            {"created", header.created},
            {"model", header.model},
            {"system_fingerprint", "souverain"}};
}

void add_disclosure(json& body, const std::vector<ChoiceResult>& choices) {
    if (!choices.empty() && !choices[0].ai_disclosure.is_null()) {
        body["ai_disclosure"] = choices[0].ai_disclosure;
    }
}

}  // namespace

std::string make_response_id(const std::string& prefix) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    static const char kHex[] = "0123456789abcdef";
    std::string id = prefix;
    for (int idx = 0; idx < 24; ++idx) id += kHex[rng() % 16];
    return id;
}

std::string chat_completion_body(const ResponseHeader& header,
                                 const std::vector<ChoiceResult>& choices, bool with_logprobs,
                                 const Usage& usage, const nlohmann::json* citations) {
    json out = base(header, "chat.completion");
    json list = json::array();
    for (size_t idx = 0; idx < choices.size(); ++idx) {
        const ChoiceResult& choice = choices[idx];
        list.push_back({{"index", idx},
                        {"message", {{"role", "assistant"}, {"content", choice.text}}},
                        {"logprobs", with_logprobs ? chat_logprobs(choice.logprobs) : json()},
                        {"finish_reason", finish_reason_name(choice.finish_reason)}});
        if (!choice.ai_disclosure.is_null()) list.back()["ai_disclosure"] = choice.ai_disclosure;
    }
    out["choices"] = list;
    out["usage"] = usage_json(usage);
    if (citations) out["citations"] = *citations;
    add_disclosure(out, choices);
    return dump(out);
}

std::string text_completion_body(const ResponseHeader& header,
                                 const std::vector<ChoiceResult>& choices, bool with_logprobs,
                                 const Usage& usage) {
    json out = base(header, "text_completion");
    json list = json::array();
    for (size_t idx = 0; idx < choices.size(); ++idx) {
        const ChoiceResult& choice = choices[idx];
        list.push_back({{"index", idx},
                        {"text", choice.text},
                        {"logprobs", with_logprobs ? text_logprobs(choice.logprobs, 0) : json()},
                        {"finish_reason", finish_reason_name(choice.finish_reason)}});
        if (!choice.ai_disclosure.is_null()) list.back()["ai_disclosure"] = choice.ai_disclosure;
    }
    out["choices"] = list;
    out["usage"] = usage_json(usage);
    add_disclosure(out, choices);
    return dump(out);
}

std::string chat_chunk(const ResponseHeader& header, const ChunkContent& content, bool usage_null) {
    json out = base(header, "chat.completion.chunk");
    json delta = json::object();
    if (content.role) delta["role"] = "assistant";
    if (content.role || !content.text.empty() || content.logprobs) delta["content"] = content.text;
    out["choices"] = json::array(
        {{{"index", content.choice},
          {"delta", delta},
          {"logprobs", content.logprobs ? chat_logprobs(*content.logprobs) : json()},
          {"finish_reason", content.finish ? json(finish_reason_name(*content.finish)) : json()}}});
    if (usage_null) out["usage"] = nullptr;
    if (content.citations) out["citations"] = *content.citations;
    if (content.ai_disclosure) out["ai_disclosure"] = *content.ai_disclosure;
    return dump(out);
}

std::string text_chunk(const ResponseHeader& header, const ChunkContent& content, bool usage_null) {
    json out = base(header, "text_completion");
    out["choices"] = json::array(
        {{{"index", content.choice},
          {"text", content.text},
          {"logprobs", content.logprobs ? text_logprobs(*content.logprobs, 0) : json()},
          {"finish_reason", content.finish ? json(finish_reason_name(*content.finish)) : json()}}});
    if (usage_null) out["usage"] = nullptr;
    if (content.ai_disclosure) out["ai_disclosure"] = *content.ai_disclosure;
    return dump(out);
}

std::string usage_chunk(const ResponseHeader& header, bool chat, const Usage& usage) {
    json out = base(header, chat ? "chat.completion.chunk" : "text_completion");
    out["choices"] = json::array();
    out["usage"] = usage_json(usage);
    return dump(out);
}

}  // namespace souverain::server
