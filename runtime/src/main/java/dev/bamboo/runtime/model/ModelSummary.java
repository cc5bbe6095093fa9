package dev.bamboo.runtime.model;

import dev.bamboo.runtime.generate.StopTokens;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code bamboo info} reports about a model ({@code bamboo bench}'s columns are {@code ModelFacts}).
 *
 * @param parameters          weights of the model itself (a tied output counted once)
 * @param predictorParameters weights of the activation predictors, 0 without them
 * @param tensorTypes         storage type → number of tensors (model and predictor)
 * @param stopTokens          the ids that end a generation
 */
public record ModelSummary(String path, String format, ModelConfig config, long parameters, long predictorParameters,
                           long fileBytes, Map<String, Integer> tensorTypes, Optional<Predictor> predictor, String tokenizer,
                           int tokenizerVocab, StopTokens stopTokens) {

    /** The predictor: where it came from, its rank per layer and its threshold. */
    public record Predictor(String source, List<Integer> ranks, float threshold) {}

    public static ModelSummary of(Model model) {
        ModelWeights w = model.weights();
        Map<String, Integer> types = new TreeMap<>();
        for (Tensor t : w.modelTensors()) types.merge(t.type().name(), 1, Integer::sum);
        long predictorParams = 0;
        Optional<Predictor> predictor = Optional.empty();
        if (w.predictor().isPresent()) {
            PredictorWeights p = w.predictor().get();
            List<Integer> ranks = new ArrayList<>();
            for (PredictorLayer pl : p.layers()) {
                for (Tensor t : new Tensor[] {pl.fc1(), pl.fc2()}) types.merge(t.type().name(), 1, Integer::sum);
                ranks.add(pl.rank());
            }
            predictorParams = p.parameterCount();
            predictor = Optional.of(new Predictor(p.source(), List.copyOf(ranks), p.threshold()));
        }
        return new ModelSummary(model.loaded().path().toString(), model.loaded().format().label(), w.config(), w.parameterCount(),
                predictorParams, model.loaded().fileBytes(), types, predictor, tokenizerKind(model), model.tokenizer().vocabSize(),
                model.stopTokens());
    }

    private static String tokenizerKind(Model model) {
        Path p = model.loaded().path();
        if (!Files.isDirectory(p)) return "SentencePiece BPE (GGUF tokenizer.ggml.*)";
        if (Files.isRegularFile(p.resolve("tokenizer.model"))) return "SentencePiece BPE (tokenizer.model)";
        return "BPE with byte fallback (tokenizer.json)";
    }
}
