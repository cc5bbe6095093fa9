package dev.bamboo.weights.predictorfiles;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.safetensors.SafetensorsCheckpoint;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class PredictorFilesTest {
    @TempDir
    Path tmp;

    static final Path ROOT = TestFiles.root();
    static final Path BAMBOO = ROOT.resolve("testdata/tiny-bamboo");

    @Test
    void loadsEveryReferencePredictorDirectory() {
        record Model(String dir, int layers, int hidden, int ffn, int[] ranks) {}
        for (Model m : List.of(
                new Model("testdata/tiny-bamboo", 3, 128, 384, new int[]{24, 32, 40}),
                new Model("testdata/tiny-relullama", 2, 96, 256, new int[]{16, 20}),
                new Model("models/bamboo-demo", 6, 256, 768, new int[]{48, 64, 64, 80, 80, 96}))) {
            Path dir = ROOT.resolve(m.dir()).resolve("predictor");
            try (LoadedPredictor p = PredictorFiles.loadDirectory(dir, m.layers(), m.hidden(), m.ffn())) {
                PredictorWeights w = p.weights();
                assertEquals(m.layers(), w.layers().size());
                assertEquals(0f, w.threshold());
                for (int l = 0; l < m.layers(); l++) {
                    PredictorLayer layer = w.layers().get(l);
                    assertEquals(m.ranks()[l], layer.rank(), m.dir() + " layer " + l);
                    assertEquals(m.hidden(), layer.fc1().cols());
                    assertEquals(m.ffn(), layer.fc2().rows());
                    assertEquals(m.ranks()[l], layer.fc2().cols());
                }
            }
        }
    }

    @Test
    void ptOnlyDirectoryGivesTheSameTensorsAsSafetensors() throws IOException {
        Path dir = tmp.resolve("pt-only");
        Files.createDirectories(dir);
        for (int l = 0; l < 3; l++) Files.copy(BAMBOO.resolve("predictor/model_" + l + ".pt"), dir.resolve("model_" + l + ".pt"));
        Files.writeString(dir.resolve("config.json"), "{\"sparse_threshold\": -0.25}");
        try (LoadedPredictor pt = PredictorFiles.loadDirectory(dir, 3, 128, 384);
             LoadedPredictor st = PredictorFiles.loadDirectory(BAMBOO.resolve("predictor"), 3, 128, 384)) {
            assertEquals(-0.25f, pt.weights().threshold());
            for (int l = 0; l < 3; l++) {
                assertSameValues(st.weights().layers().get(l).fc1(), pt.weights().layers().get(l).fc1());
                assertSameValues(st.weights().layers().get(l).fc2(), pt.weights().layers().get(l).fc2());
            }
        }
    }

    @Test
    void safetensorsWinsOverPtForTheSameLayer() throws IOException {
        Path dir = tmp.resolve("both");
        Files.createDirectories(dir);
        Files.copy(BAMBOO.resolve("predictor/model_0.safetensors"), dir.resolve("model_0.safetensors"));
        Files.write(dir.resolve("model_0.pt"), new byte[]{1, 2, 3}); // would fail if it were read
        Files.copy(BAMBOO.resolve("predictor/model_1.pt"), dir.resolve("model_1.pt"));
        try (LoadedPredictor p = PredictorFiles.loadDirectory(dir, 2, 128, 384)) {
            assertEquals(24, p.weights().layers().get(0).rank());
            assertEquals(32, p.weights().layers().get(1).rank());
        }
        Files.delete(dir.resolve("model_0.safetensors"));
        String e = oneLineError(() -> PredictorFiles.loadDirectory(dir, 2, 128, 384));
        // named in full, with the way around it: a damaged predictor also stops the modes that need none
        assertTrue(e.startsWith(dir.resolve("model_0.pt").toAbsolutePath().toString()) && e.contains("move both/ aside"), e);
    }

    @Test
    void embeddedTurboSparsePredictorsMatchTheDirectoryOnes() {
        Path turbo = ROOT.resolve("testdata/tiny-turbosparse");
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(turbo);
             LoadedPredictor dir = PredictorFiles.loadDirectory(BAMBOO.resolve("predictor"), 3, 128, 384)) {
            assertTrue(PredictorFiles.hasEmbedded(ckpt));
            PredictorWeights w = PredictorFiles.loadEmbedded(ckpt, 3, 128, 384, 0.5f);
            assertEquals(0.5f, w.threshold());
            for (int l = 0; l < 3; l++) {
                assertSameValues(dir.weights().layers().get(l).fc1(), w.layers().get(l).fc1());
                assertSameValues(dir.weights().layers().get(l).fc2(), w.layers().get(l).fc2());
            }
            Optional<LoadedPredictor> found = PredictorFiles.findFor(turbo, ckpt, 3, 128, 384);
            assertTrue(found.isPresent());
            assertEquals(0f, found.get().weights().threshold()); // from the model's config.json
            assertTrue(found.get().weights().source().startsWith("embedded"));
            assertEquals(3, found.get().weights().layers().size());
        }
    }

    @Test
    void findForPrefersThePredictorFolderAndIsEmptyWithoutPredictors() {
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(BAMBOO)) {
            Optional<LoadedPredictor> p = PredictorFiles.findFor(BAMBOO, ckpt, 3, 128, 384);
            assertTrue(p.isPresent());
            assertEquals(BAMBOO.resolve("predictor").toString(), p.get().weights().source());
            p.get().close();
        }
        Path mistral = ROOT.resolve("testdata/tiny-mistral");
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(mistral)) {
            assertTrue(PredictorFiles.findFor(mistral, ckpt, 2, 128, 320).isEmpty());
        }
    }

    @Test
    void wrongModelDimensionsNameLayerTensorAndSizes() {
        Path dir = BAMBOO.resolve("predictor");
        String e1 = oneLineError(() -> PredictorFiles.loadDirectory(dir, 3, 96, 384));
        assertTrue(e1.contains("layer 0") && e1.contains("fc1.weight") && e1.contains("[24 x 128]") && e1.contains("96"), e1);
        String e2 = oneLineError(() -> PredictorFiles.loadDirectory(dir, 3, 128, 256));
        assertTrue(e2.contains("layer 0") && e2.contains("fc2.weight") && e2.contains("[384 x 24]") && e2.contains("256"), e2);
        String e3 = oneLineError(() -> PredictorFiles.loadDirectory(dir, 4, 128, 384));
        assertTrue(e3.contains("model_3"), e3);
        String e4 = oneLineError(() -> PredictorFiles.loadDirectory(dir, 2, 128, 384));
        assertTrue(e4.contains("model_2") && e4.contains("2 layers"), e4);
        String e5 = oneLineError(() -> PredictorFiles.loadDirectory(tmp.resolve("nowhere"), 3, 128, 384));
        assertTrue(e5.contains("not found"), e5);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(ROOT.resolve("testdata/tiny-turbosparse"))) {
            String e6 = oneLineError(() -> PredictorFiles.loadEmbedded(ckpt, 3, 128, 320, 0f));
            assertTrue(e6.contains("layer 0") && e6.contains("fc2.weight") && e6.contains("320"), e6);
            String e7 = oneLineError(() -> PredictorFiles.loadEmbedded(ckpt, 4, 128, 384, 0f));
            assertTrue(e7.contains("layer 3") && e7.contains("missing"), e7);
        }
    }

    @Test
    void fc1AndFc2OfDifferentRanksAreRejected() throws IOException {
        Path dir = tmp.resolve("mixed");
        Files.createDirectories(dir);
        try (SafetensorsFile a = SafetensorsFile.open(BAMBOO.resolve("predictor/model_0.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(BAMBOO.resolve("predictor/model_1.safetensors"))) {
            writeF16Safetensors(dir.resolve("model_0.safetensors"), a, "fc1.weight", b, "fc2.weight");
        }
        String e = oneLineError(() -> PredictorFiles.loadDirectory(dir, 1, 128, 384));
        assertTrue(e.contains("layer 0") && e.contains("fc2.weight") && e.contains("[384 x 32]") && e.contains("[384 x 24]"), e);
    }

    /** A state dict saved from torch.nn.DataParallel ("module.fc1.weight") loads as the plain one does. */
    @Test
    void dataParallelPrefixIsAccepted() throws IOException {
        Path dir = tmp.resolve("data-parallel");
        Files.createDirectories(dir);
        try (SafetensorsFile a = SafetensorsFile.open(BAMBOO.resolve("predictor/model_0.safetensors"))) {
            writeF16Safetensors(dir.resolve("model_0.safetensors"), a, "fc1.weight", a, "fc2.weight", "module.");
        }
        try (LoadedPredictor prefixed = PredictorFiles.loadDirectory(dir, 1, 128, 384);
             LoadedPredictor plain = PredictorFiles.loadDirectory(BAMBOO.resolve("predictor"), 3, 128, 384)) {
            PredictorLayer a = plain.weights().layers().getFirst(), b = prefixed.weights().layers().getFirst();
            assertSameValues(a.fc1(), b.fc1());
            assertSameValues(a.fc2(), b.fc2());
        }
    }

    @Test
    void missingTensorAndBadThresholdAreOneLineErrors() throws IOException {
        Path dir = tmp.resolve("partial");
        Files.createDirectories(dir);
        try (SafetensorsFile a = SafetensorsFile.open(BAMBOO.resolve("predictor/model_0.safetensors"))) {
            writeF16Safetensors(dir.resolve("model_0.safetensors"), a, "fc1.weight", a, "fc1.weight");
        }
        String e = oneLineError(() -> PredictorFiles.loadDirectory(dir, 1, 128, 384));
        assertTrue(e.contains("fc2.weight") && e.contains("missing"), e);
        Files.writeString(dir.resolve("config.json"), "{\"sparse_threshold\": \"high\"}");
        assertTrue(oneLineError(() -> PredictorFiles.readThreshold(dir.resolve("config.json"))).contains("not a number"));
        Files.writeString(dir.resolve("config.json"), "{not json");
        assertTrue(oneLineError(() -> PredictorFiles.readThreshold(dir.resolve("config.json"))).contains("cannot read it as JSON"));
        assertEquals(0f, PredictorFiles.readThreshold(dir.resolve("absent.json")));
    }

    private static String oneLineError(Runnable r) {
        BambooException e = assertThrows(BambooException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertSameValues(Tensor a, Tensor b) {
        assertEquals(a.rows(), b.rows());
        assertEquals(a.cols(), b.cols());
        assertEquals(a.type(), b.type());
        assertEquals(-1, a.data().mismatch(b.data()), a.name() + " differs");
    }

    /** A two-tensor safetensors file taking {@code n1} from {@code f1} (stored as fc1.weight) and {@code n2} from {@code f2} (as fc2.weight), unless they are the same name. */
    private static void writeF16Safetensors(Path out, SafetensorsFile f1, String n1, SafetensorsFile f2, String n2) throws IOException {
        writeF16Safetensors(out, f1, n1, f2, n2, "");
    }

    /** {@link #writeF16Safetensors} with each stored name behind {@code prefix}. */
    private static void writeF16Safetensors(Path out, SafetensorsFile f1, String n1, SafetensorsFile f2, String n2, String prefix) throws IOException {
        byte[] d1 = f1.bytes(n1).toArray(ValueLayout.JAVA_BYTE);
        byte[] d2 = f2.bytes(n2).toArray(ValueLayout.JAVA_BYTE);
        boolean two = !n1.equals(n2) || f1 != f2;
        String header = "{\"" + prefix + "fc1.weight\":{\"dtype\":\"F16\",\"shape\":" + java.util.Arrays.toString(f1.entry(n1).shape()) + ",\"data_offsets\":[0," + d1.length + "]}"
                + (two ? ",\"" + prefix + "fc2.weight\":{\"dtype\":\"F16\",\"shape\":" + java.util.Arrays.toString(f2.entry(n2).shape()) + ",\"data_offsets\":[" + d1.length + "," + (d1.length + d2.length) + "]}" : "")
                + "}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        bos.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        bos.writeBytes(h);
        bos.writeBytes(d1);
        if (two) bos.writeBytes(d2);
        Files.write(out, bos.toByteArray());
    }
}
