package dev.bamboo.runtime.synth;

import dev.bamboo.weights.gguf.GGUFModelLoader;
import dev.bamboo.weights.gguf.GGUFTensorInfo;
import dev.bamboo.weights.gguf.GGUFValue;
import dev.bamboo.weights.gguf.GGUFWriter;
import dev.bamboo.weights.gguf.TensorData;
import dev.bamboo.weights.tensor.GGMLType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.LongConsumer;

/**
 * The tensors and metadata of a synthetic model. Scales keep the forward pass well-behaved at any depth: token
 * embeddings of unit RMS, norms of 1, q/k/v/gate/up/output rows of standard deviation 1/√in (unit-scale outputs), and
 * attention-output and down projections that add only ~5% of the residual's RMS per block, so the residual — and with
 * it the predictor's scores — keeps about the same scale in every layer and one threshold fits all of them.
 */
final class SyntheticModel {
    /** Share of the residual's RMS each block's attention and FFN add. */
    static final double BLOCK_GAIN = 0.05;
    /** Standard deviation of the noise that makes dReLU up rows differ from their gate rows (relative to the gate's). */
    static final double UP_NOISE = 0.2;

    record Plan(String name, GGMLType type, long[] ne, TensorData.RowSource rows) {
        long rowCount() {
            return GGUFTensorInfo.rows(ne);
        }

        long bytes() {
            return GGUFTensorInfo.byteSize(type, ne);
        }
    }

    private final SynthOptions o;
    private final SynthShape s;
    private final List<Plan> plans = new ArrayList<>();

    SyntheticModel(SynthOptions options) {
        this.o = options;
        this.s = options.shape();
        plan();
    }

    long dataBytes() {
        long total = 0;
        for (Plan p : plans) total += (p.bytes() + 31) / 32 * 32;
        return total;
    }

    /** Parameters of the language model (the predictor not counted). */
    long params() {
        long n = 0;
        for (Plan p : plans) if (!p.name().contains(".fc")) n += p.ne()[0] * p.rowCount();
        return n;
    }

