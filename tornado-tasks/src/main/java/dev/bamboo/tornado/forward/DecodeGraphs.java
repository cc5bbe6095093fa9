package dev.bamboo.tornado.forward;

import dev.bamboo.tornado.graph.AttentionTasks;
import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.Launch;
import dev.bamboo.tornado.graph.MatVecTasks;
import dev.bamboo.tornado.graph.SparseFfnTasks;
import dev.bamboo.tornado.kernels.elementwise.KvCacheKernel;
import dev.bamboo.tornado.kernels.elementwise.ResidualKernel;
import dev.bamboo.tornado.kernels.elementwise.ScatterKernel;
import dev.bamboo.tornado.kernels.embedding.EmbeddingKernel;
import dev.bamboo.tornado.kernels.norm.RmsNormKernel;
import dev.bamboo.tornado.kernels.rope.RopeKernel;
import dev.bamboo.tornado.kernels.sampling.ArgmaxKernel;
import dev.bamboo.tornado.memory.AttentionScratch;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelConfig;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The decode forward pass as TornadoVM task graphs: one graph per stage, all in one execution plan that is built once
 * and reused for every token. Weights and KV caches go to the device on the first run ({@code FIRST_EXECUTION}) and
 * stay there; per token only the token id and the position are uploaded (device {@code IntArray}s, never task
 * scalars, which TornadoVM would specialize into the kernels), and only the logits (or the argmax) come back.
 * The residual stream {@code x} and {@code position} pass from graph to graph on the device
 * ({@code persistOnDevice} → {@code consumeFromDevice}).
 *
 * <pre>
 *  graph "input"                       token, position ──upload every step
 *    embed        table[token] ──────▶ x
 *                                      │ x, position (persist → consume)
 *  graph "layer_L"  (one per layer; weights, KV cache of layer L uploaded on the first run only)
 *    attn_norm    x, attnNorm ───────▶ xn
 *    q, k, v      Wq·xn, Wk·xn, Wv·xn ▶ q, k, v
 *    rope         q, k, position ────▶ q, k            (rotated in place)
 *    kv_store     k, v, position ────▶ keyCache[pos], valueCache[pos]
 *    attn_blocks  q, caches, position ▶ partial out/max/sum per (head, KV block)
 *    attn_merge   partials ──────────▶ att
 *    wo           Wo·att ────────────▶ proj
 *    attn_add     x += proj
 *    ffn_norm     x, ffnNorm ────────▶ xn
 *    FFN, dense:      ffn_gate_up  gate/up rows of all neurons, xn ─▶ h
 *                     ffn_down     down·h (or Σ h[i]·down_t[i]) ─────▶ proj
 *    FFN, exact:      ffn_gate     gate·xn ─▶ gateValues
 *                     ffn_select   gateValues > cutoff ─▶ active, count
 *                     ffn_up       up rows of active, gateValues ─▶ h
 *                     ffn_down     Σ_k h[k]·down_t[active[k]] ─▶ proj
 *    FFN, predicted:  pred_fc1     relu(fc1·x) ─▶ rank     (x: the residual before the FFN norm)
 *                     pred_fc2     fc2·rank ────▶ scores
 *                     pred_select  scores ≥ threshold ─▶ active, count
 *                     ffn_gate_up  gate/up rows of active, xn ─▶ h
 *                     ffn_down     as in exact mode
 *                 (a file with only ffn_down [hidden, ffn] in a sparse mode: ffn_zero, ffn_scatter h ─▶ hFull,
 *                  then ffn_down down·hFull)
 *    ffn_add      x += proj
 *                                      │ x (persist → consume)
 *  graph "logits"                      graph "greedy"
 *    out_norm   x ─▶ xn                  out_norm, output as in "logits"
 *    output     Wout·xn ─▶ logits        argmax  logits ─▶ best
 *    download   logits                   download best (4 bytes)
 * </pre>
 *
 * Every step runs "input", the layers in order, then one of "logits" / "greedy". On the PTX and CUDA backends the
 * plan is captured as a CUDA graph ({@code withCUDAGraph}); on OpenCL (the only backend of the SDK this was
 * developed with) that does not apply.
 */
public final class DecodeGraphs implements AutoCloseable {
    static final String INPUT = "input";
    static final String LOGITS = "logits";
    static final String GREEDY = "greedy";

    private final TornadoExecutionPlan plan;
    private final int layers;
    private final boolean cudaGraph;

