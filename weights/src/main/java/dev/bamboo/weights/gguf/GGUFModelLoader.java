package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.model.RopeLayout;
import dev.bamboo.weights.model.TensorNames;
import dev.bamboo.weights.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds the format-independent {@link ModelWeights} from a GGUF or PowerInfer file: hyper-parameters from the
 * {@code <arch>.*} keys, tensors by their llama.cpp names, every shape checked against the configuration.
 *
 * <p>q/k weights stay as stored (the converter permuted them for RoPE on adjacent pairs), so the configuration says
 * {@link RopeLayout#ADJACENT_PAIRS}. Attention is full causal, except in a {@code mistral} file that names its
 * {@code mistral.attention.sliding_window} (llama.cpp's converters write Mistral as {@code llama}, without a window).
 * The FFN activation follows what the file implies: architecture {@code bamboo} → dReLU; a {@code PWRI} {@code llama}
 * (or {@code mistral}) file → ReGLU; a plain GGUF {@code llama}/{@code mistral} → SwiGLU.
 */
public final class GGUFModelLoader {
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("llama", "mistral", "bamboo");
    public static final String SPARSE_THRESHOLD_KEY = "powerinfer.sparse_threshold";
    /** llama.cpp's defaults when a file does not name its special tokens. */
    static final int DEFAULT_BOS = 1, DEFAULT_EOS = 2;

    private GGUFModelLoader() {}

    /** The configuration alone (reads only metadata and tensor infos). */
    public static ModelConfig config(GGUFFile file) {
        GGUFMetadata md = file.metadata();
        String arch = file.architecture();
        if (!SUPPORTED_ARCHITECTURES.contains(arch)) {
            throw GGUFErrors.error(file.fileName() + ": architecture '" + arch + "' is not supported; supported: " + String.join(", ", SUPPORTED_ARCHITECTURES));
        }
        String p = arch + ".";
        int hidden = md.requiredInt(p + "embedding_length", 1, 1 << 20);
        int ffn = md.requiredInt(p + "feed_forward_length", 1, 1 << 24);
        int layers = md.requiredInt(p + "block_count", 1, 10_000);
        int heads = md.requiredInt(p + "attention.head_count", 1, 1 << 16);
        int kvHeads = md.contains(p + "attention.head_count_kv") ? md.requiredInt(p + "attention.head_count_kv", 1, heads) : heads;
        if (heads % kvHeads != 0) {
            throw GGUFErrors.error(file.fileName() + ": " + heads + " attention heads cannot be shared by " + kvHeads + " key/value heads; the file is corrupt");
        }
        int headDim;
        if (md.contains(p + "attention.key_length")) {
            headDim = md.requiredInt(p + "attention.key_length", 1, 1 << 16);
        } else {
            if (hidden % heads != 0) {
                throw GGUFErrors.error(file.fileName() + ": embedding_length " + hidden + " is not a multiple of head_count " + heads + " and attention.key_length is absent; the file is corrupt");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw GGUFErrors.error(file.fileName() + ": head dimension " + headDim + " is odd; RoPE needs pairs");
        float eps = (float) md.requiredFloat(p + "attention.layer_norm_rms_epsilon");
        float theta = (float) md.floatValue(p + "rope.freq_base").orElse(10000.0);
        if (!(eps > 0) || !(theta > 0) || !Float.isFinite(eps) || !Float.isFinite(theta)) {
            throw GGUFErrors.error(file.fileName() + ": " + p + "attention.layer_norm_rms_epsilon " + eps + " and " + p + "rope.freq_base " + theta
                    + " must be positive numbers; the file is corrupt");
        }
        refuseScaledRope(file, p, headDim);
        int context = md.requiredInt(p + "context_length", 1, Integer.MAX_VALUE);
        GGUFTensorInfo embd = file.tensorInfo("token_embd.weight");
        if (embd.nDims() != 2 || embd.ne(1) > Integer.MAX_VALUE) {
            throw shapeError(file, "token_embd.weight", new long[]{hidden, -1}, embd.ne());
        }
        int vocab = (int) embd.ne(1);
        boolean tied = !file.contains("output.weight");
        int bos = tokenId(file, "tokenizer.ggml.bos_token_id", DEFAULT_BOS, vocab);
        int eos = tokenId(file, "tokenizer.ggml.eos_token_id", DEFAULT_EOS, vocab);
        return new ModelConfig(arch, vocab, hidden, ffn, layers, heads, kvHeads, headDim, eps, theta, RopeLayout.ADJACENT_PAIRS,
                context, slidingWindow(file, arch, p), tied, ffnKind(arch, file.isPowerInfer()), bos, eos);
    }

    /**
     * A {@code mistral} file's {@code mistral.attention.sliding_window} (0 = none, as when absent): Mistral's window. A
     * {@code llama} file's attention is full causal, as llama.cpp runs it, whatever keys it carries.
     */
    private static int slidingWindow(GGUFFile file, String arch, String p) {
        if (!arch.equals("mistral") || !file.metadata().contains(p + "attention.sliding_window")) return 0;
        return file.metadata().requiredInt(p + "attention.sliding_window", 0, Integer.MAX_VALUE);
    }

    /**
     * RoPE as Bamboo runs it: over the whole head, unscaled. A file that rotates only part of each head or scales the
     * positions (linear, YaRN) would run wrong without a word, so it is refused, as llama.cpp refuses a
     * {@code rope.dimension_count} other than the head size for Llama.
     */
    private static void refuseScaledRope(GGUFFile file, String p, int headDim) {
        GGUFMetadata md = file.metadata();
        if (md.contains(p + "rope.dimension_count") && md.requiredInt(p + "rope.dimension_count", 0, Integer.MAX_VALUE) != headDim) {
            throw GGUFErrors.error(file.fileName() + ": " + p + "rope.dimension_count " + md.requiredInt(p + "rope.dimension_count", 0, Integer.MAX_VALUE)
                    + " differs from the head dimension " + headDim + " that the other metadata gives: either the metadata is corrupt or the model"
                    + " rotates only part of each head (partial RoPE), which Bamboo does not run; use a Llama-family file as its converter wrote it");
        }
        // llama.cpp takes a factor without a type as linear scaling, and reads the older rope.scale_linear too
        String scaling = md.string(p + "rope.scaling.type").orElse(md.contains(p + "rope.scaling.factor") ? "linear" : "none");
        double factor = md.floatValue(p + "rope.scaling.factor").orElse(1.0);
        if (!scaling.equals("none") && factor != 1.0) {
            throw GGUFErrors.error(file.fileName() + ": RoPE scaling '" + scaling + "' (factor " + factor
                    + ") is not supported (Bamboo runs unscaled RoPE); use a file without " + p + "rope.scaling.*");
        }
        double linear = md.floatValue(p + "rope.scale_linear").orElse(1.0);
        if (linear != 1.0) {
            throw GGUFErrors.error(file.fileName() + ": RoPE scaling (" + p + "rope.scale_linear " + linear
                    + ") is not supported (Bamboo runs unscaled RoPE); use a file without it");
        }
    }

    private static int tokenId(GGUFFile file, String key, int fallback, int vocab) {
        long id = file.metadata().intValue(key).orElse(fallback);
        if (id < 0 || id >= vocab) {
            throw GGUFErrors.error(file.fileName() + ": " + key + " " + id + " is not a token id of the vocabulary of " + vocab + "; the file is corrupt");
        }
        return (int) id;
    }

    static FfnKind ffnKind(String arch, boolean powerInfer) {
        if (arch.equals("bamboo")) return new FfnKind.DReLU();
        return powerInfer ? new FfnKind.ReGLU() : new FfnKind.SwiGLU();
    }

    public static ModelWeights load(GGUFFile file) {
        ModelConfig c = config(file);
        Tensor embd = tensor(file, "token_embd.weight", c.hiddenSize(), c.vocabSize());
        Tensor outputNorm = tensor(file, "output_norm.weight", c.hiddenSize());
        Tensor output = c.tiedEmbeddings() ? embd : tensor(file, "output.weight", c.hiddenSize(), c.vocabSize());
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        List<PredictorLayer> predictors = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            int h = c.hiddenSize(), f = c.intermediateSize();
            Tensor down = file.contains(b + "ffn_down.weight") ? tensor(file, b + "ffn_down.weight", f, h) : null;
            Tensor downT = file.contains(b + "ffn_down_t.weight") ? tensor(file, b + "ffn_down_t.weight", h, f) : null;
            if (down == null && downT == null) {
                throw GGUFErrors.error(file.fileName() + ": layer " + i + " has neither " + b + "ffn_down.weight nor " + b + "ffn_down_t.weight; the file is incomplete");
            }
            layers.add(new LayerWeights(
                    tensor(file, b + "attn_norm.weight", h),
                    tensor(file, b + "attn_q.weight", h, c.qDim()),
                    tensor(file, b + "attn_k.weight", h, c.kvDim()),
                    tensor(file, b + "attn_v.weight", h, c.kvDim()),
                    tensor(file, b + "attn_output.weight", c.qDim(), h),
                    tensor(file, b + "ffn_norm.weight", h),
                    tensor(file, b + "ffn_gate.weight", h, f),
                    tensor(file, b + "ffn_up.weight", h, f),
                    down, downT));
            predictorLayer(file, i, c).ifPresent(predictors::add);
        }
        Optional<PredictorWeights> predictor = Optional.empty();
        if (!predictors.isEmpty()) {
            if (predictors.size() != c.layers()) {
                throw GGUFErrors.error(file.fileName() + ": only " + predictors.size() + " of " + c.layers() + " layers have predictor weights (blk.N.fc1/fc2); the file is incomplete");
            }
            float threshold = (float) file.metadata().floatValue(SPARSE_THRESHOLD_KEY).orElse(0.0);
            if (!Float.isFinite(threshold)) {
                throw GGUFErrors.error(file.fileName() + ": " + SPARSE_THRESHOLD_KEY + " is " + threshold + ", not a finite number; the file is corrupt");
            }
            predictor = Optional.of(new PredictorWeights(List.copyOf(predictors), threshold, file.fileName()));
        }
        checkAllUsed(file, c.layers());
        return new ModelWeights(c, embd, List.copyOf(layers), outputNorm, output, predictor);
    }

    /** The tensors by their llama.cpp names, with PowerInfer's transposed down projection and predictor. */
    private static final TensorNames NAMES = new TensorNames(Set.of("token_embd.weight", "output_norm.weight", "output.weight"),
            Pattern.compile("blk\\.(\\d+)\\.(attn_norm|attn_q|attn_k|attn_v|attn_output"
                + "|ffn_norm|ffn_gate|ffn_up|ffn_down|ffn_down_t|fc1|fc2)\\.weight"));

    /**
     * Every tensor of the file is one the model uses: one it does not know (attention biases, {@code rope_freqs} of
     * scaled RoPE, layers beyond {@code block_count}) would otherwise be dropped without a word and the model run wrong.
     */
    private static void checkAllUsed(GGUFFile file, int layers) {
        for (GGUFTensorInfo t : file.tensorInfos()) {
            if (NAMES.used(t.name(), layers)) continue;
            throw GGUFErrors.error(file.fileName() + ": the file holds tensor " + t.name() + ", which a " + layers + "-layer "
                    + file.architecture() + " model without biases does not use (another architecture or variant, or a block_count that"
                    + " does not match the tensors); Bamboo would run it wrong, so it refuses it: use a llama, mistral or bamboo file as its"
                    + " converter wrote it");
        }
    }

    private static Optional<PredictorLayer> predictorLayer(GGUFFile file, int layer, ModelConfig c) {
        String fc1Name = "blk." + layer + ".fc1.weight", fc2Name = "blk." + layer + ".fc2.weight";
        boolean has1 = file.contains(fc1Name), has2 = file.contains(fc2Name);
        if (!has1 && !has2) return Optional.empty();
        if (!has1 || !has2) {
            throw GGUFErrors.error(file.fileName() + ": layer " + layer + " has " + (has1 ? fc1Name + " but not " + fc2Name : fc2Name + " but not " + fc1Name) + "; the file is incomplete");
        }
        GGUFTensorInfo fc1 = file.tensorInfo(fc1Name);
        long rank = fc1.nDims() == 2 ? fc1.ne(1) : -1;
        long[] fc1Ne = {c.hiddenSize(), rank}, fc2Ne = {rank, c.intermediateSize()};
        if (rank < 1 || !Arrays.equals(fc1.ne(), fc1Ne)) throw predictorShapeError(file, fc1Name, new long[]{c.hiddenSize(), -1}, fc1.ne());
        if (!Arrays.equals(file.tensorInfo(fc2Name).ne(), fc2Ne)) throw predictorShapeError(file, fc2Name, fc2Ne, file.tensorInfo(fc2Name).ne());
        return Optional.of(new PredictorLayer(file.tensor(fc1Name), file.tensor(fc2Name)));
    }

    /** The tensor, after checking its ggml dimensions {@code ne} (ne[0] first: the length of a row). */
    private static Tensor tensor(GGUFFile file, String name, long... expectedNe) {
        GGUFTensorInfo info = file.tensorInfo(name);
        if (!Arrays.equals(info.ne(), expectedNe)) throw shapeError(file, name, expectedNe, info.ne());
        return file.tensor(name);
    }

    /** A predictor tensor that does not fit the model: the converter paired the model with another model's predictor. */
    private static BambooException predictorShapeError(GGUFFile file, String name, long[] expected, long[] found) {
        String exp = Arrays.toString(expected).replace("-1", "*");
        return GGUFErrors.error(file.fileName() + ": predictor tensor " + name + " has shape " + Arrays.toString(found) + " (ggml order), expected "
                + exp + " for this model's sizes; convert the model again with the predictor trained for it");
    }

    private static BambooException shapeError(GGUFFile file, String name, long[] expected, long[] found) {
        String exp = Arrays.toString(expected).replace("-1", "*");
        return GGUFErrors.error(file.fileName() + ": tensor " + name + " has shape " + Arrays.toString(found) + " (ggml order), expected " + exp
                + " from the model's metadata; the file is corrupt or inconsistent");
    }
}
