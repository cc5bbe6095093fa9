package dev.bamboo.runtime.model;

import dev.bamboo.runtime.engine.CpuWeights;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.generate.ContextLimit;
import dev.bamboo.runtime.generate.StopTokens;
import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.runtime.tokenizer.TokenizerLoader;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.predictorfiles.LoadedPredictor;
import dev.bamboo.weights.predictorfiles.PredictorFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A model ready to use: its weights and its tokenizer. The entry point of the library API:
 * <pre>{@code
 * try (Model model = Model.load(Path.of("models/bamboo-demo"));
 *      TextGenerator gen = model.textGenerator(EngineOptions.defaults())) {
 *     gen.generate("Permission is hereby granted,", GenerationOptions.defaults(), System.out::print);
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
    private final LoadedModel loaded;
    private final Tokenizer tokenizer;
    private final StopTokens stopTokens;
    private final CpuWeights cpuWeights;
    private boolean closed;

    private Model(LoadedModel loaded, Tokenizer tokenizer) {
        this.loaded = loaded;
        this.tokenizer = tokenizer;
        this.stopTokens = ModelStopTokens.of(loaded, tokenizer);
        this.cpuWeights = new CpuWeights(loaded.weights());
    }

    public static Model load(Path path) {
        return load(path, Optional.empty());
    }

    /**
     * The model at {@code path}, with the predictor directory {@code predictor} (PowerInfer's layout, as {@code bamboo
     * train-predictor} writes it) in place of the model's own predictor where given.
     */
    public static Model load(Path path, Optional<Path> predictor) {
        requireVectorModule();
        LoadedModel loaded = ModelLoader.open(path);
        try {
            if (predictor.isPresent()) loaded = withPredictor(loaded, predictor.get());
            Tokenizer tokenizer = loadTokenizer(loaded);
            checkTokenizer(loaded, tokenizer, path);
            return new Model(loaded, tokenizer);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private static LoadedModel withPredictor(LoadedModel loaded, Path dir) {
        ModelConfig c = loaded.config();
        if (!c.ffn().reluFamily()) {
            throw new BambooException("--predictor: the model's FFN (" + c.ffn().label() + ") has no exact zeros to predict; predictors are for ReLU-family models (Bamboo, ReluLLaMA, ProSparse)");
        }
        LoadedPredictor p = PredictorFiles.loadDirectory(dir, c.layers(), c.hiddenSize(), c.intermediateSize());
        return loaded.withPredictor(p.weights(), p);
    }

    /**
     * The kernels are Vector API code: without its incubator module the first engine would fail with a bare
     * {@code NoClassDefFoundError}, after the weights were loaded.
     */
    private static void requireVectorModule() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new BambooException("the Java module jdk.incubator.vector is not loaded: start java with --add-modules jdk.incubator.vector (the ./bamboo launcher does)");
        }
    }

    private static Tokenizer loadTokenizer(LoadedModel loaded) {
        Path p = loaded.path();
        if (Files.isDirectory(p)) return TokenizerLoader.fromDirectory(p, loaded.config().vocabSize());
        return ModelTokenizers.fromModelFile(loaded);
    }

    /**
     * A tokenizer larger than the model's vocabulary belongs to another model. A smaller one is a Hugging Face model's
     * padded vocabulary (rows no text maps to), but in a GGUF file, whose vocabulary is its tokenizer's, the two must
     * agree (as llama.cpp requires).
     */
    private static void checkTokenizer(LoadedModel loaded, Tokenizer tokenizer, Path path) {
        ModelConfig config = loaded.config();
        if (loaded.ggufMetadata().isPresent() && tokenizer.vocabSize() != config.vocabSize()) {
            throw new BambooException(path + ": the file's tokenizer has " + tokenizer.vocabSize() + " tokens but token_embd.weight has "
                    + config.vocabSize() + " rows; the file is corrupt, convert the model again");
        }
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new BambooException(path + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary is " + config.vocabSize()
                    + "; the tokenizer belongs to another model — use the tokenizer files that came with these weights");
        }
    }

    public ModelConfig config() {
        return loaded.config();
    }

    public ModelWeights weights() {
        return loaded.weights();
    }

    public LoadedModel loaded() {
        return loaded;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The ids that end a generation: end of sequence and end of turn (see {@link ModelStopTokens}). */
    public StopTokens stopTokens() {
        return stopTokens;
    }

    /** The prompt's token ids as the model sees them (BOS first when asked and the tokenizer adds one). */
    public int[] promptIds(String prompt, boolean addBos) {
        int[] ids = tokenizer.encode(prompt);
        return addBos && tokenizer.addBos() ? withBos(ids, tokenizer.bos()) : ids;
    }

    /** {@code bos}, then {@code ids}. */
    public static int[] withBos(int[] ids, int bos) {
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /**
     * A prompt of {@code tokens} ids for measuring speed and sparsity: BOS, then ids drawn uniformly from the vocabulary
     * both tokenizer and model know, the same for the same {@code random} seed (as llama-bench's random prompts).
     */
    public int[] randomPrompt(int tokens, SplittableRandom random) {
        if (tokens < 1) throw new IllegalArgumentException("a prompt of " + tokens + " tokens: it needs at least one (the BOS)");
        int vocab = Math.min(tokenizer.vocabSize(), config().vocabSize());
        int[] ids = new int[tokens];
        ids[0] = config().bosToken();
        for (int i = 1; i < tokens; i++) ids[i] = random.nextInt(vocab);
        return ids;
    }

    /** Fails with a one-line message when {@code prompt} tokens leave no room to generate in the context {@code options} give. */
    public void checkPromptFits(int promptTokens, EngineOptions options) {
        // the prompt must leave room for at least one generated token
        if (promptTokens >= options.resolveContext(config())) {
            throw contextLimit(options.resolveContext(config())).tooLong("the prompt and one generated token need", promptTokens + 1, "a shorter prompt");
        }
    }

    /** A context of {@code context} positions for this model: what to say when text does not fit it. */
    public ContextLimit contextLimit(int context) {
        return new ContextLimit(context, config().contextLength());
    }

    /**
     * An engine for this model (backend, threads, KV cache, FFN mode). Close it when done. Engines of one model share
     * the weights the CPU engine repacks at load, so a second engine (another mode or thread count) starts at once.
     */
    public Engine engine(EngineOptions options) {
        checkOpen();
        return new Engine(loaded.weights(), options, cpuWeights);
    }

    /**
     * The weights in the form the CPU engine runs them (Q4_0 and Q8_0 repacked for the vector unit, mapped weights copied
     * into memory where there is room), for a forward pass of the caller's own such as predictor training's; shared with
     * this model's engines. {@link CpuWeights#denseForm} says what {@code reserve} and {@code notes} are.
     */
    public ModelWeights cpuForm(ComputePool pool, long reserve, Consumer<String> notes) {
        checkOpen();
        return cpuWeights.denseForm(pool, reserve, notes);
    }

    /** Text in, text out: an engine plus this model's tokenizer. Close it when done. */
    public TextGenerator textGenerator(EngineOptions options) {
        return new TextGenerator(this, engine(options));
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("this model is closed; load it again");
    }

    /**
     * Closes the engines made from this model that are still open (a generation running on another thread stops at its
     * next step with an {@link IllegalStateException}, and this call waits for that), frees the weights and unmaps the
     * files. Closing again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        cpuWeights.close();
        loaded.close();
    }
}
