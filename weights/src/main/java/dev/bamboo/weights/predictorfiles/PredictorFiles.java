package dev.bamboo.weights.predictorfiles;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.safetensors.SafetensorsCheckpoint;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.torch.TorchFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds and loads the activation predictors of a sparse model from Hugging Face-side files:
 * <ul>
 *   <li>PowerInfer's predictor directory: {@code model_{L}.safetensors} or {@code model_{L}.pt} per layer
 *       ({@code fc1.weight} [rank, hidden], {@code fc2.weight} [ffn, rank]) and {@code config.json} with
 *       {@code sparse_threshold};</li>
 *   <li>TurboSparse checkpoints, which embed {@code model.layers.{L}.mlp.predictor.fc1.weight} / {@code .fc2.weight}
 *       in the model's own safetensors and keep {@code sparse_threshold} in the model's {@code config.json}.</li>
 * </ul>
 * Every layer is validated against the model's dimensions (the rank may differ per layer).
 * GGUF predictors ({@code blk.N.fc1}/{@code fc2}) are read with the rest of a GGUF file, not here.
 */
public final class PredictorFiles {
    /** The folder next to the model's weights that PowerInfer's tooling expects. */
    private static final String DIRECTORY = "predictor";
    private static final String CONFIG = "config.json";
    private static final String THRESHOLD_KEY = "sparse_threshold";
    private static final String FC1 = "fc1.weight";
    private static final String FC2 = "fc2.weight";
    /** The prefix of a state dict saved from {@code torch.nn.DataParallel}, accepted before {@link #FC1} and {@link #FC2}. */
    private static final String DATA_PARALLEL = "module.";

    private static final Pattern LAYER_FILE = Pattern.compile("model_(0|[1-9]\\d{0,8})\\.(pt|safetensors)");
    private static final Pattern EMBEDDED = Pattern.compile("model\\.layers\\.\\d+\\.mlp\\.predictor\\.fc[12]\\.weight");

    private PredictorFiles() {}

    /** Embedded predictor tensor names of layer {@code layer}. */
    private static String embeddedFc1(int layer) {
        return "model.layers." + layer + ".mlp.predictor.fc1.weight";
    }

    private static String embeddedFc2(int layer) {
        return "model.layers." + layer + ".mlp.predictor.fc2.weight";
    }

    /** True when {@code dir} is a directory holding at least one {@code model_{L}.pt} / {@code .safetensors}. */
    static boolean isPredictorDirectory(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> LAYER_FILE.matcher(p.getFileName().toString()).matches());
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the checkpoint carries TurboSparse-style predictor tensors. */
    static boolean hasEmbedded(SafetensorsCheckpoint checkpoint) {
        for (String name : checkpoint.names()) {
            if (EMBEDDED.matcher(name).matches()) return true;
        }
        return false;
    }

    /**
     * The predictor for a Hugging Face model directory: its {@code predictor/} folder when there is one (an explicit
     * predictor wins), else the tensors embedded in {@code checkpoint} (may be null) with the threshold from the
     * model's {@code config.json}; empty when the model has neither.
     */
    public static Optional<LoadedPredictor> findFor(Path modelDir, SafetensorsCheckpoint checkpoint, int layers, int hidden, int ffn) {
        Path dir = modelDir.resolve(DIRECTORY);
        if (isPredictorDirectory(dir)) return Optional.of(loadDirectory(dir, layers, hidden, ffn));
        if (checkpoint != null && hasEmbedded(checkpoint)) {
            float threshold = readThreshold(modelDir.resolve(CONFIG));
            PredictorWeights w = loadEmbedded(checkpoint, layers, hidden, ffn, threshold, "embedded in " + modelDir);
            return Optional.of(new LoadedPredictor(w, List.of()));
        }
        return Optional.empty();
    }

