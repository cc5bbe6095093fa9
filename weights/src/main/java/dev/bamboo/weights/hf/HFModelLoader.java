package dev.bamboo.weights.hf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelFormat;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.model.ShapeCheck;
import dev.bamboo.weights.model.TensorNames;
import dev.bamboo.weights.predictorfiles.LoadedPredictor;
import dev.bamboo.weights.predictorfiles.PredictorFiles;
import dev.bamboo.weights.safetensors.SafetensorsCheckpoint;
import dev.bamboo.weights.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Opens a Hugging Face model directory: {@code config.json} plus single or sharded safetensors weights. */
public final class HFModelLoader {
    private HFModelLoader() {}

    public static LoadedModel load(Path dir) {
        ModelConfig config = HFConfig.read(dir);
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir);
        try {
            checkAllUsed(dir, ckpt, config.layers()); // before anything is read, the predictor folder included
            ShapeCheck check = new ShapeCheck(dir.getFileName().toString());
            int h = config.hiddenSize(), f = config.intermediateSize();
            Tensor embed = check.matrix(ckpt.tensor("model.embed_tokens.weight"), config.vocabSize(), h);
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < config.layers(); l++) {
                String p = "model.layers." + l + ".";
                layers.add(new LayerWeights(
                        check.vector(ckpt.tensor(p + "input_layernorm.weight"), h),
                        check.matrix(ckpt.tensor(p + "self_attn.q_proj.weight"), config.qDim(), h),
                        check.matrix(ckpt.tensor(p + "self_attn.k_proj.weight"), config.kvDim(), h),
                        check.matrix(ckpt.tensor(p + "self_attn.v_proj.weight"), config.kvDim(), h),
                        check.matrix(ckpt.tensor(p + "self_attn.o_proj.weight"), h, config.qDim()),
                        check.vector(ckpt.tensor(p + "post_attention_layernorm.weight"), h),
                        check.matrix(ckpt.tensor(p + "mlp.gate_proj.weight"), f, h),
                        check.matrix(ckpt.tensor(p + "mlp.up_proj.weight"), f, h),
                        check.matrix(ckpt.tensor(p + "mlp.down_proj.weight"), h, f),
                        null));
            }
            Tensor norm = check.vector(ckpt.tensor("model.norm.weight"), h);
            Tensor output;
            if (ckpt.contains("lm_head.weight")) {
                // also under tie_word_embeddings: transformers 5 ties only an lm_head equal to the embedding, and keeps one that differs
                output = check.matrix(ckpt.tensor("lm_head.weight"), config.vocabSize(), h);
                if (config.tiedEmbeddings()) config = config.withOutputSeparate();
            } else if (config.tiedEmbeddings()) {
                output = embed;
            } else {
                throw new BambooException(dir + ": lm_head.weight is missing and tie_word_embeddings is false; the checkpoint is incomplete");
            }
            List<AutoCloseable> resources = new ArrayList<>(List.of(ckpt));
            Optional<LoadedPredictor> loadedPredictor = PredictorFiles.findFor(dir, ckpt, config.layers(), h, f);
            loadedPredictor.ifPresent(resources::add);
            Optional<PredictorWeights> predictor = loadedPredictor.map(LoadedPredictor::weights);
            ModelWeights weights = new ModelWeights(config, embed, List.copyOf(layers), norm, output, predictor);
            return new LoadedModel(dir, ModelFormat.HUGGING_FACE, weights, ckpt.fileBytes(), Optional.empty(), resources);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    /** The tensors as transformers names them for the Llama family; a layer's predictor's as TurboSparse embeds them. */
    private static final TensorNames NAMES = new TensorNames(Set.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"),
            Pattern.compile("model\\.layers\\.(\\d+)\\.(input_layernorm|post_attention_layernorm"
                + "|self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj|mlp\\.predictor\\.fc[12])\\.weight"));

    /**
     * Every tensor of the checkpoint is one the model uses: a tensor it does not know (attention or MLP biases, layers
     * beyond {@code num_hidden_layers}) would otherwise be dropped without a word and the model run wrong. RoPE's
     * cached buffers ({@code rotary_emb.inv_freq}, {@code cos_cached}, {@code sin_cached}), which transformers
     * recomputes, are the harmless extras. Each is also declared with its rank ({@link #checkRank}).
     */
    private static void checkAllUsed(Path dir, SafetensorsCheckpoint ckpt, int layers) {
        for (String name : ckpt.names()) {
            if (name.contains(".rotary_emb.")) continue;
            if (NAMES.used(name, layers)) {
                checkRank(dir, ckpt, name);
                continue;
            }
            throw new BambooException(dir + ": the checkpoint holds " + name + ", which a " + layers + "-layer Llama-family model without"
                    + " biases does not use (another architecture, attention/MLP biases, or a num_hidden_layers that does not match the"
                    + " weights); Bamboo would run it wrong, so it refuses it: use a Llama, Mistral or Bamboo checkpoint, with the config.json"
                    + " that came with it");
        }
    }

    /**
     * Norms are vectors, every other weight a matrix, as declared: the loader views tensors as rows × last dimension,
     * so a norm declared [48, 2] or a projection declared [2, 48, 96] would otherwise pass on its value count alone.
     */
    private static void checkRank(Path dir, SafetensorsCheckpoint ckpt, String name) {
        long[] shape = ckpt.entry(name).shape();
        int rank = name.endsWith("norm.weight") ? 1 : 2;
        if (shape.length != rank) {
            throw new BambooException(dir + ": tensor " + name + " has shape " + java.util.Arrays.toString(shape) + ", where a "
                    + (rank == 1 ? "norm has one dimension" : "weight matrix has two") + "; the checkpoint is corrupt or of another architecture");
        }
    }
}
