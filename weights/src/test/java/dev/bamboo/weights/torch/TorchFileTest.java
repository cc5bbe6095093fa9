package dev.bamboo.weights.torch;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.safetensors.SafetensorsEntry;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class TorchFileTest {
    @TempDir
    Path tmp;

    static List<Path> ptFiles() throws IOException {
        Path root = TestFiles.root();
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("testdata/tiny-bamboo/predictor", "testdata/tiny-relullama/predictor", "models/bamboo-demo/predictor")) {
            try (Stream<Path> s = Files.list(root.resolve(dir))) {
                s.filter(p -> p.getFileName().toString().matches("model_\\d+\\.pt")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void everyPtFileMatchesItsSafetensorsTwinBitForBit() throws IOException {
        List<Path> files = ptFiles();
        assertEquals(3 + 2 + 6, files.size(), "predictor .pt files found: " + files);
        for (Path pt : files) {
            Path st = pt.resolveSibling(pt.getFileName().toString().replace(".pt", ".safetensors"));
            try (TorchFile t = TorchFile.open(pt); SafetensorsFile s = SafetensorsFile.open(st)) {
                assertEquals(s.entries().keySet(), t.entries().keySet(), pt.toString());
                for (String name : s.entries().keySet()) {
                    SafetensorsEntry se = s.entry(name);
                    TorchTensorInfo te = t.entry(name);
                    assertArrayEquals(se.shape(), te.shape(), pt + " " + name);
                    assertEquals(se.dtype().tensorType(), te.dtype().tensorType());
                    assertTrue(te.contiguous());
                    assertEquals(-1, s.bytes(name).mismatch(t.bytes(name)), pt + " " + name + " bytes differ");
                    Tensor a = s.tensor(name), b = t.tensor(name);
                    assertEquals(a.type(), b.type());
                    assertEquals(a.rows(), b.rows());
                    assertEquals(a.cols(), b.cols());
                    for (long i = 0; i < a.size(); i++) {
                        assertEquals(Float.floatToRawIntBits(a.get(i)), Float.floatToRawIntBits(b.get(i)), name + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void deflatedRepackReadsTheSame() throws IOException {
        Path pt = ptFiles().getFirst();
        Path repacked = repack(pt, tmp.resolve("deflated.pt"), ZipEntry.DEFLATED, null);
        try (TorchFile a = TorchFile.open(pt); TorchFile b = TorchFile.open(repacked)) {
            assertEquals(a.entries().keySet(), b.entries().keySet());
            for (String name : a.entries().keySet()) assertEquals(-1, a.bytes(name).mismatch(b.bytes(name)));
        }
    }

    @Test
    void nonContiguousTensorIsAClearError() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-bamboo/predictor/model_0.pt");
        // fc1.weight is [24, 128] with strides (128, 1): BININT1 128, BININT1 1, TUPLE2. Make the strides (1, 24), a transpose.
        byte[] from = {0x4b, (byte) 0x80, 0x4b, 0x01, (byte) 0x86};
        byte[] to = {0x4b, 0x01, 0x4b, 0x18, (byte) 0x86};
        Path patched = repack(pt, tmp.resolve("transposed.pt"), ZipEntry.STORED, pkl -> replaceOnce(pkl, from, to));
        try (TorchFile f = TorchFile.open(patched)) {
            assertFalse(f.entry("fc1.weight").contiguous());
            BambooException e = assertThrows(BambooException.class, () -> f.tensor("fc1.weight"));
            assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertEquals(384, f.tensor("fc2.weight").rows());
        }
    }

    /**
     * One flipped bit must be a refusal, never shifted or wrong values: in a local header's extra-field length (which
     * would move the storage's start by 8 bytes) or in a storage's bytes (the central directory's CRC-32 catches it).
     */
    @Test
    void damagedStorageBytesAreRefused() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-relullama/predictor/model_0.pt");
        byte[] all = Files.readAllBytes(pt);
        int header = localHeaderOf(all, "/data/1");
        int nameLength = (all[header + 26] & 0xff) | (all[header + 27] & 0xff) << 8;
        int extraLength = (all[header + 28] & 0xff) | (all[header + 29] & 0xff) << 8;

        byte[] shifted = all.clone();
        shifted[header + 28] ^= 8;
        assertOneLineFailure(Files.write(tmp.resolve("shifted.pt"), shifted));

        byte[] flipped = all.clone();
        flipped[header + 30 + nameLength + extraLength + 100] ^= 1;
        Path p = Files.write(tmp.resolve("flipped.pt"), flipped);
        BambooException e = assertThrows(BambooException.class, () -> TorchFile.open(p).close());
        assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
    }

    /** The offset of the local header of the zip entry whose name ends with {@code suffix}. */
    private static int localHeaderOf(byte[] zip, String suffix) {
        for (int i = 0; i + 30 < zip.length; i++) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 3 && zip[i + 3] == 4) {
                int n = (zip[i + 26] & 0xff) | (zip[i + 27] & 0xff) << 8;
                if (i + 30 + n <= zip.length && new String(zip, i + 30, n, java.nio.charset.StandardCharsets.UTF_8).endsWith(suffix)) return i;
            }
        }
        throw new AssertionError("no local header for " + suffix);
    }

    @Test
    void truncatedFilesFailWithOneLine() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-relullama/predictor/model_0.pt");
        byte[] all = Files.readAllBytes(pt);
        for (int len : new int[]{0, 1, 3, 21, 30, 64, 100, 200, 1000, all.length / 2, all.length - 200, all.length - 100, all.length - 22, all.length - 1}) {
            Path cut = tmp.resolve("cut" + len + ".pt");
            Files.write(cut, Arrays.copyOf(all, len));
            assertOneLineFailure(cut);
        }
    }

    @Test
    void garbageFailsWithOneLine() throws IOException {
        Random r = new Random(7);
        byte[] junk = new byte[5000];
        r.nextBytes(junk);
        Path p = tmp.resolve("junk.pt");
        Files.write(p, junk);
        assertOneLineFailure(p);
        junk[0] = 'P'; junk[1] = 'K'; junk[2] = 3; junk[3] = 4;
        Files.write(p, junk);
        assertOneLineFailure(p);
        Files.write(p, new byte[]{(byte) 0x80, 2, '}', '.'});
        BambooException e = assertThrows(BambooException.class, () -> TorchFile.open(p));
        assertTrue(e.getMessage().contains("legacy"), e.getMessage());
    }

    /** Corrupting data.pkl byte by byte must give a checkpoint or a one-line BambooException, nothing else. */
    @Test
    void corruptPicklesNeverEscapeAsOtherExceptions() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-relullama/predictor/model_1.pt");
        byte[] pkl;
        try (ZipFile z = new ZipFile(pt.toFile())) {
            pkl = z.getInputStream(z.getEntry("model_1/data.pkl")).readAllBytes();
        }
        Random r = new Random(11);
        for (int i = 0; i < 250; i++) {
            int at = r.nextInt(pkl.length);
            byte value = (byte) (i < pkl.length ? r.nextInt(256) : 0xFF);
            int cut = i % 5 == 0 ? r.nextInt(pkl.length) : pkl.length;
            Path bad = repack(pt, tmp.resolve("bad.pt"), ZipEntry.STORED, b -> {
                byte[] c = Arrays.copyOf(b, cut);
                if (at < c.length) c[at] = value;
                return c;
            });
            try (TorchFile f = TorchFile.open(bad)) {
                for (String name : f.entries().keySet()) {
                    try {
                        f.tensor(name);
                    } catch (BambooException e) {
                        assertFalse(e.getMessage().contains("\n"));
                    }
                }
            } catch (BambooException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    /** Damaged central directories and end records: a one-line BambooException or a readable file, nothing else. */
    @Test
    void corruptZipDirectoriesNeverEscapeAsOtherExceptions() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-bamboo/predictor/model_2.pt");
        byte[] all = Files.readAllBytes(pt);
        Random r = new Random(13);
        Path bad = tmp.resolve("dir.pt");
        for (int i = 0; i < 300; i++) {
            byte[] c = all.clone();
            int at = all.length - 1 - r.nextInt(700); // central directory, ZIP64 records, end record
            c[at] = (byte) r.nextInt(256);
            Files.write(bad, c);
            try (TorchFile f = TorchFile.open(bad)) {
                for (String name : f.entries().keySet()) f.tensor(name);
            } catch (BambooException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    /** A state dict entry made by a call outside torch is named as such (never run), not reported as a missing tensor. */
    @Test
    void anEntryMadeByForeignCodeIsRefusedByName() throws IOException {
        Path pt = TestFiles.root().resolve("testdata/tiny-bamboo/predictor/model_0.pt");
        byte[] from = "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII);
        byte[] to = ("cos\nsystem" + "x".repeat(22) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path patched = repack(pt, tmp.resolve("foreign.pt"), ZipEntry.STORED, pkl -> replaceOnce(pkl, from, to));
        BambooException e = assertThrows(BambooException.class, () -> TorchFile.open(patched).close());
        assertTrue(e.getMessage().contains("is made by os.system") && e.getMessage().contains("no PyTorch state dict holds"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingTensorNamesTheFile() throws IOException {
        try (TorchFile f = TorchFile.open(ptFiles().getFirst())) {
            BambooException e = assertThrows(BambooException.class, () -> f.tensor("fc3.weight"));
            assertTrue(e.getMessage().contains("fc3.weight"));
        }
    }

    private static void assertOneLineFailure(Path p) {
        BambooException e = assertThrows(BambooException.class, () -> TorchFile.open(p).close(), p.toString());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.getFileName().toString()), e.getMessage());
    }

    interface Patch {
        byte[] apply(byte[] pkl);
    }

    /** Rewrites a checkpoint with java.util.zip, optionally changing data.pkl. */
    static Path repack(Path src, Path dst, int method, Patch patch) throws IOException {
        try (ZipFile in = new ZipFile(src.toFile()); OutputStream os = Files.newOutputStream(dst); ZipOutputStream out = new ZipOutputStream(os)) {
            for (var it = in.entries(); it.hasMoreElements(); ) {
                ZipEntry e = it.nextElement();
                byte[] data = in.getInputStream(e).readAllBytes();
                if (patch != null && e.getName().endsWith("/data.pkl")) data = patch.apply(data);
                ZipEntry ne = new ZipEntry(e.getName());
                ne.setMethod(method);
                if (method == ZipEntry.STORED) {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    ne.setSize(data.length);
                    ne.setCompressedSize(data.length);
                    ne.setCrc(crc.getValue());
                }
                out.putNextEntry(ne);
                out.write(data);
                out.closeEntry();
            }
        }
        return dst;
    }

    static byte[] replaceOnce(byte[] data, byte[] from, byte[] to) {
        for (int i = 0; i + from.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + from.length, from, 0, from.length)) {
                byte[] out = data.clone();
                System.arraycopy(to, 0, out, i, to.length);
                return out;
            }
        }
        throw new AssertionError("pattern not found");
    }
}