    private void plan() {
        int h = s.hidden(), f = s.ffn();
        GGMLType t = o.type();
        plans.add(new Plan("token_embd.weight", t, ne(h, s.vocab()), random("token_embd", 1.0)));
        plans.add(new Plan("output_norm.weight", GGMLType.F32, ne(h), constant(1f)));
        plans.add(new Plan("output.weight", t, ne(h, s.vocab()), random("output", 1 / Math.sqrt(h))));
        int gateRank = o.rank() / 2;
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            plans.add(new Plan(b + "attn_norm.weight", GGMLType.F32, ne(h), constant(1f)));
            plans.add(new Plan(b + "attn_q.weight", t, ne(h, s.qDim()), random(b + "attn_q", 1 / Math.sqrt(h))));
            plans.add(new Plan(b + "attn_k.weight", t, ne(h, s.kvDim()), random(b + "attn_k", 1 / Math.sqrt(h))));
            plans.add(new Plan(b + "attn_v.weight", t, ne(h, s.kvDim()), random(b + "attn_v", 1 / Math.sqrt(h))));
            plans.add(new Plan(b + "attn_output.weight", t, ne(s.qDim(), h), random(b + "attn_output", BLOCK_GAIN / Math.sqrt(s.qDim()))));
            plans.add(new Plan(b + "ffn_norm.weight", GGMLType.F32, ne(h), constant(1f)));
            if (s.activation() == SynthShape.Activation.SWIGLU) {
                plans.add(new Plan(b + "ffn_gate.weight", t, ne(h, f), random(b + "ffn_gate", 1 / Math.sqrt(h))));
                plans.add(new Plan(b + "ffn_up.weight", t, ne(h, f), random(b + "ffn_up", 1 / Math.sqrt(h))));
                plans.add(new Plan(b + "ffn_down.weight", t, ne(f, h), random(b + "ffn_down", BLOCK_GAIN / Math.sqrt(f))));
                continue;
            }
            LowRankGate gate = new LowRankGate(o.seed(), l, gateRank, h);
            plans.add(new Plan(b + "ffn_gate.weight", t, ne(h, f), gate::gateRow));
            plans.add(new Plan(b + "ffn_up.weight", t, ne(h, f), s.activation() == SynthShape.Activation.DRELU
                    ? upNearGate(gate, b + "ffn_up", h) : random(b + "ffn_up", 1 / Math.sqrt(h))));
            if (o.format() == SynthFormat.POWERINFER) {
                plans.add(new Plan(b + "ffn_down_t.weight", t, ne(h, f), random(b + "ffn_down_t", BLOCK_GAIN / Math.sqrt(f))));
                plans.add(new Plan(b + "fc1.weight", t, ne(h, o.rank()), gate::fc1Row));
                plans.add(new Plan(b + "fc2.weight", t, ne(o.rank(), f), gate::fc2Row));
            } else {
                plans.add(new Plan(b + "ffn_down.weight", t, ne(f, h), random(b + "ffn_down", BLOCK_GAIN / Math.sqrt(f))));
            }
        }
    }

    /** dReLU needs up·x > 0 wherever gate·x is: up rows are the gate rows plus a little noise. */
    private TensorData.RowSource upNearGate(LowRankGate gate, String name, int h) {
        float noise = (float) (UP_NOISE / Math.sqrt(h));
        return (row, dst) -> {
            gate.gateRow(row, dst);
            float[] n = new float[h];
            RandomRows.uniform(RandomRows.stream(o.seed(), name, row), noise, n, 0, h);
            for (int j = 0; j < h; j++) dst[j] += n[j];
        };
    }

    private TensorData.RowSource random(String name, double std) {
        long seed = o.seed();
        return (row, dst) -> RandomRows.uniform(RandomRows.stream(seed, name, row), (float) std, dst, 0, dst.length);
    }

    private static TensorData.RowSource constant(float v) {
        return (row, dst) -> Arrays.fill(dst, v);
    }

    private static long[] ne(long... d) {
        return d;
    }

    /** A writer with the metadata and every tensor streamed through {@code pool}. */
    GGUFWriter writer(float threshold, ExecutorService pool, LongConsumer written) {
        GGUFWriter w = o.format() == SynthFormat.POWERINFER ? GGUFWriter.powerInfer() : GGUFWriter.gguf();
        String a = s.architecture() + ".";
        w.put("general.architecture", GGUFValue.ofString(s.architecture()));
        if (o.format() == SynthFormat.POWERINFER) w.put(GGUFModelLoader.SPARSE_THRESHOLD_KEY, GGUFValue.ofFloat32(threshold));
        w.put("general.name", GGUFValue.ofString("synthetic " + s.name()));
        w.put("general.description", GGUFValue.ofString("random weights from 'bamboo synth' (seed " + o.seed() + ", rank " + o.rank()
                + ", density " + o.density() + "): for speed measurements only, the text it generates is meaningless"));
        w.put(a + "context_length", GGUFValue.ofUInt32(s.contextLength()));
        w.put(a + "embedding_length", GGUFValue.ofUInt32(s.hidden()));
        w.put(a + "block_count", GGUFValue.ofUInt32(s.layers()));
        w.put(a + "feed_forward_length", GGUFValue.ofUInt32(s.ffn()));
        w.put(a + "rope.dimension_count", GGUFValue.ofUInt32(s.headDim()));
        w.put(a + "attention.head_count", GGUFValue.ofUInt32(s.heads()));
        w.put(a + "attention.head_count_kv", GGUFValue.ofUInt32(s.kvHeads()));
        w.put(a + "attention.layer_norm_rms_epsilon", GGUFValue.ofFloat32(1e-5f));
        w.put(a + "rope.freq_base", GGUFValue.ofFloat32(10000f));
        w.put("general.file_type", GGUFValue.ofUInt32(switch (o.type()) {
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            default -> 0;
        }));
        SyntheticVocabulary.put(w, s.vocab());
        w.put("general.quantization_version", GGUFValue.ofUInt32(2));
        for (Plan p : plans) {
            TensorData data = new ParallelRowData(p.rows(), pool, o.threads(), written);
            w.tensor(p.name(), p.type(), p.ne(), data);
        }
        return w;
    }
}
