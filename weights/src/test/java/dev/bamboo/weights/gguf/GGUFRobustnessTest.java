package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.tensor.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of broken header, built byte by byte, gives a one-line error naming the file and the problem. */
class GGUFRobustnessTest {
    @TempDir
    Path dir;

    /** Little-endian header bytes. */
    private static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes raw(String s) { out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1)); return this; }
        Bytes u32(long v) { for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i))); return this; }
        Bytes u64(long v) { for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i))); return this; }
        Bytes str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); u64(b.length); out.writeBytes(b); return this; }
        Bytes zeros(int n) { out.writeBytes(new byte[n]); return this; }
        Bytes padTo(int alignment) { while (out.size() % alignment != 0) out.write(0); return this; }
        Bytes header(long tensors, long kvs) { return raw("GGUF").u32(3).u64(tensors).u64(kvs); }
        Bytes tensor(String name, long[] ne, int type, long offset) {
            str(name).u32(ne.length);
            for (long d : ne) u64(d);
            return u32(type).u64(offset);
        }
    }

    private String error(Bytes b) throws IOException {
        Path p = dir.resolve("broken.gguf");
        Files.write(p, b.out.toByteArray());
        BambooException e = assertThrows(BambooException.class, () -> GGUFFile.open(p).close());
        assertTrue(e.getMessage().startsWith("broken.gguf"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private void assertError(Bytes b, String... parts) throws IOException {
        String m = error(b);
        for (String part : parts) assertTrue(m.contains(part), "'" + m + "' should mention '" + part + "'");
    }

    @Test
    void minimalValidFileOpens() throws IOException {
        Bytes b = new Bytes().header(1, 1).str("general.architecture").u32(8).str("llama")
                .tensor("x", new long[]{32, 2}, 0, 0).padTo(32).zeros(256);
        Path p = dir.resolve("ok.gguf");
        Files.write(p, b.out.toByteArray());
        try (GGUFFile f = GGUFFile.open(p)) {
            assertEquals("llama", f.architecture());
            assertEquals(0f, f.tensor("x").get(63));
        }
    }

    /** ggml types Bamboo has no kernels for (here IQ4_XS, id 23) are named, not called corrupt: the file opens, the tensor is refused. */
    @Test
    void aTypeWithoutKernelsIsNamedWithTheFix() throws IOException {
        Bytes b = new Bytes().header(1, 1).str("general.architecture").u32(8).str("llama")
                .tensor("x", new long[]{256, 2}, 23, 0).padTo(32).zeros(2 * 136);
        Path p = dir.resolve("iq4_xs.gguf");
        Files.write(p, b.out.toByteArray());
        try (GGUFFile f = GGUFFile.open(p)) {
            assertEquals(GGMLType.IQ4_XS, f.tensorInfo("x").type());
            BambooException e = assertThrows(BambooException.class, () -> f.tensor("x"));
            assertTrue(e.getMessage().contains("has type IQ4_XS, which Bamboo cannot compute with") && e.getMessage().contains("re-quantize"), e.getMessage());
        }
    }

    @Test
    void truncatedFiles() throws IOException {
        assertError(new Bytes().raw("GG"), "too short");
        assertError(new Bytes().raw("GGUF").u32(3).u64(0), "header ends");
        assertError(new Bytes().header(0, 1).str("general.architecture").u32(8).u64(5).raw("lla"), "metadata general.architecture", "5 bytes");
    }

    @Test
    void wrongMagicAndVersion() throws IOException {
        assertError(new Bytes().raw("GGML").u32(3).u64(0).u64(0), "not a GGUF file", "GGML");
        assertError(new Bytes().raw("GGUF").u32(1).u64(0).u64(0), "version 1");
        assertError(new Bytes().raw("GGUF").u32(4).u64(0).u64(0), "version 4");
        assertError(new Bytes().raw("GGUF").u32(3L << 24).u64(0).u64(0), "big-endian");
        assertFalse(error(new Bytes().raw("GGUF").u32(0).u64(0).u64(0)).contains("big-endian"));
        assertError(new Bytes().raw("GGUF").u32(0).u64(0).u64(0), "version 0", "corrupt");
    }

    @Test
    void absurdCounts() throws IOException {
        assertError(new Bytes().header(1L << 60, 0), "tensor count");
        assertError(new Bytes().header(0, 1L << 60), "metadata entry count");
        assertError(new Bytes().header(0, 1).str("k").u32(9).u32(0).u64(1L << 40), "array k");
        assertError(new Bytes().header(0, 1).str("k").u32(9).u32(8).u64(1000).str("a"), "array k");
        assertError(new Bytes().header(0, 1).u64(1L << 50).zeros(32), "claims");
        assertError(new Bytes().header(0, 1).str("k").u32(77).zeros(8), "unknown value type 77");
    }

    @Test
    void nestedArraysAreBounded() throws IOException {
        Bytes b = new Bytes().header(0, 1).str("k").u32(9);
        for (int i = 0; i < 100; i++) b.u32(9).u64(1);
        b.zeros(64);
        assertError(b, "nests arrays deeper");
    }

    @Test
    void badTensorInfos() throws IOException {
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32, 1, 1, 1, 1}, 0, 0).padTo(32).zeros(128), "x", "5 dimensions");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32, 0}, 0, 0).padTo(32).zeros(128), "x", "ne[1] = 0");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32, -4}, 0, 0).padTo(32).zeros(128), "x", "ne[1] = -4");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32}, 99, 0).padTo(32).zeros(128), "x", "unknown ggml type id 99");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{30}, 8, 0).padTo(32).zeros(128), "x", "block size 32");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{1L << 62, 1L << 62}, 0, 0).padTo(32).zeros(128), "x", "absurd shape");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32}, 0, 7).padTo(32).zeros(128), "x", "alignment");
    }

    @Test
    void tensorsOutsideTheFileOrNotBackToBack() throws IOException {
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32, 4}, 0, 0).padTo(32).zeros(100), "x", "outside");
        assertError(new Bytes().header(1, 0).tensor("x", new long[]{32}, 0, 1L << 40).padTo(32).zeros(128), "x", "outside");
        assertError(new Bytes().header(2, 0).tensor("a", new long[]{32}, 0, 0).tensor("b", new long[]{32}, 0, 64).padTo(32).zeros(256), "b", "offset 64 where 128", "a ends there");
        // a gap: what a corrupt type leaves (an F32 tensor read as F16 is half as long)
        assertError(new Bytes().header(2, 0).tensor("a", new long[]{32}, 1, 0).tensor("b", new long[]{32}, 0, 128).padTo(32).zeros(256), "b", "offset 128 where 64");
        // out of order
        assertError(new Bytes().header(2, 0).tensor("a", new long[]{32}, 0, 128).tensor("b", new long[]{32}, 0, 0).padTo(32).zeros(256), "a", "offset 128 where 0");
        assertError(new Bytes().header(2, 0).tensor("a", new long[]{8}, 0, 0).tensor("a", new long[]{8}, 0, 32).padTo(32).zeros(64), "a", "twice");
    }

    @Test
    void badAlignment() throws IOException {
        assertError(new Bytes().header(0, 1).str("general.alignment").u32(4).u32(24), "general.alignment", "power of two");
    }

    @Test
    void missingAndMistypedMetadataNameFileAndKey() throws IOException {
        Bytes b = new Bytes().header(0, 1).str("llama.block_count").u32(8).str("three");
        Path p = dir.resolve("meta.gguf");
        Files.write(p, b.out.toByteArray());
        try (GGUFFile f = GGUFFile.open(p)) {
            BambooException e = assertThrows(BambooException.class, () -> f.metadata().requiredInt("llama.block_count"));
            assertTrue(e.getMessage().contains("meta.gguf") && e.getMessage().contains("llama.block_count"), e.getMessage());
            e = assertThrows(BambooException.class, () -> f.metadata().requiredString("general.architecture"));
            assertTrue(e.getMessage().contains("meta.gguf") && e.getMessage().contains("general.architecture"), e.getMessage());
            assertTrue(f.metadata().floatArray("nothing").isEmpty());
        }
    }
}
