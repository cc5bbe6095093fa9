"""Regenerates jinja-renderings.json: real Hugging Face chat templates rendered exactly as transformers'
apply_chat_template renders them, as ground truth for Bamboo's built-in chat templates (dev.bamboo.runtime.chat).

    /tmp/tv/bin/python testdata/chat/make_renderings.py      (transformers 5.18.0, jinja2 3.1.6)

Rendering goes through transformers' own render_jinja_template (transformers.utils.chat_template_utils), which
compiles a template in an ImmutableSandboxedEnvironment with trim_blocks=True, lstrip_blocks=True and the
loopcontrols extension, and defines raise_exception, strftime_now and a tojson filter; bos_token and eos_token are
passed as apply_chat_template passes the tokenizer's special tokens. A template that raises (raise_exception: say a
system message where the template takes none) is recorded with "error" (the exception's message) instead of
"rendered". Nothing is read from the network or from other files; the output is written next to this script,
UTF-8, and the same bytes each run.

Each template below is verbatim from the source named with it (a string literal in that source, decoded); none is
edited. "expected_template" is the Bamboo built-in that ChatTemplates.detect is expected to pick for the template
(null: not recognised).
"""

import json
import sys
from pathlib import Path

import jinja2
import transformers
from transformers.utils.chat_template_utils import render_jinja_template

BOS = "<s>"
EOS = "</s>"

