package dev.bamboo.runtime.training;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.predictor.training.LayerSamples;
import dev.bamboo.predictor.training.PredictorTrainer;
import dev.bamboo.predictor.training.TrainedLayer;
import dev.bamboo.predictor.training.TrainingOptions;
import dev.bamboo.runtime.engine.CpuSession;
import dev.bamboo.runtime.ffn.ActivationSink;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/**
 * Trains activation predictors for a ReLU-family model from a text, as PowerInfer's predictors are trained: the model
 * runs dense over the text in chunks (each from BOS in an empty cache), every layer's residual {@code h} and truly
 * active neurons are recorded, and each layer's {@code fc1}/{@code fc2} learn to tell the active neurons from {@code h}
 * ({@link PredictorTrainer}, the layers on the pool's threads at once). The last chunks are held out: the predictor
 * is measured on them, at threshold 0, with the f16 values it is written in.
 */
public final class PredictorTraining {
    /** Prompt tokens per forward pass while recording. */
    private static final int BATCH = 64;

    /**
     * @param chunk      tokens per chunk, BOS included
     * @param validation share of the chunks held out for measuring (the last ones; 0 = none)
     * @param ranks      {@code fc1}'s rows per layer
     */
    public record Options(int chunk, double validation, int[] ranks, TrainingOptions training) {
        public Options {
            if (chunk < 2) throw new BambooException("-c " + chunk + " is too small: a chunk needs BOS and at least one token of text; use -c 64 or more");
            if (!(validation >= 0 && validation < 1)) throw new BambooException("--validation " + validation + " is out of range: use a share in [0, 1), such as 0.1");
            ranks = ranks.clone();
        }
    }

    /** What happens along the way, for a progress line. */
    public interface Progress {
        void recorded(int chunks, int of);

        void trained(int layer, TrainedLayer trained, double seconds);
    }

    /**
     * @param predictor  the trained predictors in f16, threshold 0
     * @param validation their picks against the neurons really active on the held-out chunks (empty without any)
     * @param thresholds the same at each of {@link #THRESHOLDS}
     */
    public record Result(PredictorWeights predictor, List<TrainedLayer> layers, int trainingTokens, int validationTokens, SparsityStats validation,
                         List<AtThreshold> thresholds) {}

    /** The held-out measurement at another {@code --sparse-threshold}: where to run the predictors for more recall or fewer neurons. */
    public record AtThreshold(float threshold, SparsityStats stats) {}

    /** The thresholds the held-out tokens are measured at: the predictors' own, 0, and either side of it. */
    static final float[] THRESHOLDS = {-1f, -0.5f, 0f, 0.5f, 1f};

    private PredictorTraining() {}