    /**
     * Loads a PowerInfer predictor directory. Where a layer has both files, the safetensors one is used
     * (it maps without interpretation). The returned object owns the opened files.
     */
    public static LoadedPredictor loadDirectory(Path dir, int layers, int hidden, int ffn) {
        checkDims(layers, hidden, ffn);
        if (!Files.isDirectory(dir)) {
            throw new BambooException(dir + (Files.exists(dir) ? " is a file, not a predictor directory" : ": predictor directory not found")
                    + "; pass the folder with model_0.safetensors (or model_0.pt) … and config.json");
        }
        TreeMap<Integer, Path> safetensors = new TreeMap<>(), pt = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = LAYER_FILE.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                int layer = Integer.parseInt(m.group(1));
                if (layer >= layers) {
                    throw new BambooException(dir + " has " + p.getFileName() + " but the model has only " + layers
                            + " layers; this predictor belongs to a deeper model, use the one trained for this model");
                }
                (m.group(2).equals("safetensors") ? safetensors : pt).put(layer, p);
            }
        } catch (IOException e) {
            throw new BambooException(dir + ": cannot list the predictor directory (" + e.getMessage() + ")");
        }
        float threshold = readThreshold(dir.resolve(CONFIG));
        List<AutoCloseable> opened = new ArrayList<>();
        List<PredictorLayer> result = new ArrayList<>(layers);
        try {
            for (int layer = 0; layer < layers; layer++) {
                Path st = safetensors.get(layer), torch = pt.get(layer);
                if (st != null) {
                    SafetensorsFile f = openLayerFile(st, SafetensorsFile::open);
                    opened.add(f);
                    result.add(readLayer(st, layer, f::contains, f::tensor, hidden, ffn));
                } else if (torch != null) {
                    TorchFile f = openLayerFile(torch, TorchFile::open);
                    opened.add(f);
                    result.add(readLayer(torch, layer, f::contains, f::tensor, hidden, ffn));
                } else {
                    throw new BambooException(dir + " lacks model_" + layer + ".safetensors / model_" + layer + ".pt: the model has " + layers
                            + " layers and every one needs a predictor; use the complete predictor set for this model");
                }
            }
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        return new LoadedPredictor(new PredictorWeights(List.copyOf(result), threshold, dir.toString()), opened);
    }

    /**
     * A layer's predictor file, opened; a damaged one is named in full, with what to do, since it also stops the modes
     * that need no predictor (the model loads its predictor with it).
     */
    private static <T> T openLayerFile(Path file, Function<Path, T> open) {
        try {
            return open.apply(file);
        } catch (BambooException e) {
            String message = e.getMessage();
            int fix = message.indexOf("; ");
            if (fix > 0) message = message.substring(0, fix); // the file's own advice gives way to this, which names the folder
            String named = file.toAbsolutePath().toString();
            String said = ": " + message;
            for (String path : List.of(named, file.toString(), file.getFileName().toString())) {
                if (message.startsWith(path + ":") || message.startsWith(path + " ")) {
                    said = message.substring(path.length()); // ": why" or " is ...", after the file's full name
                    break;
                }
            }
            throw new BambooException(named + said + "; download the predictor again, or move "
                    + file.getParent().getFileName() + "/ aside to run --sparsity dense or exact");
        }
    }

    /** Loads TurboSparse predictors from a model checkpoint; the tensors live as long as {@code checkpoint} is open. */
    public static PredictorWeights loadEmbedded(SafetensorsCheckpoint checkpoint, int layers, int hidden, int ffn, float threshold) {
        return loadEmbedded(checkpoint, layers, hidden, ffn, threshold, "embedded");
    }

    private static PredictorWeights loadEmbedded(SafetensorsCheckpoint checkpoint, int layers, int hidden, int ffn, float threshold, String source) {
        checkDims(layers, hidden, ffn);
        checkThreshold(threshold, source);
        List<PredictorLayer> result = new ArrayList<>(layers);
        for (int layer = 0; layer < layers; layer++) {
            String n1 = embeddedFc1(layer), n2 = embeddedFc2(layer);
            for (String n : List.of(n1, n2)) {
                if (!checkpoint.contains(n)) {
                    throw new BambooException("predictor layer " + layer + " (" + source + "): tensor " + n + " is missing; the checkpoint has predictors for only some layers, download the complete checkpoint");
                }
            }
            result.add(validate(source, layer, checkpoint.tensor(n1), checkpoint.tensor(n2), hidden, ffn,
                    "the checkpoint's predictor does not fit its own model: the checkpoint is inconsistent, download it again"));
        }
        if (checkpoint.contains(embeddedFc1(layers))) {
            throw new BambooException("predictor (" + source + ") has tensors for layer " + layers + " but the model has only " + layers + " layers; the checkpoint is inconsistent");
        }
        return new PredictorWeights(List.copyOf(result), threshold, source);
    }

    /**
     * Checks one layer's shapes: fc1 [rank, hidden], fc2 [ffn, rank].
     *
     * @param source       the file or description named in the error
     * @param mismatchFix  what to do when a size is not the model's (it depends on where the predictor comes from)
     */
    private static PredictorLayer validate(String source, int layer, Tensor fc1, Tensor fc2, int hidden, int ffn, String mismatchFix) {
        String where = "predictor layer " + layer + " (" + source + "): ";
        String fix = "; " + mismatchFix;
        if (fc1.cols() != hidden) {
            throw new BambooException(where + "fc1.weight is " + dims(fc1) + ", expected [rank x " + hidden + "] (the model's hidden size)" + fix);
        }
        if (fc1.rows() < 1 || fc1.rows() > Integer.MAX_VALUE) {
            throw new BambooException(where + "fc1.weight is " + dims(fc1) + ", its rank must be at least 1; the predictor file is corrupt");
        }
        if (fc2.rows() != ffn) {
            throw new BambooException(where + "fc2.weight is " + dims(fc2) + ", expected [" + ffn + " x rank] (the model's FFN size)" + fix);
        }
        if (fc2.cols() != fc1.rows()) {
            throw new BambooException(where + "fc2.weight is " + dims(fc2) + ", expected [" + ffn + " x " + fc1.rows() + "] to match fc1.weight " + dims(fc1)
                    + "; fc1 and fc2 come from different predictors, re-export this layer's predictor");
        }
        return new PredictorLayer(fc1, fc2);
    }

    /**
     * The {@code sparse_threshold} of a predictor or model {@code config.json}: 0 when the file or the key is absent
     * (PowerInfer's default: a neuron runs when its score is non-negative).
     */
    public static float readThreshold(Path configJson) {
        if (!Files.exists(configJson)) return 0f;
        if (!Files.isRegularFile(configJson)) throw new BambooException(configJson + " is not a file; remove it (the threshold then defaults to 0)");
        JsonNode root = JsonFiles.readObject(configJson, "fix or delete the file (the threshold defaults to 0)");
        JsonNode t = root.get(THRESHOLD_KEY);
        if (t == null || t.isNull()) return 0f;
        if (!t.isNumber()) throw new BambooException(configJson + ": " + THRESHOLD_KEY + " is " + t + ", not a number; set it to a number such as 0.0");
        float v = t.floatValue();
        checkThreshold(v, configJson.toString());
        return v;
    }

    private static void checkThreshold(float v, String source) {
        if (!Float.isFinite(v)) throw new BambooException(source + ": " + THRESHOLD_KEY + " " + v + " is not a finite number; set it to a number such as 0.0");
    }

    private static void checkDims(int layers, int hidden, int ffn) {
        if (layers < 1 || hidden < 1 || ffn < 1) {
            throw new IllegalArgumentException("model dimensions must be positive: layers " + layers + ", hidden " + hidden + ", ffn " + ffn);
        }
    }

    private static PredictorLayer readLayer(Path file, int layer, Predicate<String> contains, Function<String, Tensor> tensor, int hidden, int ffn) {
        // a state dict saved from torch.nn.DataParallel names every tensor under "module."
        String prefix = !contains.test(FC1) && contains.test(DATA_PARALLEL + FC1) ? DATA_PARALLEL : "";
        for (String n : List.of(FC1, FC2)) {
            if (!contains.test(prefix + n)) {
                throw new BambooException("predictor layer " + layer + " (" + file + "): tensor " + prefix + n + " is missing; a PowerInfer predictor file holds fc1.weight and fc2.weight");
            }
        }
        return validate(file.toString(), layer, tensor.apply(prefix + FC1), tensor.apply(prefix + FC2), hidden, ffn,
                "this predictor was trained for another model: use the one trained for this model, or move it aside to run --sparsity dense or exact");
    }

    private static String dims(Tensor t) {
        return "[" + t.rows() + " x " + t.cols() + "]";
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing; the first error is the one to report
            }
        }
    }
}