TEMPLATES = [
    {
        "name": "chatml",
        "source": "teknium/OpenHermes-2.5-Mistral-7B, as the test case of that name in llama.cpp's "
                  "tests/test-chat-template.cpp (github.com/ggml-org/llama.cpp, commit 03f94f19a2c4c9d039fa1a84838fe3e2110cc28d); "
                  "abetlen/llama-cpp-python llama_cpp/llama_chat_format.py CHATML_CHAT_TEMPLATE has it too, from that "
                  "model's tokenizer_config.json, with its line breaks written as characters instead of Jinja '\\n' escapes",
        "expected_template": "chatml",
        "jinja": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    },
    {
        "name": "llama2",
        "source": "meta-llama/Llama-2-7b-chat-hf tokenizer_config.json, as copied (2024-05-08, with a link to "
                  "huggingface.co/meta-llama/Llama-2-7b-chat-hf/blob/main/tokenizer_config.json#L12) into "
                  "guidance-ai/guidance guidance/chat.py llama2_template (commit 5413339aad8d36ce49df29902a7730d025bd6027)",
        "expected_template": "llama2",
        "jinja": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    },
    {
        "name": "mistral-v0.1",
        "source": "mistralai/Mistral-7B-Instruct-v0.1 tokenizer_config.json as first released (an assistant turn ends "
                  "eos_token + ' '), as abetlen/llama-cpp-python llama_cpp/llama_chat_format.py MISTRAL_INSTRUCT_CHAT_TEMPLATE "
                  "(commit 3691546f1c9e0c1bf93323dff02230bd959cf562) has it; identical in huggingface/text-generation-inference "
                  "router/src/infer/chat_template.rs (test \"mistralai/Mistral-7B-Instruct-v0.1\") and huggingface/huggingface.js "
                  "packages/jinja/test/e2e.test.js (\"TheBloke/Mistral-7B-Instruct-v0.1-GPTQ\")",
        "expected_template": "mistral",
        "jinja": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    },
    {
        "name": "mistral-v0.2-original",
        "source": "mistralai/Mistral-7B-Instruct-v0.2 and mistralai/Mixtral-8x7B-Instruct-v0.1 tokenizer_config.json as first "
                  "released (no system message), as llama.cpp's tests/test-chat-template.cpp has it (test case "
                  "\"mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)\", commit "
                  "03f94f19a2c4c9d039fa1a84838fe3e2110cc28d); identical in abetlen/llama-cpp-python "
                  "MIXTRAL_INSTRUCT_CHAT_TEMPLATE (from Mixtral-8x7B-Instruct-v0.1's tokenizer_config.json), "
                  "text-generation-inference and huggingface.js (\"mistralai/Mixtral-8x7B-Instruct-v0.1\")",
        "expected_template": "mistral",
        "jinja": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    },
    {
        "name": "mistral-v0.2",
        "source": "mistralai/Mistral-7B-Instruct-v0.2 tokenizer_config.json as updated by Mistral (the 'v1' template with an "
                  "optional system message, which v0.1 got too), as copied (2024-05-08, with a link to "
                  "huggingface.co/mistralai/Mistral-7B-Instruct-v0.2/blob/main/tokenizer_config.json#L42) into guidance-ai/guidance "
                  "guidance/chat.py mistral_7b_instruct_template (commit 5413339aad8d36ce49df29902a7730d025bd6027); identical in "
                  "llama.cpp's tests/test-chat-template.cpp (test case \"mistralai/Mistral-7B-Instruct-v0.2 (mistralai 'v1' "
                  "template with a system prompt)\")",
        "expected_template": "mistral",
        "jinja": "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and system_message is defined %}\n            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n    {%- endif %}\n{%- endfor %}\n",
    },
    {
        "name": "mistral-v0.3",
        "source": "Mistral's 'v3' template, as llama.cpp's tests/test-chat-template.cpp has it for Mistral-Large-Instruct-2407 "
                  "(test case \"Mistral-Large-Instruct-2407 (mistralai 'v3' template; modified to have system prompt at start)\"; "
                  "the note is about llama.cpp's own non-Jinja formatter, the Jinja text is the model's; commit "
                  "03f94f19a2c4c9d039fa1a84838fe3e2110cc28d). mistralai/Mistral-7B-Instruct-v0.3 ships this template (3959 "
                  "bytes, the size other projects report for v0.3's tokenizer_config.json chat_template); no source with v0.3's "
                  "copy verbatim was at hand, so the text is Mistral-Large-Instruct-2407's",
        "expected_template": "mistral-v3",
        "jinja": '{%- if messages[0]["role"] == "system" %}\n    {%- set system_message = messages[0]["content"] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}\n\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n{%- set ns = namespace() %}\n{%- set ns.index = 0 %}\n{%- for message in loop_messages %}\n    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}\n            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}\n        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n    {%- endif %}\n{%- endfor %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if message["role"] == "user" %}\n        {%- if tools is not none and (message == user_messages[-1]) %}\n            {{- "[AVAILABLE_TOOLS] [" }}\n            {%- for tool in tools %}\n                {%- set tool = tool.function %}\n                {{- \'{"type": "function", "function": {\' }}\n                {%- for key, val in tool.items() if key != "return" %}\n                    {%- if val is string %}\n                        {{- \'"\' + key + \'": "\' + val + \'"\' }}\n                    {%- else %}\n                        {{- \'"\' + key + \'": \' + val|tojson }}\n                    {%- endif %}\n                    {%- if not loop.last %}\n                        {{- ", " }}\n                    {%- endif %}\n                {%- endfor %}\n                {{- "}}" }}\n                {%- if not loop.last %}\n                    {{- ", " }}\n                {%- else %}\n                    {{- "]" }}\n                {%- endif %}\n            {%- endfor %}\n            {{- "[/AVAILABLE_TOOLS]" }}\n            {%- endif %}\n        {%- if loop.last and system_message is defined %}\n            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}\n        {%- else %}\n            {{- "[INST] " + message["content"] + "[/INST]" }}\n        {%- endif %}\n    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n        {{- "[TOOL_CALLS] [" }}\n        {%- for tool_call in message.tool_calls %}\n            {%- set out = tool_call.function|tojson %}\n            {{- out[:-1] }}\n            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}\n            {%- endif %}\n            {{- \', "id": "\' + tool_call.id + \'"}\' }}\n            {%- if not loop.last %}\n                {{- ", " }}\n            {%- else %}\n                {{- "]" + eos_token }}\n            {%- endif %}\n        {%- endfor %}\n    {%- elif message["role"] == "assistant" %}\n        {{- " " + message["content"]|trim + eos_token}}\n    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}\n        {%- if message.content is defined and message.content.content is defined %}\n            {%- set content = message.content.content %}\n        {%- else %}\n            {%- set content = message.content %}\n        {%- endif %}\n        {{- \'[TOOL_RESULTS] {"content": \' + content|string + ", " }}\n        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}\n        {%- endif %}\n        {{- \'"call_id": "\' + message.tool_call_id + \'"}[/TOOL_RESULTS]\' }}\n    {%- else %}\n        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}\n    {%- endif %}\n{%- endfor %}\n',
    },
    {
        "name": "zephyr",
        "source": "HuggingFaceH4/zephyr-7b-beta: the template the alignment handbook that trained it sets, "
                  "huggingface/alignment-handbook src/alignment/data.py DEFAULT_CHAT_TEMPLATE (commit "
                  "c8f5bdf6de2d22bcd1fe9aec892985bd7276cf5d); identical in huggingface/huggingface.js "
                  "packages/jinja/test/e2e.test.js (\"HuggingFaceH4/zephyr-7b-beta\" test cases, commit "
                  "fe42e68017ffc76d09922ea8f9b38a6964345710)",
        "expected_template": "zephyr",
        "jinja": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    },
    {
        "name": "vicuna",
        "source": "llama.cpp's tests/test-chat-template.cpp test case \"eachadea/vicuna-13b-1.1\" (commit "
                  "03f94f19a2c4c9d039fa1a84838fe3e2110cc28d; llama.cpp notes the model ships no template, so this is the one "
                  "it is meant to be set to); llama.cpp's 'vicuna'",
        "expected_template": "vicuna-lines",
        "jinja": "{%- for message in messages %}{%- if message['role'] == 'system' -%}{{- '' + message['content'] + '\n\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}",
    },
    {
        "name": "orca-vicuna",
        "source": "llama.cpp's tests/test-chat-template.cpp test case \"Orca-Vicuna\" (commit "
                  "03f94f19a2c4c9d039fa1a84838fe3e2110cc28d); llama.cpp's 'vicuna-orca'",
        "expected_template": "vicuna-orca",
        "jinja": "{%- for message in messages %}{%- if message['role'] == 'system' -%}{{-'SYSTEM: ' + message['content'] + '\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}",
    },
]