    /**
     * Chunks of at most {@code chunk} tokens: BOS (where the model adds one), then the next {@code chunk − 1} (or
     * {@code chunk}) tokens of {@code text}; the last chunk may be shorter.
     */
    public static List<int[]> chunks(int[] text, int chunk, OptionalInt bos) {
        int body = bos.isPresent() ? chunk - 1 : chunk;
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < text.length; from += body) {
            int[] piece = Arrays.copyOfRange(text, from, Math.min(text.length, from + body));
            if (bos.isPresent()) {
                int[] withBos = new int[piece.length + 1];
                withBos[0] = bos.getAsInt();
                System.arraycopy(piece, 0, withBos, 1, piece.length);
                piece = withBos;
            }
            out.add(piece);
        }
        return out;
    }

    /** Chunks held out of {@code chunks} at share {@code validation}: none at 0, else at least one and never all. */
    public static int heldOut(int chunks, double validation) {
        if (validation == 0) return 0;
        if (chunks < 2) {
            throw new BambooException("the text makes " + chunks + " chunk" + (chunks == 1 ? "" : "s") + ", and holding some out for --validation needs two;"
                    + " give a longer text, a smaller -c, or --validation 0");
        }
        return (int) Math.min(chunks - 1, Math.max(1, Math.round(chunks * validation)));
    }

    /** Refuses a model whose neurons are never exactly zero, and chunks or ranks that do not fit it: before anything runs. */
    public static void check(ModelConfig config, Options options) {
        if (!config.ffn().reluFamily()) {
            throw new BambooException("the model's FFN (" + config.ffn().label() + ") has no exact zeros to predict; predictors are for ReLU-family models (Bamboo, ReluLLaMA, ProSparse)");
        }
        if (options.ranks().length != config.layers()) {
            throw new BambooException("--rank gives " + options.ranks().length + " ranks for " + config.layers() + " layers; give one rank, or one per layer");
        }
        if (options.chunk() > config.contextLength()) {
            throw new BambooException("-c " + options.chunk() + " is larger than the model's context of " + config.contextLength() + "; use -c " + config.contextLength() + " or less");
        }
        for (int r : options.ranks()) {
            if (r < 1 || r > config.hiddenSize()) throw new BambooException("--rank " + r + " is out of range: use 1 to the hidden size " + config.hiddenSize());
        }
    }

    /**
     * Records {@code chunks} on {@code weights} (fastest in the CPU engine's form: {@code Model.cpuForm}), trains, and
     * measures on the held-out chunks; null when cancelled.
     */
    public static Result train(ModelWeights weights, List<int[]> chunks, Options options, ComputePool pool, Progress progress, BooleanSupplier cancelled) {
        ModelConfig config = weights.config();
        check(config, options);
        int held = heldOut(chunks.size(), options.validation());
        int hidden = config.hiddenSize(), ffn = config.intermediateSize(), layers = config.layers();
        int longest = chunks.stream().mapToInt(c -> c.length).max().orElse(0);
        int trainingTokens = trainingTokens(chunks, options.validation()), validationTokens = tokens(chunks.subList(chunks.size() - held, chunks.size()));
        checkHeap(layers, hidden, ffn, trainingTokens + (long) validationTokens);
        LayerSamples[] training = new LayerSamples[layers], validation = new LayerSamples[layers];
        for (int l = 0; l < layers; l++) {
            training[l] = new LayerSamples(hidden, ffn, trainingTokens);
            validation[l] = new LayerSamples(hidden, ffn, validationTokens);
        }
        var recorder = new Recorder(training);
        try (CpuSession session = new CpuSession(weights, pool, new DenseFeedForward(weights, pool, BATCH, recorder), Math.max(1, longest), BATCH)) {
            for (int c = 0; c < chunks.size(); c++) {
                if (cancelled.getAsBoolean()) return null;
                recorder.into = c < chunks.size() - held ? training : validation;
                session.reset();
                if (session.append(chunks.get(c), cancelled) == null) return null;
                progress.recorded(c + 1, chunks.size());
            }
        }
        TrainedLayer[] trained = new TrainedLayer[layers];
        pool.forEach(layers, l -> {
            if (cancelled.getAsBoolean()) return;
            long start = System.nanoTime();
            trained[l] = PredictorTrainer.train(training[l], options.ranks()[l], options.training(), cancelled);
            training[l] = null; // its samples may be most of the heap
            if (trained[l] == null) return;
            synchronized (progress) {
                progress.trained(l, trained[l], (System.nanoTime() - start) / 1e9);
            }
        });
        if (cancelled.getAsBoolean()) return null;
        List<PredictorLayer> predictorLayers = new ArrayList<>();
        for (TrainedLayer t : trained) predictorLayers.add(new PredictorLayer(f16("fc1.weight", t.fc1(), t.rank(), t.hidden()), f16("fc2.weight", t.fc2(), t.ffn(), t.rank())));
        PredictorWeights predictor = new PredictorWeights(predictorLayers, 0f, "trained");
        List<AtThreshold> thresholds = new ArrayList<>();
        for (float t : THRESHOLDS) thresholds.add(new AtThreshold(t, new SparsityStats(layers, ffn)));
        if (held > 0) measure(new ActivationPredictor(predictor, pool), validation, thresholds);
        SparsityStats atZero = thresholds.stream().filter(a -> a.threshold() == 0f).findFirst().orElseThrow().stats();
        return new Result(predictor, List.of(trained), trainingTokens, validationTokens, atZero, thresholds);
    }

    /** Sends each layer's tokens to the samples of the chunk's part of the text, training or held out. */
    private static final class Recorder implements ActivationSink {
        LayerSamples[] into;

        Recorder(LayerSamples[] into) {
            this.into = into;
        }

        @Override
        public void record(int layer, float[] residual, boolean[] active) {
            into[layer].add(residual, active);
        }
    }

    /** Tokens of {@code chunks} that training learns from: those of every chunk but the held-out ones. */
    public static int trainingTokens(List<int[]> chunks, double validation) {
        return tokens(chunks.subList(0, chunks.size() - heldOut(chunks.size(), validation)));
    }

    /** Heap the samples of {@code chunks} take in every layer of a model of {@code config}. */
    public static long sampleBytes(ModelConfig config, List<int[]> chunks) {
        return config.layers() * LayerSamples.bytes(config.hiddenSize(), config.intermediateSize(), tokens(chunks));
    }

    private static int tokens(List<int[]> chunks) {
        return chunks.stream().mapToInt(c -> c.length).sum();
    }

    /** The samples are kept on the heap until every layer has trained: refused up front when they cannot fit. */
    private static void checkHeap(int layers, int hidden, int ffn, long tokens) {
        long need = layers * LayerSamples.bytes(hidden, ffn, tokens);
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > free) {
            long gib = (rt.maxMemory() + need - free >> 30) + 2;
            throw new BambooException(String.format(Locale.ROOT, "%d tokens of activations take %s of heap in %d layers, more than the %s free; give a shorter text "
                    + "or more heap (./bamboo: BAMBOO_HEAP=%dg; java: -Xmx%dg)", tokens, ByteSize.binary(need), layers, ByteSize.binary(free), gib, gib));
        }
    }

    /** The predictor's picks at each threshold against the recorded truth, token by token. */
    private static void measure(ActivationPredictor predictor, LayerSamples[] samples, List<AtThreshold> thresholds) {
        int hidden = predictor.hidden(), ffn = predictor.ffn();
        float[] h = new float[hidden], scores = new float[ffn];
        int[] active = new int[ffn];
        boolean[] truth = new boolean[ffn];
        for (int l = 0; l < samples.length; l++) {
            for (int k = 0; k < samples[l].count(); k++) {
                samples[l].input(k, h);
                for (int i = 0; i < ffn; i++) truth[i] = samples[l].active(k, i);
                predictor.scores(l, h, scores);
                for (AtThreshold a : thresholds) a.stats().record(l, truth, active, ActivationPredictor.select(scores, ffn, a.threshold(), active));
            }
        }
    }

    /** An f16 tensor of {@code values} [rows, cols]: the predictor as its files hold it. */
    private static Tensor f16(String name, float[] values, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            short half = Float.floatToFloat16(v);
            if ((half & 0x7c00) == 0x7c00) throw new BambooException("training gave " + name + " a value of " + v + ", beyond f16's range; train with a smaller --learning-rate");
            b.putShort(half);
        }
        return Tensors.of(name, GGMLType.F16, rows, cols, MemorySegment.ofArray(b.array()));
    }
}
