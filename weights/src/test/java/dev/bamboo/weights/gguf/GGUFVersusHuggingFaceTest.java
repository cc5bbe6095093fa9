package dev.bamboo.weights.gguf;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every tensor of every GGUF test file against the Hugging Face weights it was converted from (after undoing the q/k
 * permutation, the down-projection transposition and the predictor rank padding): exact for F32, the correctly
 * rounded value for F16/BF16, and within the format's rounding bound for quantized types, where the bound comes from
 * the block's stored scale (half a step, plus what f16 rounding of the scale and a clamp at the range's end can add).
 */
class GGUFVersusHuggingFaceTest {
    private static final float F16_REL = 1f / 2048; // relative rounding of an f16 scale

    @TestFactory
    Stream<DynamicTest> everyTensorMatchesHuggingFace() {
        return TestFiles.allGGUF().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private static void check(Path path) {
        try (GGUFFile f = GGUFFile.open(path); HfTensors hf = new HfTensors(TestFiles.hfDir(TestFiles.modelOf(path)))) {
            String arch = f.architecture();
            int heads = (int) f.metadata().requiredInt(arch + ".attention.head_count");
            int kvHeads = (int) f.metadata().requiredInt(arch + ".attention.head_count_kv");
            EnumMap<dev.bamboo.weights.tensor.GGMLType, Integer> checked = new EnumMap<>(dev.bamboo.weights.tensor.GGMLType.class);
            for (GGUFTensorInfo info : f.tensorInfos()) {
                Tensor t = f.tensor(info.name());
                HfTensors.Source src = hf.source(info.name(), t.rows(), heads, kvHeads);
                for (long r = 0; r < t.rows(); r++) {
                    for (int c = 0; c < t.cols(); c++) {
                        long idx = r * t.cols() + c;
                        float want = src.at(r, c);
                        float got = t.get(idx);
                        double err = Math.abs((double) got - want);
                        double allowed = allowed(t, idx, want);
                        if (!(err <= allowed)) {
                            fail(path.getFileName() + " " + info.name() + " " + info.type() + " [" + r + "," + c + "]: " + got + " vs HF " + want + ", error " + err + " > allowed " + allowed);
                        }
                    }
                }
                checked.merge(info.type(), 1, Integer::sum);
            }
            assertEquals(f.tensorInfos().size(), checked.values().stream().mapToInt(Integer::intValue).sum());
        }
    }

    /** The largest error the tensor's format allows at this element (0: exact after the format's own rounding). */
    private static double allowed(Tensor t, long idx, float x) {
        MemorySegment d = t.data();
        return switch (t.type()) {
            case F32 -> 0;
            case F16 -> Math.abs(Float.float16ToFloat(Float.floatToFloat16(x)) - (double) x) == 0 ? 0 : halfUlpF16(x);
            case BF16 -> Math.ulp(x) * 65536.0 / 2;
            case Q8_0 -> {
                double s = Math.abs(half(d, idx / 32 * 34));
                yield s * (0.5 + 128 * F16_REL) + 1e-7;
            }
            case Q4_0 -> symmetric(half(d, idx / 32 * 18), x, 8);
            case Q5_0 -> symmetric(half(d, idx / 32 * 22), x, 16);
            case Q5_1 -> {
                long off = idx / 32 * 24;
                double s = Math.abs(half(d, off)), m = Math.abs(half(d, off + 2));
                yield s * (0.5 + 32 * F16_REL) + m * F16_REL + 1e-7;
            }
            case Q4_K -> kQuantWithMin(d, idx, x, 144, 15);
            case Q6_K -> {
                long off = idx / 256 * 210;
                int p = (int) (idx % 256), h = p / 128, g = (p % 128) / 32, l = p % 32;
                // value = d·sc·q with q in [-32, 31]; d·sc may be negative, which mirrors the range
                double eff = half(d, off + 208) * d.get(ValueLayout.JAVA_BYTE, off + 192 + 8 * h + l / 16 + 2 * g);
                double lo = Math.min(-32 * eff, 31 * eff), hi = Math.max(-32 * eff, 31 * eff), step = Math.abs(eff);
                double dist = Math.max(0, Math.max(lo - x, x - hi));
                assertTrue(dist <= 2 * step + 1e-6, "value " + x + " lies " + dist + " outside its sub-block's range of step " + step);
                yield step * 0.5 * (1 + 1e-5) + dist + 1e-7;
            }
            default -> throw new AssertionError("no bound for " + t.type());
        };
    }

    private static double halfUlpF16(float x) {
        float r = Float.float16ToFloat(Float.floatToFloat16(x));
        float next = Float.float16ToFloat((short) (Float.floatToFloat16(Math.abs(r)) + 1));
        return (next - Math.abs(r)) / 2.0;
    }

    /**
     * Q4_0/Q5_0: d = (value of largest magnitude) / −half, q = x/d + half truncated to [0, 2·half − 1]: half a step,
     * plus the f16 rounding of d times the largest quant, plus up to one more step where q is clamped at the top.
     */
    private static double symmetric(float scale, float x, int half) {
        double s = Math.abs(scale);
        if (s == 0) return 1e-7;
        double q = x / (double) scale;
        double clamp = Math.max(0, q - (half - 0.5)) * s;
        return s * (0.5 + 2 * half * F16_REL) + clamp + 1e-7;
    }

    /**
     * Q4_K: value = d·sc·q − dmin·m with q in [0, 15]: half a step of the sub-block's effective scale d·sc, plus the
     * distance by which x lies outside the sub-block's representable range [−dmin·m, −dmin·m + 15·d·sc] (the min term).
     */
    private static double kQuantWithMin(MemorySegment d, long idx, float x, int blockBytes, int qmax) {
        long off = idx / 256 * blockBytes;
        int sub = (int) (idx % 256) / 32;
        byte[] s = new byte[12];
        MemorySegment.copy(d, ValueLayout.JAVA_BYTE, off + 4, s, 0, 12);
        int sc, m;
        if (sub < 4) {
            sc = s[sub] & 63;
            m = s[sub + 4] & 63;
        } else {
            sc = (s[sub + 4] & 0xF) | ((s[sub - 4] & 0xFF) >> 6) << 4;
            m = ((s[sub + 4] & 0xFF) >> 4) | ((s[sub] & 0xFF) >> 6) << 4;
        }
        double step = half(d, off) * sc, min = half(d, off + 2) * m;
        double lo = -min, hi = -min + qmax * step;
        double dist = Math.max(0, Math.max(lo - x, x - hi));
        assertTrue(dist <= 2 * step + 1e-6, "value " + x + " lies " + dist + " outside its sub-block's range of step " + step);
        return step * 0.5 * (1 + 1e-5) + dist + 1e-6;
    }

    private static float half(MemorySegment d, long off) {
        return Float.float16ToFloat(d.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
    }
}