def user(text):
    return {"role": "user", "content": text}


def assistant(text):
    return {"role": "assistant", "content": text}


def system(text):
    return {"role": "system", "content": text}


CONVERSATIONS = [
    [user("Hi")],
    [system("Be brief."), user("Hi")],
    [user("Hi"), assistant("Hello!"), user("2+2?")],
    [system("Be brief."), user("Hi"), assistant("Hello!"), user("2+2?")],
    [user("  spaced  "), assistant(" padded answer "), user("tab\tand\nnewline")],
    [system("You are a pirate."), user("Ahoy"), assistant("Arr!"), user("Where is the treasure?"), assistant("Buried."),
     user("Thanks")],
]

# (conversation index, add_generation_prompt): every conversation with the generation prompt, and the third also without
CASES = [(i, True) for i in range(len(CONVERSATIONS))] + [(2, False)]


def render(jinja, messages, add_generation_prompt):
    """apply_chat_template(messages, tokenize=False) for a tokenizer with this template, BOS and EOS."""
    try:
        rendered, _ = render_jinja_template(conversations=[messages], chat_template=jinja,
                                            add_generation_prompt=add_generation_prompt, bos_token=BOS, eos_token=EOS)
        return {"rendered": rendered[0]}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e)}


def main():
    if (transformers.__version__, jinja2.__version__) != ("5.18.0", "3.1.6"):
        print(f"note: made with transformers 5.18.0 and jinja2 3.1.6; this is {transformers.__version__} and "
              f"{jinja2.__version__}", file=sys.stderr)
    templates = []
    for t in TEMPLATES:
        cases = []
        for i, add_generation_prompt in CASES:
            messages = CONVERSATIONS[i]
            case = {"messages": messages, "add_generation_prompt": add_generation_prompt}
            case.update(render(t["jinja"], messages, add_generation_prompt))
            cases.append(case)
        templates.append({"name": t["name"], "source": t["source"], "expected_template": t["expected_template"],
                          "jinja": t["jinja"], "cases": cases})
    out = {"bos_token": BOS, "eos_token": EOS, "templates": templates}
    path = Path(__file__).resolve().parent / "jinja-renderings.json"
    path.write_bytes((json.dumps(out, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
