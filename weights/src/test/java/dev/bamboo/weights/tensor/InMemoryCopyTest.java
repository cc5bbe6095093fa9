package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Tensors#inMemory}: a mapped tensor's bytes, copied piece by piece over the pool, arrive whole and in place. */
class InMemoryCopyTest {
    @TempDir
    Path dir;

    @Test
    void copiesEveryByteOfAMappedTensorAcrossPieces() throws IOException {
        // 9 MiB and a bit of F32 after a 40-byte header: three copy pieces, the last one short, at an odd file offset
        int rows = 2307, cols = 1024;
        long bytes = (long) rows * cols * Float.BYTES;
        byte[] content = new byte[(int) bytes + 40];
        new Random(5).nextBytes(content);
        Path file = dir.resolve("weights.bin");
        Files.write(file, content);
        Arena memory = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file); Arena mapping = Arena.ofShared(); ComputePool pool = new ComputePool(2)) {
            MemorySegment slice = channel.map(FileChannel.MapMode.READ_ONLY, 0, content.length, mapping).asSlice(40, bytes);
            Tensor mapped = Tensors.of("w", GGMLType.F32, rows, cols, slice);
            assertTrue(Tensors.mapped(mapped));
            Tensor copy = Tensors.inMemory(mapped, pool, memory);
            assertFalse(Tensors.mapped(copy), "the copy lives in the process's memory");
            assertEquals(GGMLType.F32, copy.type());
            assertEquals(-1, copy.data().mismatch(slice), "bytes differ");
            assertEquals(0, copy.data().address() % 64, "aligned for vector loads");
            assertEquals(mapped.get(bytes / Float.BYTES - 1), copy.get(bytes / Float.BYTES - 1));
            assertSame(copy, Tensors.inMemory(copy, pool, memory), "a tensor already in memory is not copied again");
            memory.close();
            assertFalse(copy.data().scope().isAlive(), "freed with its arena");
        }
    }
}
