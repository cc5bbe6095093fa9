package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.model.RopeLayout;
import dev.bamboo.weights.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Builds the format-independent {@link ModelWeights} from a GGUF or PowerInfer file: hyper-parameters from the
 * {@code <arch>.*} keys, tensors by their llama.cpp names, every shape checked against the configuration.
 *
 * <p>q/k weights stay as stored (the converter permuted them for RoPE on adjacent pairs), so the configuration says
 * {@link RopeLayout#ADJACENT_PAIRS}. GGUF has no sliding-window key for these architectures: attention is full causal.
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
            throw GGUFErrors.error(file.fileName() + ": architecture " + arch + " is not supported; supported: " + String.join(", ", SUPPORTED_ARCHITECTURES));
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
        int context = md.requiredInt(p + "context_length", 1, Integer.MAX_VALUE);
        GGUFTensorInfo embd = file.tensorInfo("token_embd.weight");
        if (embd.nDims() != 2 || embd.ne(1) > Integer.MAX_VALUE) {
            throw shapeError(file, "token_embd.weight", new long[]{hidden, -1}, embd.ne());
        }
        int vocab = (int) embd.ne(1);
        boolean tied = !file.contains("output.weight");
        int bos = (int) md.intValue("tokenizer.ggml.bos_token_id").orElse(DEFAULT_BOS);
        int eos = (int) md.intValue("tokenizer.ggml.eos_token_id").orElse(DEFAULT_EOS);
        return new ModelConfig(arch, vocab, hidden, ffn, layers, heads, kvHeads, headDim, eps, theta, RopeLayout.ADJACENT_PAIRS,
                context, 0, tied, ffnKind(arch, file.isPowerInfer()), bos, eos);
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
            predictor = Optional.of(new PredictorWeights(List.copyOf(predictors), threshold, file.fileName()));
        }
        return new ModelWeights(c, embd, List.copyOf(layers), outputNorm, output, predictor);
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
