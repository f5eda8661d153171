#include "retrieval/grounded_answer.h"

#include <array>

namespace souverain::retrieval {

namespace {

// What the prompt says, per language. Written for these prompts (not translated word for
// word): each says the same three things, in the register a system message uses.
struct PromptTexts {
    const char* instructions;
    const char* sources;   // label before the numbered passages
    const char* none;      // in place of the passages when there are none
    const char* question;  // label before the question
    const char* nothing;   // the extractive answer when nothing was found
};

const PromptTexts& texts_for(Language language) {
    static const PromptTexts kEnglish = {
        "Answer the question using only the numbered sources below. Cite the source of every "
        "statement with its number in square brackets, like [1] or [2]. If the sources do not "
        "answer the question, say so; do not add anything that the sources do not say.",
        "Sources", "(none)", "Question",
        "The knowledge base holds no passage that matches the question."};
    static const PromptTexts kFrench = {
        "Réponds à la question uniquement à partir des sources numérotées ci-dessous. Indique la "
        "source de chaque affirmation par son numéro entre crochets, par exemple [1] ou [2]. Si "
        "les sources ne répondent pas à la question, dis-le ; n'ajoute rien que les sources ne "
        "disent pas.",
        "Sources", "(aucune)", "Question",
        "La base de connaissances ne contient aucun passage qui corresponde à la question."};
    static const PromptTexts kGerman = {
        "Beantworte die Frage ausschließlich anhand der nummerierten Quellen unten. Belege jede "
        "Aussage mit der Nummer ihrer Quelle in eckigen Klammern, zum Beispiel [1] oder [2]. "
        "Wenn die Quellen die Frage nicht beantworten, sage das; füge nichts hinzu, was nicht "
        "in den Quellen steht.",
        "Quellen", "(keine)", "Frage",
        "Die Wissensbasis enthält keine Passage, die zu der Frage passt."};
    static const PromptTexts kLuxembourgish = {
        "Beäntwer d'Fro nëmmen op Basis vun den nummeréierte Quellen hei ënnendrënner. Gëff fir "
        "all Aussoe d'Nummer vun hirer Quell an eckege Klameren un, zum Beispill [1] oder [2]. "
        "Wann d'Quellen d'Fro net beäntweren, so dat; setz näischt bäi, wat net an de Quellen "
        "steet.",
        "Quellen", "(keng)", "Fro", "D'Wëssensbasis huet keng Passage, déi op d'Fro passt."};
    switch (language) {
        case Language::FR:
            return kFrench;
        case Language::DE:
            return kGerman;
        case Language::LB:
            return kLuxembourgish;
        case Language::EN:
        case Language::OTHER:
            break;
    }
    return kEnglish;
}

// "Title — heading path", or whichever of the two says more.
std::string source_label(const SearchHit& hit) {
    const nlohmann::json metadata = hit_metadata(hit);
    std::string heading;
    if (auto it = metadata.find("heading"); it != metadata.end() && it->is_string()) {
        heading = it->get<std::string>();
    }
    const std::string& title = hit.chunk.title;
    if (heading.empty()) return title.empty() ? hit.chunk.document_id : title;
    if (title.empty() || heading.rfind(title, 0) == 0) return heading;
    return title + " — " + heading;
}

}  // namespace

Language answer_language(std::string_view question, const std::vector<RetrievedPassage>& passages) {
    const Language detected = detect_language(question);
    if (detected != Language::OTHER) return detected;
    std::array<size_t, 5> counts{};
    for (const RetrievedPassage& passage : passages) {
        ++counts[(size_t)language_from_code(passage.hit.chunk.language)];
    }
    Language best = Language::EN;
    size_t best_count = 0;
    for (Language language : {Language::EN, Language::FR, Language::DE, Language::LB}) {
        if (counts[(size_t)language] > best_count) {
            best = language;
            best_count = counts[(size_t)language];
        }
    }
    return best;
}

GroundedPrompt build_grounded_prompt(std::string_view question,
                                     const std::vector<RetrievedPassage>& passages) {
    GroundedPrompt prompt;
    prompt.language = answer_language(question, passages);
    const PromptTexts& texts = texts_for(prompt.language);
    prompt.system = texts.instructions;
    std::string& user = prompt.user;
    user += texts.sources;
    user += ":\n\n";
    if (passages.empty()) {
        user += texts.none;
        user += "\n\n";
    }
    for (size_t i = 0; i < passages.size(); ++i) {
        const int number = (int)i + 1;
        prompt.citations.push_back(Citation{number, passages[i]});
        user += '[';
        user += std::to_string(number);
        user += "] ";
        user += source_label(passages[i].hit);
        user += '\n';
        user += passages[i].hit.chunk.text;
        user += "\n\n";
    }
    user += texts.question;
    user += ": ";
    user += question;
    return prompt;
}

std::string extractive_answer(const GroundedPrompt& prompt) {
    if (prompt.citations.empty()) return texts_for(prompt.language).nothing;
    std::string answer;
    for (const Citation& citation : prompt.citations) {
        if (!answer.empty()) answer += "\n\n";
        answer += citation.source.hit.chunk.text;
        answer += " [";
        answer += std::to_string(citation.number);
        answer += ']';
    }
    return answer;
}

nlohmann::json citations_json(const std::vector<Citation>& citations) {
    nlohmann::json out = nlohmann::json::array();
    for (const Citation& citation : citations) {
        const SearchHit& hit = citation.source.hit;
        out.push_back({{"number", citation.number},
                       {"knowledge_base", citation.source.knowledge_base},
                       {"document_id", hit.chunk.document_id},
                       {"chunk_id", hit.chunk.chunk_id},
                       {"title", hit.chunk.title},
                       {"metadata", hit_metadata(hit)},
                       {"start", hit.chunk.start},
                       {"end", hit.chunk.end},
                       {"score", hit.score},
                       {"retrieval_mode", citation.source.mode},
                       {"passage", hit.chunk.text}});
    }
    return out;
}

std::string merged_user_message(const GroundedPrompt& prompt) {
    return prompt.system + "\n\n" + prompt.user;
}

}  // namespace souverain::retrieval
