package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GGUFWriterTest {

    /**
     * A write that fails half way leaves the file it was to replace as it was, and no partial file beside it; a path
     * that is not a regular file (a device) is refused before anything is written.
     */
    @Test
    void aFailedWriteLeavesTheOldFileAndNoPartialOne(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("model.gguf");
        Files.writeString(target, "the user's file");
        GGUFWriter w = GGUFWriter.gguf().put("general.architecture", GGUFValue.ofString("llama"));
        w.tensor("ok", GGMLType.F32, new long[] {4}, TensorData.rows((r, dst) -> java.util.Arrays.fill(dst, 1f)));
        w.tensor("fails", GGMLType.F32, new long[] {4}, (type, rows, cols, out) -> {
            out.write(new byte[8]);
            throw new IOException("No space left on device");
        });
        BambooException e = assertThrows(BambooException.class, () -> w.write(target));
        assertTrue(e.getMessage().contains("make room on the disk"), e.getMessage());
        assertEquals("the user's file", Files.readString(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "no partial file left");
        }
        Path device = Path.of("/dev/null");
        if (Files.exists(device)) {
            BambooException refused = assertThrows(BambooException.class, () -> GGUFWriter.gguf().write(device));
            assertTrue(refused.getMessage().contains("not a regular file"), refused.getMessage());
            assertTrue(Files.exists(device));
        }
    }

    @Test
    void roundTripsEveryMetadataTypeAndTensor(@TempDir Path dir) {
        Map<String, GGUFValue> md = new LinkedHashMap<>();
        md.put("general.architecture", GGUFValue.ofString("llama"));
        md.put("t.u8", new GGUFValue(GGUFValueType.UINT8, 255));
        md.put("t.i8", new GGUFValue(GGUFValueType.INT8, -128));
        md.put("t.u16", new GGUFValue(GGUFValueType.UINT16, 65535));
        md.put("t.i16", new GGUFValue(GGUFValueType.INT16, -32768));
        md.put("t.u32", new GGUFValue(GGUFValueType.UINT32, 4294967295L));
        md.put("t.i32", new GGUFValue(GGUFValueType.INT32, Integer.MIN_VALUE));
        md.put("t.f32", new GGUFValue(GGUFValueType.FLOAT32, 1.5e-5f));
        md.put("t.bool", new GGUFValue(GGUFValueType.BOOL, true));
        md.put("t.string", GGUFValue.ofString("héllo ▁wörld"));
        md.put("t.u64", new GGUFValue(GGUFValueType.UINT64, -1L));
        md.put("t.i64", new GGUFValue(GGUFValueType.INT64, Long.MIN_VALUE));
        md.put("t.f64", new GGUFValue(GGUFValueType.FLOAT64, Math.PI));
        md.put("t.strings", GGUFValue.ofArray(GGUFValueType.STRING, List.of("<unk>", "<s>", "")));
        md.put("t.floats", GGUFValue.ofArray(GGUFValueType.FLOAT32, List.of(0f, -1.25f)));
        md.put("t.ints", GGUFValue.ofArray(GGUFValueType.INT32, List.of(1, 2, 3)));
        md.put("t.nested", GGUFValue.ofArray(GGUFValueType.ARRAY, List.of(
                new GGUFArray(GGUFValueType.UINT8, List.of(1, 2)),
                new GGUFArray(GGUFValueType.ARRAY, List.of(new GGUFArray(GGUFValueType.BOOL, List.of(false)))))));
        md.put("t.empty", GGUFValue.ofArray(GGUFValueType.INT64, List.of()));

        float[] a = new float[64 * 3];
        for (int i = 0; i < a.length; i++) a[i] = (float) Math.sin(i * 0.37) * (i % 7);
        GGUFWriter w = GGUFWriter.powerInfer().alignment(64);
        md.forEach(w::put);
        w.tensor("a.f32", GGMLType.F32, new long[]{64, 3}, TensorData.rows((r, dst) -> System.arraycopy(a, (int) r * 64, dst, 0, 64)));
        w.tensor("a.f16", GGMLType.F16, new long[]{64, 3}, TensorData.rows((r, dst) -> System.arraycopy(a, (int) r * 64, dst, 0, 64)));
        w.tensor("a.q8_0", GGMLType.Q8_0, new long[]{64, 3, 1, 1}, TensorData.rows((r, dst) -> System.arraycopy(a, (int) r * 64, dst, 0, 64)));
        w.tensor("v", GGMLType.F32, new long[]{5}, TensorData.rows((r, dst) -> { for (int i = 0; i < 5; i++) dst[i] = i; }));
        Path out = dir.resolve("rt.gguf");
        w.write(out);

        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals("PWRI", f.magic());
            assertEquals(64, f.alignment());
            Map<String, GGUFValue> expected = new LinkedHashMap<>(md);
            expected.put("general.alignment", GGUFValue.ofUInt32(64));
            assertEquals(expected, f.metadata().asMap());
            assertEquals(List.of("a.f32", "a.f16", "a.q8_0", "v"), f.tensorInfos().stream().map(GGUFTensorInfo::name).toList());
            for (GGUFTensorInfo info : f.tensorInfos()) assertEquals(0, info.offset() % 64);
            Tensor t32 = f.tensor("a.f32"), t16 = f.tensor("a.f16"), q8 = f.tensor("a.q8_0");
            assertEquals(3, q8.rows());
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], t32.get(i));
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(a[i])), t16.get(i));
                assertEquals(a[i], q8.get(i), 7 / 127.0 * 0.51 + 1e-6);
            }
            assertEquals(4f, f.tensor("v").get(4));
            assertEquals(-1L, f.metadata().intValue("t.u64").getAsLong());
            assertEquals(4294967295L, f.metadata().intValue("t.u32").getAsLong());
            assertArrayEquals(new int[]{1, 2, 3}, f.metadata().intArray("t.ints").orElseThrow());
        }
    }

    /** Rewriting every test file from its own metadata and tensors gives the identical bytes. */
    @Test
    void copyingATestFileReproducesItByteForByte(@TempDir Path dir) throws IOException {
        for (Path p : TestFiles.allGGUF()) {
            Path out = dir.resolve(p.getFileName());
            try (GGUFFile src = GGUFFile.open(p)) {
                GGUFCopies.copy(src, out, name -> true, null);
            }
            assertTrue(Files.mismatch(p, out) == -1, p.getFileName() + " differs at byte " + Files.mismatch(p, out));
        }
    }

    @Test
    void tensorFromExistingTensorRequantizes(@TempDir Path dir) {
        Path out = dir.resolve("requant.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"));
             GGUFFile q8 = GGUFFile.open(TestFiles.gguf("tiny-bamboo.q8_0.dense.gguf"))) {
            GGUFTensorInfo info = src.tensorInfo("blk.0.ffn_up.weight");
            GGUFWriter.gguf().tensor(info.name(), GGMLType.Q8_0, info.ne(), TensorData.of(src.tensor(info.name()))).write(out);
            try (GGUFFile f = GGUFFile.open(out)) {
                assertArrayEquals(q8.tensorBytes(info.name()).toArray(ValueLayout.JAVA_BYTE), f.tensorBytes(info.name()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
