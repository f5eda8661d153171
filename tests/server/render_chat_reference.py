#!/usr/bin/python3
"""Independent reference for our chat-template interpreter: renders every template in
tests/server/chat_templates/*.jinja with Python jinja2, configured the way Hugging Face
transformers renders chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, a raise_exception global and a tojson filter that does not escape HTML), for a set
of conversations, and writes the expected outputs (or the template's exception message) to
tests/server/chat_templates/expected.json. The gtest ChatTemplateReference* renders the same
inputs with our interpreter and compares byte for byte.

    render_chat_reference.py --write     regenerate expected.json
    render_chat_reference.py --check     exit 1 if expected.json is not what jinja2 gives now
"""
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_DIR = os.path.join(HERE, "chat_templates")
EXPECTED = os.path.join(TEMPLATE_DIR, "expected.json")


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # As transformers: json.dumps without HTML escaping.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def make_environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = {
    "system_user": [m("system", "You are a helpful assistant."), m("user", "Hello!")],
    "user_only": [m("user", "What is the capital of Luxembourg?")],
    "alternating": [m("user", "Hi"), m("assistant", "Hello! How can I help?"),
                    m("user", "Tell me a joke.")],
    "multi_turn_system": [m("system", "Answer briefly."), m("user", "1+1?"), m("assistant", "2"),
                          m("user", "2+2?"), m("assistant", "4"), m("user", "3+3?")],
    "ends_with_assistant": [m("user", "Say yes."), m("assistant", "  Yes.  ")],
    "non_ascii": [m("system", "Tu es un assistant serviable. Réponds en français."),
                  m("user", "Wéi geet et? Ça va, l'été à Esch-sur-Alzette?"),
                  m("assistant", "Mir geet et gutt, merci! Größe: 5 µm — «très» bien 🙂"),
                  m("user", "Straße, Übergrößen, ÉCOLE: erkläre kurz.")],
    "empty_content": [m("user", ""), m("assistant", ""), m("user", "   ")],
    "whitespace_and_markup": [m("user", "  line one\n\tline two  \n"),
                              m("assistant", "{{ not a tag }} {% nor this %} \\n"),
                              m("user", "quotes ' \" and backslash \\")],
    "roles_not_alternating": [m("user", "first"), m("user", "second")],
    "assistant_first": [m("assistant", "I speak first"), m("user", "ok")],
}

# (bos, eos) per template, as the models define them.
TOKENS = {
    "mistral_v0.1": ("<s>", "</s>"),
    "mistral_v0.3": ("<s>", "</s>"),
    "llama2_chat": ("<s>", "</s>"),
    "llama3_instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.1_instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "chatml_openhermes": ("<s>", "<|im_end|>"),
    "qwen2_instruct": ("", "<|im_end|>"),
    "gemma_it": ("<bos>", "<eos>"),
    "phi3_mini_4k": ("<s>", "<|endoftext|>"),
    "zephyr": ("<s>", "</s>"),
}


def cases():
    env = make_environment()
    out = []
    for name in sorted(f[:-len(".jinja")] for f in os.listdir(TEMPLATE_DIR) if f.endswith(".jinja")):
        with open(os.path.join(TEMPLATE_DIR, name + ".jinja"), encoding="utf-8", newline="") as f:
            source = f.read()
        template = env.from_string(source)
        bos, eos = TOKENS.get(name, ("<s>", "</s>"))
        for conv_name, messages in CONVERSATIONS.items():
            for add_generation_prompt in (True, False):
                case = {"template": name, "conversation": conv_name,
                        "add_generation_prompt": add_generation_prompt,
                        "bos_token": bos, "eos_token": eos, "messages": messages}
                try:
                    case["output"] = template.render(
                        messages=messages, add_generation_prompt=add_generation_prompt,
                        bos_token=bos, eos_token=eos, tools=None, documents=None)
                except TemplateError as e:
                    case["error"] = str(e)
                out.append(case)
    return out


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "--check"
    text = json.dumps(cases(), ensure_ascii=False, indent=1) + "\n"
    if mode == "--write":
        with open(EXPECTED, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return 0
    with open(EXPECTED, encoding="utf-8", newline="") as f:
        current = f.read()
    if current != text:
        print("expected.json is stale: run tests/server/render_chat_reference.py --write",
              file=sys.stderr)
        return 1
    print("expected.json matches jinja2 %s" % jinja2.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
