package dev.bamboo.tests;

import dev.bamboo.runtime.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input gets one line that names the problem and the fix, a non-zero exit code and no stack trace. */
class BadInputTest {
    @TempDir Path tmp;

    static void assertOneLineError(Cli cli, String... mustContain) {
        assertNotEquals(0, cli.exitCode(), "exit code; stderr: " + cli.err());
        String err = cli.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("error: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String s : mustContain) assertTrue(err.contains(s), "'" + s + "' in: " + err);
    }

    private Path copyModel(String name) throws IOException {
        Path src = Cli.model(name), dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        return dst;
    }

    @Test
    void promptLongerThanContext() {
        assertOneLineError(Cli.run("generate", "-p", "word ".repeat(100), "-c", "32", "--backend", "cpu"), "context", "-c");
    }

    @Test
    void optionsOutOfRange() {
        assertOneLineError(Cli.run("generate", "-p", "hi", "-n", "-5"), "-n");
        assertOneLineError(Cli.run("generate", "-p", "hi", "-c", "100000"), "-c", "2048");
        assertOneLineError(Cli.run("generate", "-p", "hi", "-t", "0"), "-t");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--temp", "1000"), "--temp");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--top-p", "1.5"), "--top-p");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--temp", "1e39"), "--temp", "'1e39'", "beyond the range of a float");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--min-p", "warm"), "--min-p", "'warm' is not a finite number");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--sparsity", "sometimes"), "dense, exact, predicted or auto");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--sparse-threshold", "abc"), "--sparse-threshold", "not a finite number");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--sparse-threshold", "NaN"), "--sparse-threshold", "not a finite number");
        assertOneLineError(Cli.run("generate", "-p", "hi", "-n", "lots"), "-n");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--backend", "quantum"), "auto, cpu or tornado");
        assertOneLineError(Cli.run("generate"), "-p");
        // commands that run no engine refuse wrong values too
        assertOneLineError(Cli.run("info", "--backend", "quantum"), "auto, cpu or tornado");
        assertOneLineError(Cli.run("--device", "-5", "info"), "device index");
        assertOneLineError(Cli.run("tokenize", "-p", "hi", "-t", "0"), "-t");
        assertOneLineError(Cli.run("tokenize", "-p", "hi", "--sparsity", "sometimes"), "dense, exact, predicted or auto");
        assertOneLineError(Cli.run("generate", "-p", "hi", "-ctk", "q4_0"), "--cache-type-k q4_0 is not a KV cache type", "f32 (the default) or f16");
        assertOneLineError(Cli.run("bench", "-p", "8", "-n", "0", "--cache-type-v", "bf16"), "--cache-type-v bf16 is not a KV cache type");
    }

    @Test
    void perplexityOfATextShorterThanAChunkOrWithOptionsOutOfRange() {
        assertOneLineError(Cli.run("perplexity", "-p", "a short text", "-c", "64"), "less than one chunk of 64 tokens", "a longer text or a smaller -c");
        assertOneLineError(Cli.run("perplexity", "-p", "a short text", "-c", "2"), "-c 2 is too small", "-c 3 or more");
        assertOneLineError(Cli.run("perplexity", "-p", "a short text", "--chunks", "0"), "--chunks 0 is out of range");
        assertOneLineError(Cli.run("perplexity", "-p", "a short text", "--chunks", "-7"), "--chunks -7 is out of range");
        assertOneLineError(Cli.run("perplexity"), "-p TEXT or -f FILE");
    }

    @Test
    void predictorTrainingOnASwiGLUModelOrIntoAPredictorOrWithRanksThatDoNotFit() {
        String text = TestData.testdata("training/gpl-3.0.txt").toString(), out = tmp.resolve("p").toString();
        assertOneLineError(Cli.run("train-predictor", "-m", Cli.model("tiny-mistral").toString(), "-f", text, "-o", out), "(silu) has no exact zeros", "ReLU-family");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", Cli.model("bamboo-demo").resolve("predictor").toString()),
                "already holds a predictor", "choose another -o");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "--rank", "8,8"), "--rank 8,8 gives 2 ranks for 6 layers");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "--rank", "300"), "--rank 300 is out of range", "256");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "--rank", "big"), "--rank 'big' is not a whole number");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "--epochs", "0"), "--epochs 0 is out of range");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "--validation", "1"), "--validation 1.0 is out of range");
        assertOneLineError(Cli.run("train-predictor", "-f", TestData.testdata("perplexity/mit-license.txt").toString(), "-o", out, "-c", "512"),
                "makes 1 chunk", "--validation 0");
        assertOneLineError(Cli.run("train-predictor", "-f", text, "-o", out, "-c", "4096"), "-c 4096 is larger than the model's context of 2048");
        assertOneLineError(Cli.run("train-predictor", "-f", tmp.resolve("none.txt").toString(), "-o", out), "none.txt");
        assertOneLineError(Cli.run("train-predictor", "-o", out), "--file");
        assertOneLineError(Cli.run("--backend", "tornado", "train-predictor", "-f", text, "-o", out), "runs on the CPU", "drop --backend tornado");
        assertFalse(Files.exists(tmp.resolve("p")), "nothing written");
    }

    @Test
    void predictorDirectoryThatIsMissingOrOfAnotherModelOrForASwiGLUModel() {
        assertOneLineError(Cli.run("generate", "-p", "hi", "--predictor", tmp.resolve("none").toString()), "predictor directory not found");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--predictor", Cli.model("tiny-bamboo").resolve("predictor").toString()),
                "fc1.weight is [24 x 128], expected [rank x 256]", "trained for another model");
        assertOneLineError(Cli.run("generate", "-m", Cli.model("tiny-mistral").toString(), "-p", "hi", "--predictor", Cli.model("bamboo-demo").resolve("predictor").toString()),
                "--predictor", "(silu) has no exact zeros");
    }

    @Test
    void missingModel() {
        assertOneLineError(Cli.run("generate", "-m", tmp.resolve("nope.gguf").toString(), "-p", "hi"), "nope.gguf");
        assertOneLineError(Cli.run("info", "-m", tmp.toString()), "config.json");
        // a part of a model, not a model
        assertOneLineError(Cli.run("info", "-m", Cli.model("bamboo-demo").resolve("model.safetensors").toString()), "give the folder holding it");
        assertOneLineError(Cli.run("info", "-m", Cli.model("bamboo-demo").resolve("predictor").toString()), "not a model folder", "predictor/ folder inside a model folder");
    }

    @Test
    void outputThatIsAFolderOrAThresholdBeyondAFloat() {
        assertOneLineError(Cli.run("logits", "--ids", "1,2", "-o", "/"), "-o / is a folder");
        assertOneLineError(Cli.run("logits", "--ids", "1,2", "-o", tmp.toString()), "is a folder");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--sparse-threshold", "1e308"), "beyond the range of a float");
        assertOneLineError(Cli.run("--backend", "cpu", "--device", "3", "generate", "-p", "hi"), "--device 3", "drop --device");
        // under --backend auto a device named by number is asked for, not dropped for the CPU engine (no accelerator here)
        assertOneLineError(Cli.run("--device", "3", "generate", "-p", "hi", "-n", "1"), "--device 3 names an accelerator", "drop --device");
    }

    @Test
    void unsupportedArchitectureListsTheSupportedOnes() throws IOException {
        Path dir = copyModel("tiny-bamboo");
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"model_type\": \"bamboo\"", "\"model_type\": \"gpt2\""));
        assertOneLineError(Cli.run("info", "-m", dir.toString()), "gpt2", "llama, mistral, bamboo");
    }

    @Test
    void configMissingARequiredField() throws IOException {
        Path dir = copyModel("tiny-bamboo");
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"hidden_size\": 128,", ""));
        assertOneLineError(Cli.run("info", "-m", dir.toString()), "hidden_size");
    }

    @Test
    void tokenizerOfAnotherModel() throws IOException {
        Path dir = copyModel("tiny-bamboo");
        Files.copy(Cli.model("bamboo-demo").resolve("tokenizer.model"), dir.resolve("tokenizer.model"), StandardCopyOption.REPLACE_EXISTING);
        assertOneLineError(Cli.run("generate", "-m", dir.toString(), "-p", "hi"), "tokenizer", "vocabulary");
    }

    @Test
    void predictorOfAnotherModel() throws IOException {
        Path dir = copyModel("tiny-bamboo");
        Path pred = dir.resolve("predictor");
        Files.createDirectories(pred);
        try (var files = Files.list(Cli.model("bamboo-demo").resolve("predictor"))) {
            for (Path f : files.toList()) Files.copy(f, pred.resolve(f.getFileName()));
        }
        assertOneLineError(Cli.run("generate", "-m", dir.toString(), "-p", "hi", "--sparsity", "predicted"), "predictor");
    }

    @Test
    void exactOnSwiGLU() {
        assertOneLineError(Cli.run("generate", "-m", Cli.model("tiny-mistral").toString(), "-p", "hi", "--sparsity", "exact"), "--sparsity dense");
    }

    @Test
    void truncatedAndCorruptModelFiles() throws IOException {
        byte[] gguf = Files.readAllBytes(Cli.root().resolve("testdata/gguf/tiny-bamboo.q8_0.dense.gguf"));
        Path truncated = tmp.resolve("truncated.gguf");
        Files.write(truncated, java.util.Arrays.copyOf(gguf, gguf.length / 2));
        assertOneLineError(Cli.run("generate", "-m", truncated.toString(), "-p", "hi"), "truncated.gguf");
        Path wrongMagic = tmp.resolve("magic.gguf");
        byte[] bad = gguf.clone();
        bad[0] = 'X';
        Files.write(wrongMagic, bad);
        assertOneLineError(Cli.run("info", "-m", wrongMagic.toString()), "magic.gguf");
        Path dir = copyModel("tiny-bamboo");
        byte[] st = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(st, st.length - 1000));
        assertOneLineError(Cli.run("info", "-m", dir.toString()), "model.safetensors");
    }

    /** A weight that is NaN reaches the logits: generation stops with one line instead of sampling from them. */
    @Test
    void weightsThatMakeTheLogitsNaN() throws IOException {
        byte[] gguf = Files.readAllBytes(Cli.root().resolve("testdata/gguf/tiny-bamboo.f32.dense.gguf"));
        // the first value of output_norm.weight (f32), at this byte offset in the file
        java.nio.ByteBuffer.wrap(gguf, 3434880, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        Path nan = tmp.resolve("nan.gguf");
        Files.write(nan, gguf);
        Cli cli = Cli.run("generate", "-m", nan.toString(), "-p", "hi", "-n", "4", "--backend", "cpu");
        // the engine's load notes come first; the error is the one line after them
        List<String> lines = cli.err().strip().lines().toList();
        assertNotEquals(0, cli.exitCode(), "exit code; stderr: " + cli.err());
        assertTrue(lines.getLast().startsWith("error: ") && lines.getLast().contains("not finite") && lines.getLast().contains("corrupt"), cli.err());
        assertTrue(lines.stream().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), "no stack trace: " + cli.err());
        assertEquals("", cli.out().strip(), "nothing sampled from NaN logits");
        // nor written as logits to compare against
        Path out = tmp.resolve("nan-logits.safetensors");
        assertLastLineError(Cli.run("logits", "-m", nan.toString(), "--ids", "1,2,3", "-o", out.toString(), "--backend", "cpu"), "not finite");
        assertFalse(Files.exists(out), "no logits file");
        // and a file of that name from an earlier run stays as it was, with nothing half-written beside it
        Path kept = Files.writeString(tmp.resolve("kept.safetensors"), "earlier logits");
        assertLastLineError(Cli.run("logits", "-m", nan.toString(), "--ids", "1,2,3", "-o", kept.toString(), "--backend", "cpu"), "not finite");
        assertEquals("earlier logits", Files.readString(kept));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".partial")), "no partial file left");
        }
    }

    /** Text quoted from a file keeps the error on one line: its line breaks are shown escaped. */
    @Test
    void lineBreaksFromAFileStayInTheOneLine() throws IOException {
        Path model = copyModel("tiny-relullama");
        Files.delete(model.resolve("tokenizer.model"));
        String json = Files.readString(model.resolve("tokenizer.json"));
        Files.writeString(model.resolve("tokenizer.json"), json.replaceFirst("\"type\": ?\"BPE\"", "\"type\": \"Word\\\\nPiece\\\\u001b[31m\""));
        assertOneLineError(Cli.run("info", "-m", model.toString()), "Word\\nPiece");
    }

    /** A message whose bytes are not UTF-8 (Latin-1 "café") is refused, as -p and -f refuse them, not sent as U+FFFD. */
    @Test
    void chatFedAMessageThatIsNotUtf8Refuses() {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
            Cli cli = Cli.run("chat", "-n", "4", "--temp", "0");
            assertEquals(1, cli.exitCode(), cli.err());
            assertTrue(cli.err().contains("error: the message is not UTF-8 text"), cli.err());
            assertEquals("", cli.out(), "nothing was sent");
        } finally {
            System.setIn(stdin);
        }
    }

    /** chat goes on past a message too long for the context, but a script feeding it learns of it from the exit status. */
    @Test
    void chatFedAMessageTooLongExitsWithOne() {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(("word ".repeat(100) + "\nHi\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Cli cli = Cli.run("chat", "-c", "64", "-n", "4", "--temp", "0", "--chat-template", "llama2");
            assertEquals(1, cli.exitCode(), cli.err());
            assertTrue(cli.err().contains("error: the message makes a prompt of"), cli.err());
            assertFalse(cli.out().isBlank(), "the next message got its reply: " + cli.err());
        } finally {
            System.setIn(stdin);
        }
    }

    /** Mistakes that would otherwise surface only after the model has loaded (or a first model has been benchmarked). */
    @Test
    void cheapChecksComeBeforeTheExpensiveWork() {
        assertOneLineError(Cli.run("logits", "--ids", "1,2", "-o", tmp.resolve("no-such-folder/l.safetensors").toString()), "does not exist");
        assertOneLineError(Cli.run("chat", "--chat-template", "alpaca"), "alpaca", "chatml");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "-m", Cli.model("bamboo-demo").toString(), "-m", tmp.resolve("typo").toString()),
                "typo", "no such file");
        // a place no file can be made in: found out before hours of training or minutes of synthesis, not after
        Cli training = Cli.run("train-predictor", "-f", TestData.testdata("training/gpl-3.0.txt").toString(), "-o", "/proc/bamboo-predictor");
        assertOneLineError(training, "no file can be made in /proc", "give -o a directory you may write to");
        assertOneLineError(Cli.run("train-predictor", "-f", TestData.testdata("training/gpl-3.0.txt").toString(), "-o", ""), "-o is empty");
        assertOneLineError(Cli.run("train-predictor", "-f", TestData.testdata("training/gpl-3.0.txt").toString(), "-o",
                Cli.root().resolve("README.md").resolve("predictor").toString()), "README.md is a file, not a directory");
        assertOneLineError(Cli.run("synth", "--shape", "tiny", "-o", "/proc/bamboo.gguf"), "no file can be made in /proc");
        assertOneLineError(Cli.run("synth", "--shape", "tiny", "-o", ""), "-o is empty");
    }

    /** Values beyond what can be meant, and paths that name something other than a file or folder. */
    @Test
    void hugeCountsAndPathsOfTheWrongKind() throws IOException {
        assertOneLineError(Cli.run("bench", "-p", "1", "-n", "1", "-r", "2147483647"), "-r 2147483647 is out of range", "1 to 10000");
        assertOneLineError(Cli.run("info", "-m", "/dev/null"), "/dev/null is a device, pipe or socket", "-m takes a GGUF file");
        assertOneLineError(Cli.run("generate", "-p", "hi", "--predictor", Cli.root().resolve("README.md").toString()),
                "is a file, not a predictor directory", "model_0.safetensors");
        Path dir = copyModel("tiny-bamboo");
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replaceFirst("\"hidden_size\": \\d+", "\"hidden_size\": 1000000000000"));
        assertOneLineError(Cli.run("info", "-m", dir.toString()), "hidden_size is 1000000000000, not a positive integer below 2^31");
        Path tokenizerFolder = copyModel("tiny-mistral");
        Files.delete(tokenizerFolder.resolve("tokenizer.model"));
        Files.createDirectory(tokenizerFolder.resolve("tokenizer.model"));
        assertOneLineError(Cli.run("info", "-m", tokenizerFolder.toString()), "tokenizer.model is a folder");
    }

    /** An option's value is the next argument, whatever it looks like, as getopt and llama.cpp take it. */
    @Test
    void promptsThatLookLikeOptions() {
        for (String prompt : List.of("-t is a flag", "--help", "-m")) {
            Cli asValue = Cli.run("tokenize", "--json", "-p", prompt);
            assertEquals(0, asValue.exitCode(), asValue.err());
            Cli joined = Cli.run("tokenize", "--json", "--prompt=" + prompt);
            assertEquals(asValue.out(), joined.out(), prompt);
            assertTrue(asValue.out().startsWith("[") && asValue.out().strip().endsWith("]"), asValue.out());
        }
    }

    /** picocli splits a list of commas alone into no values: bench would silently drop its tests or its mode columns. */
    @Test
    void benchListsOfNothingAreOneLine() {
        assertOneLineError(Cli.run("bench", "-p", ",", "-n", "2", "-r", "1"), "-p lists nothing", "-p 64,512");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", ",,", "-r", "1"), "-n lists nothing");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "--sparsity", ","), "--sparsity lists nothing", "dense,predicted");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "-t", ","), "-t lists nothing");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "-d", ","), "-d lists nothing");
    }

    /** A depth below zero, or one that leaves the test no room in the model's context (the demo's is 2048 tokens). */
    @Test
    void benchDepthsOutOfRangeAreOneLine() {
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "-d", "-1"), "-d -1 is out of range");
        assertOneLineError(Cli.run("bench", "-p", "4", "-n", "2", "-r", "1", "-d", "0,2046"), "2050 tokens does not fit", "-d");
    }

    @Test
    void badTokenIdsForLogits() {
        assertOneLineError(Cli.run("logits", "--ids", "1,x,3", "-o", tmp.resolve("l.safetensors").toString()), "--ids");
        assertOneLineError(Cli.run("logits", "--ids", "1,99999", "-o", tmp.resolve("l.safetensors").toString()), "99999");
        assertOneLineError(Cli.run("logits", "--ids", "1,2,", "-o", tmp.resolve("l.safetensors").toString()), "'' is not a token id");
        assertOneLineError(Cli.run("logits", "--ids", "1,2", "-o", ""), "-o is empty");
        assertOneLineError(Cli.run("logits", "-m", "", "--ids", "1,2", "-o", tmp.resolve("l.safetensors").toString()), "the model path is empty");
    }

    /** The ids are checked against the context before the engine starts: one line, the fix that applies. */
    @Test
    void idsLongerThanTheContextGetTheFixThatApplies() {
        String out = tmp.resolve("l.safetensors").toString();
        assertOneLineError(Cli.run("logits", "--ids", "1,2,3,4", "-c", "2", "-o", out), "--ids holds 4 tokens", "larger -c (up to 2048)");
        String tooMany = String.join(",", java.util.Collections.nCopies(2100, "5"));
        Cli cli = Cli.run("logits", "--ids", tooMany, "-o", out);
        assertOneLineError(cli, "--ids holds 2100 tokens", "2048 tokens is this model's whole context");
        assertFalse(cli.err().contains("larger -c"), "no -c can hold it: " + cli.err());
        Cli small = Cli.run("logits", "--ids", tooMany, "-c", "2", "-o", out);
        assertOneLineError(small, "--ids holds 2100 tokens", "2048 tokens is this model's whole context");
        assertFalse(small.err().contains("larger -c"), "a larger -c cannot hold it either: " + small.err());
    }

    private static void assertLastLineError(Cli cli, String... mustContain) {
        assertNotEquals(0, cli.exitCode(), "exit code; stderr: " + cli.err());
        List<String> lines = cli.err().strip().lines().toList();
        assertTrue(lines.getLast().startsWith("error: "), cli.err());
        assertTrue(lines.stream().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), "no stack trace: " + cli.err());
        for (String m : mustContain) assertTrue(lines.getLast().contains(m), "'" + m + "' in: " + lines.getLast());
    }
}
