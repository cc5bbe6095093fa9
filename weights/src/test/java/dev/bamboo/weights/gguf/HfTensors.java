package dev.bamboo.weights.gguf;

import dev.bamboo.weights.safetensors.SafetensorsFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face value that each element of a GGUF tensor was converted from, undoing what the converter did:
 * the q/k row permutation, the transposition of {@code ffn_down_t}, and the zero-padding of predictor ranks.
 */
final class HfTensors implements AutoCloseable {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");

    private final SafetensorsFile model;
    private final Path dir;
    private final Map<Integer, SafetensorsFile> predictors = new HashMap<>();

    HfTensors(Path dir) {
        this.dir = dir;
        this.model = SafetensorsFile.open(dir.resolve("model.safetensors"));
    }

    /** The HF element at GGUF (row, col) of a 2-D view. */
    interface Source {
        float at(long row, long col);
    }

    /**
     * @param heads the GGUF head count for this tensor's permutation (q: head_count, k: head_count_kv)
     */
    Source source(String ggufName, long ggufRows, int heads, int kvHeads) {
        switch (ggufName) {
            case "token_embd.weight": return plain("model.embed_tokens.weight");
            case "output_norm.weight": return plain("model.norm.weight");
            case "output.weight": return plain(model.contains("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight");
            default: break;
        }
        Matcher m = BLOCK.matcher(ggufName);
        if (!m.matches()) throw new AssertionError("unexpected tensor " + ggufName);
        int layer = Integer.parseInt(m.group(1));
        String p = "model.layers." + layer + ".";
        return switch (m.group(2)) {
            case "attn_norm" -> plain(p + "input_layernorm.weight");
            case "ffn_norm" -> plain(p + "post_attention_layernorm.weight");
            case "attn_q" -> permuted(p + "self_attn.q_proj.weight", ggufRows, heads);
            case "attn_k" -> permuted(p + "self_attn.k_proj.weight", ggufRows, kvHeads);
            case "attn_v" -> plain(p + "self_attn.v_proj.weight");
            case "attn_output" -> plain(p + "self_attn.o_proj.weight");
            case "ffn_gate" -> plain(p + "mlp.gate_proj.weight");
            case "ffn_up" -> plain(p + "mlp.up_proj.weight");
            case "ffn_down" -> plain(p + "mlp.down_proj.weight");
            case "ffn_down_t" -> {
                var t = model.tensor(p + "mlp.down_proj.weight");
                int cols = t.cols();
                yield (r, c) -> t.get(c * cols + r);
            }
            case "fc1" -> {
                var t = predictor(layer).tensor("fc1.weight");
                int cols = t.cols();
                yield (r, c) -> r < t.rows() ? t.get(r * cols + c) : 0f;
            }
            case "fc2" -> {
                var t = predictor(layer).tensor("fc2.weight");
                int cols = t.cols();
                yield (r, c) -> c < cols ? t.get(r * cols + c) : 0f;
            }
            default -> throw new AssertionError("unexpected tensor " + ggufName);
        };
    }

    private Source plain(String name) {
        var t = model.tensor(name);
        int cols = t.cols();
        return (r, c) -> t.get(r * cols + c);
    }

    /**
     * llama.cpp's converter permutes q/k rows per head: reshape(heads, 2, d/2, in).swapaxes(1, 2), so GGUF row
     * {@code h·d + 2i + s} is HF row {@code h·d + s·d/2 + i} (s = 0, 1).
     */
    private Source permuted(String name, long rows, int heads) {
        var t = model.tensor(name);
        int cols = t.cols();
        long d = rows / heads;
        return (r, c) -> {
            long h = r / d, w = r % d, i = w / 2, s = w % 2;
            long hfRow = h * d + s * (d / 2) + i;
            return t.get(hfRow * cols + c);
        };
    }

    private SafetensorsFile predictor(int layer) {
        return predictors.computeIfAbsent(layer, l -> SafetensorsFile.open(dir.resolve("predictor/model_" + l + ".safetensors")));
    }

    @Override
    public void close() {
        model.close();
        predictors.values().forEach(SafetensorsFile::close);
    }
}
