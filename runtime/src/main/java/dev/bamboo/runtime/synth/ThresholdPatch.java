package dev.bamboo.runtime.synth;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFModelLoader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Rewrites the {@code powerinfer.sparse_threshold} value of a written file in place: the key, its FLOAT32 type and
 * its 4-byte value sit in the header, so the calibrated threshold can replace the provisional one without writing
 * the file again.
 */
final class ThresholdPatch {
    private static final int FLOAT32 = 6;
    private static final int SEARCH_BYTES = 64 << 20;

    private ThresholdPatch() {}

    static void write(Path file, float threshold) {
        byte[] key = GGUFModelLoader.SPARSE_THRESHOLD_KEY.getBytes(StandardCharsets.UTF_8);
        ByteBuffer pattern = ByteBuffer.allocate(8 + key.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        pattern.putLong(key.length).put(key).putInt(FLOAT32);
        byte[] p = pattern.array();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int n = (int) Math.min(ch.size(), SEARCH_BYTES);
            ByteBuffer head = ByteBuffer.allocate(n);
            while (head.hasRemaining() && ch.read(head) >= 0) { /* read the header region */ }
            byte[] h = head.array();
            long at = indexOf(h, p);
            if (at < 0) throw new BambooException(file + ": " + GGUFModelLoader.SPARSE_THRESHOLD_KEY + " not found in the header; the file was not written by bamboo synth");
            ByteBuffer value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(threshold).flip();
            ch.write(value, at + p.length);
        } catch (IOException e) {
            throw new BambooException(file + ": cannot update the threshold (" + e.getMessage() + ")");
        }
    }

    private static long indexOf(byte[] h, byte[] p) {
        outer:
        for (int i = 0; i + p.length + 4 <= h.length; i++) {
            for (int j = 0; j < p.length; j++) if (h[i + j] != p[j]) continue outer;
            return i;
        }
        return -1;
    }
}
