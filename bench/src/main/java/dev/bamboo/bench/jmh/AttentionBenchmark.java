package dev.bamboo.bench.jmh;

import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.forward.CacheType;
import dev.bamboo.runtime.forward.ForwardPass;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.GGMLType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * One decode step (or, with {@code batch}, a prompt batch) of a single Bamboo-7B-shaped block (hidden 4096, 32 query
 * heads, 8 key/value heads of 128) ending at position {@code context − 1}, through the runtime's forward pass: the
 * q/k/v/o projections cost the same at every length, the growth with {@code context} is attention over the KV cache.
 * The FFN is tiny (64 neurons) and the vocabulary 32, so they do not hide it. Memory: projections 84 MB in F16, KV
 * cache 8 KB per position in f32, 4 KB in f16 ({@code cache}, the type of both keys and values).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class AttentionBenchmark {
    @Param({"128", "512", "2048", "8192", "32768"})
    public int context;

    @Param({"F16"})
    public String type;

    @Param({"1"})
    public int threads;

    /** Element type of the KV cache's keys and values: F32 or F16. */
    @Param({"F32"})
    public String cache;

    /** Tokens per forward pass: 1 is a decode step; more, a prompt batch ending at position {@code context − 1}. */
    @Param({"1"})
    public int batch;

    private Arena arena;
    private ComputePool pool;
    private ForwardPass forward;
    private int[] tokens;
    private float[][] logits;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        int h = FfnLayerFixture.BAMBOO_7B_HIDDEN, f = 64;
        ModelConfig c = FfnLayerFixture.config(h, f, 32, 8, 32, context);
        ModelWeights w = FfnLayerFixture.weights(c, GGMLType.valueOf(type),
                FfnLayerFixture.positive("ffn_gate", GGMLType.F32, f, h, 11, arena),
                FfnLayerFixture.positive("ffn_up", GGMLType.F32, f, h, 12, arena),
                FfnLayerFixture.positive("ffn_down", GGMLType.F32, h, f, 13, arena), null, arena);
        pool = new ComputePool(threads);
        CacheType cacheType = CacheType.valueOf(cache);
        forward = new ForwardPass(w, pool, new DenseFeedForward(w, pool, batch), context, batch, new KvCacheTypes(cacheType, cacheType));
        logits = new float[1][c.vocabSize()];
        tokens = new int[batch];
        java.util.Arrays.fill(tokens, 5);
    }

    @Benchmark
    public float[][] decodeAtContext() {
        forward.forward(tokens, 0, batch, context - batch, false, logits);
        return logits;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
