"""Perplexity of the bamboo-demo model on mit-license.txt, computed with Hugging Face transformers and SentencePiece
(not with Bamboo), the way llama.cpp's llama-perplexity computes it: BOS + the text's tokens, cut into chunks of C
tokens, each run alone with its first token replaced by BOS, positions C/2 .. C-2 scoring the token after them.
The demo's dReLU MLP, down(relu(gate x) * relu(up x)), is Mistral's MLP with ReLU on the up projection as well.

    python make_reference.py ../../models/bamboo-demo mit-license.txt > reference.json
"""
import json
import math
import sys

import sentencepiece as spm
import torch
from safetensors.torch import load_file
from transformers import MistralConfig, MistralForCausalLM

model_dir, text_file = sys.argv[1], sys.argv[2]
cfg = json.load(open(f"{model_dir}/config.json"))
model = MistralForCausalLM(MistralConfig(
    vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"], intermediate_size=cfg["intermediate_size"],
    num_hidden_layers=cfg["num_hidden_layers"], num_attention_heads=cfg["num_attention_heads"],
    num_key_value_heads=cfg["num_key_value_heads"], head_dim=cfg["head_dim"],
    max_position_embeddings=cfg["max_position_embeddings"], rms_norm_eps=cfg["rms_norm_eps"],
    rope_theta=cfg["rope_parameters"]["rope_theta"], sliding_window=None, tie_word_embeddings=False, hidden_act="relu"))
model.load_state_dict({k: v.double() for k, v in load_file(f"{model_dir}/model.safetensors").items()}, strict=True)
model = model.double().eval()


def drelu_mlp(mlp):
    return lambda x: mlp.down_proj(torch.relu(mlp.gate_proj(x)) * torch.relu(mlp.up_proj(x)))


for layer in model.model.layers:
    layer.mlp.forward = drelu_mlp(layer.mlp)

text = open(text_file, encoding="utf-8").read()
if text.endswith("\n"):  # as `bamboo perplexity -f` and llama.cpp read a file
    text = text[:-1]
ids = [cfg["bos_token_id"]] + spm.SentencePieceProcessor(model_file=f"{model_dir}/tokenizer.model").encode(text)

runs = []
with torch.no_grad():
    for C in (64, 32):
        nll, count, running = 0.0, 0, []
        for c in range(len(ids) // C):
            chunk = ids[c * C:(c + 1) * C]
            chunk[0] = cfg["bos_token_id"]
            logp = torch.log_softmax(model(torch.tensor([chunk])).logits[0], -1)
            for j in range(C // 2, C - 1):
                nll -= logp[j, chunk[j + 1]].item()
                count += 1
            running.append(math.exp(nll / count))
        runs.append({"chunk": C, "chunks": len(running), "scored": count, "mean_nll": nll / count, "running_ppl": running})
json.dump({"text_tokens": len(ids), "runs": runs}, sys.stdout, indent=1)
print()
