package dev.bamboo.runtime.cli;

import dev.bamboo.predictor.LayerSparsity;
import dev.bamboo.predictor.training.TrainedLayer;
import dev.bamboo.predictor.training.TrainingOptions;
import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.training.PredictorTraining;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.predictorfiles.PredictorDirectoryWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * {@code bamboo train-predictor}: activation predictors for a ReLU-family model, trained on a text
 * ({@link PredictorTraining}) and written as PowerInfer's predictor directory; the held-out measurement goes to
 * stdout, progress to stderr.
 */
@Command(name = "train-predictor", mixinStandardHelpOptions = true,
        description = {"Train activation predictors for a ReLU-family model on a text and write them as PowerInfer's predictor directory "
                + "(model_L.safetensors, config.json). The model runs dense over the text; each layer learns which FFN neurons fire from the "
                + "residual before the FFN norm. Written into a Hugging Face model's predictor/ folder, --sparsity predicted uses them. Prints "
                + "their recall on the held-out end of the text."})
final class TrainPredictorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelPathOption model;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", required = true, description = "a UTF-8 text to train on; repeat for several")
    List<Path> files;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "the directory to write (a Hugging Face model's own predictor/ folder, to run with it)")
    Path output;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "compute threads (default: physical cores)")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "256", description = "tokens per chunk, BOS included (default: 256)")
    int chunk;

    @Option(names = "--rank", paramLabel = "R[,R...]", description = "fc1's rows: one for every layer, or one per layer (default: hidden size / 4)")
    String rank;

    // unset options take TrainingOptions.DEFAULTS
    @Option(names = "--epochs", paramLabel = "N", description = "passes over the text's tokens (default: 20)")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "tokens per training step (default: 64)")
    Integer batch;

    @Option(names = "--learning-rate", paramLabel = "X", description = "Adam's step size (default: 0.002)")
    Float learningRate;

    @Option(names = "--positive-weight", paramLabel = "X",
            description = "cost of missing an active neuron against selecting an idle one: higher selects more neurons and misses fewer (default: 8)")
    Float positiveWeight;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "initial weights and token order (default: 1)")
    Long seed;

    @Option(names = "--validation", paramLabel = "SHARE", defaultValue = "0.1",
            description = "share of the text's chunks (its end) held out to measure the predictors; 0 = none (default: 0.1)")
    double validation;

    /** Below this many training tokens a line says the predictors will be poor. */
    private static final int FEW_TOKENS = 1000;

    @Override
    public Integer call() {
        BambooCli root = BambooCli.root(spec);
        if (root.backend == BackendChoice.TORNADO || root.device >= 0) {
            throw new BambooException("train-predictor runs on the CPU (its recording and training have no GPU kernels); drop --backend tornado and --device");
        }
        TrainingOptions d = TrainingOptions.DEFAULTS;
        TrainingOptions training = new TrainingOptions(epochs != null ? epochs : d.epochs(), batch != null ? batch : d.batch(),
                learningRate != null ? learningRate : d.learningRate(), positiveWeight != null ? positiveWeight : d.positiveWeight(), seed != null ? seed : d.seed());
        int t = threads == null ? ComputePool.defaultThreads() : ComputePool.checkThreads(threads);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        PredictorDirectoryWriter.checkTarget(output);
        try (Model m = Model.load(model.path()); ComputePool pool = new ComputePool(t)) {
            var options = new PredictorTraining.Options(chunk, validation, ranks(rank, m.config().layers(), m.config().hiddenSize()), training);
            PredictorTraining.check(m.config(), options);
            int[] text = files.stream().map(f -> m.promptIds(PromptOptions.text(null, f), false)).flatMapToInt(Arrays::stream).toArray();
            if (text.length == 0) throw new BambooException("the text is empty; give a file with text to train on");
            OptionalInt bos = m.tokenizer().addBos() ? OptionalInt.of(m.tokenizer().bos()) : OptionalInt.empty();
            List<int[]> chunks = PredictorTraining.chunks(text, chunk, bos);
            err.printf(Locale.ROOT, "bamboo: %s of text in %s of up to %d tokens, %d held out; ranks %s%n", count(text.length, "token"), count(chunks.size(), "chunk"),
                    chunk, PredictorTraining.heldOut(chunks.size(), validation), rankText(options.ranks()));
            int learnFrom = PredictorTraining.trainingTokens(chunks, validation);
            if (learnFrom < FEW_TOKENS) {
                err.printf(Locale.ROOT, "bamboo: only %d tokens to learn from; predictors select well after thousands (the demo's: 10240)%n", learnFrom);
            }
            Interrupt interrupt = Interrupt.install();
            interrupt.generationStarts();
            long start = System.nanoTime();
            ModelWeights weights = m.cpuForm(pool, PredictorTraining.sampleBytes(m.config(), chunks), note -> err.println("bamboo: " + note));
            PredictorTraining.Result r = PredictorTraining.train(weights, chunks, options, pool, new PredictorTraining.Progress() {
                @Override
                public void recorded(int done, int of) {
                    // a line at each quarter: the recording is short beside the training
                    if (done == of || done * 4 / of != (done - 1) * 4 / of) {
                        err.printf(Locale.ROOT, "bamboo: recorded the activations of %d of %d chunks%n", done, of);
                        err.flush();
                    }
                }

                @Override
                public void trained(int layer, TrainedLayer trained, double seconds) {
                    err.printf(Locale.ROOT, "bamboo: layer %d trained (rank %d, loss %.4f) in %.1f s%n", layer, trained.rank(), trained.loss(), seconds);
                    err.flush();
                }
            }, interrupt::requested);
            interrupt.generationEnds();
            if (r == null) {
                err.println("bamboo: interrupted; nothing written");
                return Interrupt.EXIT_CODE;
            }
            PredictorDirectoryWriter.write(r.predictor(), output);
            err.printf(Locale.ROOT, "bamboo: wrote %s (%d layers, threshold 0) from %d tokens in %.1f s%n", output, r.layers().size(), r.trainingTokens(),
                    (System.nanoTime() - start) / 1e9);
            if (r.validationTokens() > 0) {
                out.printf(Locale.ROOT, "Held-out text (%d tokens), the predictors at threshold 0:%n", r.validationTokens());
                out.print(r.validation().table());
                out.printf(Locale.ROOT, "%nAt other thresholds (--sparse-threshold X), all layers:%n%9s  %9s  %7s%n", "threshold", "predicted", "recall");
                for (PredictorTraining.AtThreshold a : r.thresholds()) {
                    LayerSparsity all = a.stats().overall();
                    out.printf(Locale.ROOT, "%9s  %8.2f%%  %6.2f%%%n", a.threshold(), 100 * all.predictedActive(), 100 * all.recall());
                }
            }
        }
        return 0;
    }

    /** {@code --rank}: one rank for every layer, or one per layer; by default {@code hidden / 4} (PowerInfer's Bamboo-7B predictors: 1024 of 4096). */
    static int[] ranks(String text, int layers, int hidden) {
        if (text == null) {
            int[] r = new int[layers];
            Arrays.fill(r, Math.max(1, hidden / 4));
            return r;
        }
        String[] parts = text.split(",", -1);
        if (parts.length != 1 && parts.length != layers) {
            throw new BambooException("--rank " + text + " gives " + parts.length + " ranks for " + layers + " layers; give one rank, or one per layer");
        }
        int[] r = new int[layers];
        for (int l = 0; l < layers; l++) {
            String p = parts[parts.length == 1 ? 0 : l].strip();
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new BambooException("--rank '" + p + "' is not a whole number; give a rank such as " + Math.max(1, hidden / 4));
            }
            r[l] = v;
        }
        return r;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String rankText(int[] ranks) {
        return IntStream.of(ranks).allMatch(r -> r == ranks[0]) ? Integer.toString(ranks[0]) : Arrays.toString(ranks);
    }
}