    public DecodeGraphs(ModelConfig config, DeviceWeights weights, Activations a, FfnPlan ffn, float predictorThreshold, int contextLength,
                        DeviceTuning tuning, TornadoDevice device) {
        this.layers = config.layers();
        GridScheduler grids = new GridScheduler();
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        graphs.add(input(config, weights, a, tuning, grids));
        FloatArray invFreq = FloatArray.fromArray(RopeKernel.inverseFrequencies(config.headDim(), config.ropeTheta()));
        String previous = INPUT;
        for (int l = 0; l < layers; l++) {
            String name = "layer_" + l;
            graphs.add(layer(name, previous, config, weights.layers().get(l), a, ffn, predictorThreshold, contextLength, invFreq, tuning, grids));
            previous = name;
        }
        graphs.add(head(LOGITS, previous, config, weights, a, false, tuning, grids));
        graphs.add(head(GREEDY, previous, config, weights, a, true, tuning, grids));
        TornadoExecutionPlan p = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new)).withGridScheduler(grids);
        if (device != null) p = p.withDevice(device);
        TornadoVMBackendType backend = device != null ? device.getTornadoVMBackend() : null;
        this.cudaGraph = backend == TornadoVMBackendType.PTX || backend == TornadoVMBackendType.CUDA;
        if (cudaGraph) p = p.withCUDAGraph();
        this.plan = p;
    }

    /** Whether the plan runs as a CUDA graph. */
    public boolean cudaGraph() {
        return cudaGraph;
    }

    /** What a step brings back to the host. */
    public enum Result {
        /** Nothing: a prompt token whose logits nobody reads (its K and V still go into the cache). */
        NONE,
        /** {@code logits}. */
        LOGITS,
        /** {@code best[0]}, the argmax of the logits, computed on the device. */
        ARGMAX
    }

    /** Runs one token through the model: the caller has set {@code token[0]} and {@code position[0]}. */
    public void step(Result result) {
        plan.withGraph(0).execute();
        for (int l = 0; l < layers; l++) plan.withGraph(1 + l).execute();
        switch (result) {
            case NONE -> { }
            case LOGITS -> plan.withGraph(1 + layers).execute();
            case ARGMAX -> plan.withGraph(2 + layers).execute();
        }
    }

    private static ImmutableTaskGraph input(ModelConfig c, DeviceWeights w, Activations a, DeviceTuning t, GridScheduler grids) {
        KernelPlan p = new KernelPlan(INPUT, grids);
        DeviceMatrix table = w.embedding();
        TaskGraph g = p.graph()
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a.token(), a.position())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, table.arrays());
        int dim = c.hiddenSize();
        g.task("embed", EmbeddingKernel::embed, p.context(), table.bytes(), table.floats(), a.token(), a.x(), dim, table.kernelFormat());
        p.launch("embed", Launch.covering(dim, t.elementLanes()));
        g.persistOnDevice(a.x(), a.position());
        return g.snapshot();
    }

    private static ImmutableTaskGraph layer(String name, String previous, ModelConfig c, DeviceLayer w, Activations a, FfnPlan ffn, float threshold,
                                            int contextLength, FloatArray invFreq, DeviceTuning t, GridScheduler grids) {
        KernelPlan p = new KernelPlan(name, grids);
        int dim = c.hiddenSize(), kvDim = c.kvDim(), ffnSize = c.intermediateSize();
        int rows = t.rowLanes(), elems = t.elementLanes();
        FloatArray keyCache = new FloatArray(contextLength * kvDim);
        FloatArray valueCache = new FloatArray(contextLength * kvDim);
        AttentionScratch scratch = AttentionScratch.allocate(c.heads(), c.headDim(), contextLength, t.attentionBlock());
        TaskGraph g = p.graph()
                .consumeFromDevice(previous, a.x(), a.position())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w.arrays())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, keyCache, valueCache, invFreq)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch.arrays())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, a.layerScratch());
        var ctx = p.context();
        float eps = c.rmsNormEps();

        g.task("attn_norm", RmsNormKernel::rmsNorm, ctx, a.x(), w.attnNorm(), a.xn(), dim, eps);
        p.launch("attn_norm", Launch.single(t.reduceLanes()));
        MatVecTasks.matvec(p, "q", w.wq(), a.xn(), a.q(), false, rows);
        MatVecTasks.matvec(p, "k", w.wk(), a.xn(), a.k(), false, rows);
        MatVecTasks.matvec(p, "v", w.wv(), a.xn(), a.v(), false, rows);
        AttentionTasks.rope(p, "rope", c.ropeLayout(), a.q(), a.k(), a.position(), invFreq, c.heads(), c.kvHeads(), c.headDim(), elems);
        g.task("kv_store", KvCacheKernel::store, ctx, a.k(), a.v(), keyCache, valueCache, a.position(), kvDim);
        p.launch("kv_store", Launch.covering(kvDim, elems));
        AttentionTasks.decode(p, "attn", a.q(), keyCache, valueCache, a.position(), scratch, a.att(), c.kvHeads(), c.slidingWindow(), 0,
                Math.min(t.reduceLanes(), Integer.highestOneBit(Math.max(1, c.headDim()))));
        MatVecTasks.matvec(p, "wo", w.wo(), a.att(), a.proj(), false, rows);
        g.task("attn_add", ResidualKernel::add, ctx, a.x(), a.proj(), dim);
        p.launch("attn_add", Launch.covering(dim, elems));

        g.task("ffn_norm", RmsNormKernel::rmsNorm, ctx, a.x(), w.ffnNorm(), a.xn(), dim, eps);
        p.launch("ffn_norm", Launch.single(t.reduceLanes()));
        switch (ffn) {
            case DENSE -> {
                SparseFfnTasks.gateUp(p, "ffn_gate_up", w.gate(), w.up(), a.xn(), a.allNeurons(), a.ffnCount(), a.h(), c.ffn(), rows);
                if (w.down() != null) {
                    MatVecTasks.matvec(p, "ffn_down", w.down(), a.h(), a.proj(), false, rows);
                } else {
                    SparseFfnTasks.downAccumulate(p, "ffn_down", w.downT(), a.allNeurons(), a.ffnCount(), a.h(), a.proj(), elems);
                }
            }
            case EXACT, PREDICTED -> {
                if (ffn == FfnPlan.EXACT) {
                    SparseFfnTasks.exactGateUp(p, "ffn", w.gate(), w.up(), a.xn(), a.gateValues(), a.active(), a.count(), a.h(), c.ffn(), rows);
                } else {
                    SparseFfnTasks.predict(p, "pred", w.fc1(), w.fc2(), a.x(), a.rank(), a.scores(), a.active(), a.count(), threshold, rows);
                    SparseFfnTasks.gateUp(p, "ffn_gate_up", w.gate(), w.up(), a.xn(), a.active(), a.count(), a.h(), c.ffn(), rows);
                }
                if (w.downT() != null) {
                    SparseFfnTasks.downAccumulate(p, "ffn_down", w.downT(), a.active(), a.count(), a.h(), a.proj(), elems);
                } else {
                    g.task("ffn_zero", ScatterKernel::zero, ctx, a.hFull(), ffnSize);
                    p.launch("ffn_zero", Launch.covering(ffnSize, elems));
                    g.task("ffn_scatter", ScatterKernel::scatter, ctx, a.h(), a.active(), a.count(), a.hFull());
                    p.launch("ffn_scatter", Launch.covering(ffnSize, elems));
                    MatVecTasks.matvec(p, "ffn_down", w.down(), a.hFull(), a.proj(), false, rows);
                }
            }
        }
        g.task("ffn_add", ResidualKernel::add, ctx, a.x(), a.proj(), dim);
        p.launch("ffn_add", Launch.covering(dim, elems));
        g.persistOnDevice(a.x(), a.position());
        return g.snapshot();
    }

    private static ImmutableTaskGraph head(String name, String previous, ModelConfig c, DeviceWeights w, Activations a, boolean greedy,
                                           DeviceTuning t, GridScheduler grids) {
        KernelPlan p = new KernelPlan(name, grids);
        TaskGraph g = p.graph()
                .consumeFromDevice(previous, a.x())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w.outputNorm(), a.xn())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w.output().arrays());
        var ctx = p.context();
        g.task("out_norm", RmsNormKernel::rmsNorm, ctx, a.x(), w.outputNorm(), a.xn(), c.hiddenSize(), c.rmsNormEps());
        p.launch("out_norm", Launch.single(t.reduceLanes()));
        MatVecTasks.matvec(p, "output", w.output(), a.xn(), a.logits(), false, t.rowLanes());
        if (greedy) {
            g.task("argmax", ArgmaxKernel::argmax, ctx, a.logits(), a.best(), c.vocabSize());
            p.launch("argmax", Launch.single(t.reduceLanes()));
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.best());
        } else {
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.logits());
        }
        return g.snapshot();
    }

    /** Frees the device memory of every graph. */
    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new BambooException("could not free TornadoVM device memory: " + e.getMessage(), e);
        }
    }
}
