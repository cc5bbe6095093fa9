package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.synth.SynthShape;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.tensor.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A model may claim a context of billions of positions: a {@code -c} whose KV cache the CPU engine cannot hold is a
 * one-line error before anything is allocated, not an overflow deep inside or minutes of filling tables.
 */
class ContextFitsTest {
    @TempDir
    static Path dir;

    @Test
    void aContextTooLongForTheKvCacheIsOneLine() {
        SmallPowerInferFile.open(dir, "huge-context", SynthShape.Activation.DRELU, GGMLType.F32, 64, 128, 16, 3, Integer.MAX_VALUE).close();
        try (Model m = Model.load(dir.resolve("huge-context.gguf"))) {
            // kvDim 32 (64 / 4 heads · 2 KV heads): a layer's keys hold at most 67108863 positions in one Java array
            BambooException array = assertThrows(BambooException.class, () -> m.engine(options(Integer.MAX_VALUE)));
            assertTrue(array.getMessage().contains("-c 2147483647 is too long for the CPU engine's KV cache") && array.getMessage().contains("use -c 67108863 or less"),
                    array.getMessage());
            // 60 M positions: 30.7 GB of keys and values in 2 layers
            assumeTrue(Runtime.getRuntime().maxMemory() < 30_000_000_000L, "a heap that holds 30 GB");
            BambooException heap = assertThrows(BambooException.class, () -> m.engine(options(60_000_000)));
            assertTrue(heap.getMessage().startsWith("-c 60000000 needs 28.6") && heap.getMessage().contains("of Java heap for the KV cache")
                    && heap.getMessage().contains("use a smaller -c or give the JVM more heap"), heap.getMessage());
            assertFalse(array.getMessage().contains("\n") || heap.getMessage().contains("\n"));
        }
    }

    private static EngineOptions options(int context) {
        return EngineOptions.defaults().withThreads(1).withSparsity(dev.bamboo.runtime.ffn.SparsityMode.DENSE).withContextLength(context);
    }
}
