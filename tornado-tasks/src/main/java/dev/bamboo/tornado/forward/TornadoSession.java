package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.runtime.generate.SequencePosition;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.function.BooleanSupplier;

/**
 * A sequence run through a model on a TornadoVM device: the KV cache lives on the device, tokens go through
 * {@link DecodeGraphs} one at a time (prompt tokens too: their logits are not computed, except the last one's),
 * and the logits of the last token come back to the host for the sampler.
 */
public final class TornadoSession implements InferenceSession {
    private final ModelConfig config;
    private final Activations activations;
    private final DecodeGraphs graphs;
    private final float[] logits;
    private final String description;
    private final SequencePosition position;
    private boolean closed;

    public TornadoSession(ModelWeights weights, FfnPlan ffn, float predictorThreshold, int contextLength, DeviceTuning tuning, TornadoDevice device) {
        this.config = weights.config();
        this.position = new SequencePosition(contextLength, config.contextLength());
        DeviceWeights deviceWeights = DeviceWeights.of(weights, ffn);
        int maxRank = 1;
        if (ffn == FfnPlan.PREDICTED) {
            for (DeviceLayer l : deviceWeights.layers()) maxRank = Math.max(maxRank, l.fc1().rows());
        }
        this.activations = Activations.allocate(config, maxRank);
        this.graphs = new DecodeGraphs(config, deviceWeights, activations, ffn, predictorThreshold, contextLength, tuning, device);
        this.logits = new float[config.vocabSize()];
        this.description = String.format(java.util.Locale.ROOT, "%s, %s FFN, %.1f MiB of weights%s", dev.bamboo.tornado.graph.TornadoDevices.describe(device),
                ffn.name().toLowerCase(java.util.Locale.ROOT), deviceWeights.bytes() / 1048576.0, graphs.cudaGraph() ? ", CUDA graph" : "");
    }

    /** Device, FFN mode and weight size, for messages. */
    public String description() {
        return description;
    }

    @Override
    public int position() {
        return position.get();
    }

    @Override
    public int contextLength() {
        return position.contextLength();
    }

    /** Positions from {@code position} on are overwritten by the next tokens (the device cache keeps the rest). */
    @Override
    public void rewind(int position) {
        this.position.rewind(position);
    }

    @Override
    public float[] append(int[] ids) {
        return append(ids, () -> false);
    }

    /** Polled before each token: the device runs a prompt one token at a time. */
    @Override
    public float[] append(int[] ids, BooleanSupplier cancelled) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens");
        position.checkAppend(ids, config.vocabSize());
        for (int i = 0; i < ids.length; i++) {
            if (cancelled.getAsBoolean()) return null;
            run(ids[i], i == ids.length - 1 ? DecodeGraphs.Result.LOGITS : DecodeGraphs.Result.NONE);
        }
        copyLogits(logits);
        return logits;
    }

    @Override
    public float[][] appendAllLogits(int[] ids) {
        position.checkAppend(ids, config.vocabSize());
        float[][] all = new float[ids.length][config.vocabSize()];
        for (int i = 0; i < ids.length; i++) {
            run(ids[i], DecodeGraphs.Result.LOGITS);
            copyLogits(all[i]);
        }
        return all;
    }

    /** Appends one token and returns the argmax of its logits, computed on the device (only 4 bytes come back). */
    public int appendGreedy(int id) {
        position.checkAppend(new int[] {id}, config.vocabSize());
        run(id, DecodeGraphs.Result.ARGMAX);
        return activations.best().get(0);
    }

    private void run(int token, DecodeGraphs.Result result) {
        if (closed) throw new IllegalStateException("the TornadoVM session is closed");
        if (token < 0 || token >= config.vocabSize()) {
            throw new BambooException("token id " + token + " is outside the model's vocabulary of " + config.vocabSize());
        }
        activations.token().set(0, token);
        activations.position().set(0, position.get());
        graphs.step(result);
        position.advance(1);
    }

    private void copyLogits(float[] dst) {
        java.lang.foreign.MemorySegment.copy(activations.logits().getSegment(), java.lang.foreign.ValueLayout.JAVA_FLOAT, 0L, dst, 0, dst.length);
    }

    /** Frees the device memory (weights, caches, scratch). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        graphs.close();
    }
}
