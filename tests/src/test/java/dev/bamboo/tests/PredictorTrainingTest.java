package dev.bamboo.tests;

import dev.bamboo.runtime.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bamboo train-predictor} on the demo model: predictors trained from a text (GPL-3, whose last chunks are held
 * out) select the neurons that fire about as well as the demo's own trained predictors, and run the model from its
 * {@code predictor/} folder or, with {@code --predictor}, a GGUF file of the same model.
 */
class PredictorTrainingTest {
    private static final Path TEXT = TestData.testdata("training/gpl-3.0.txt");
    private static final Pattern ALL_ROW = Pattern.compile("(?m)^\\s+all\\s+(\\d+\\.\\d+)%\\s+(\\d+\\.\\d+)%\\s+(\\d+\\.\\d+)%\\s+(\\d+)$");
    private static final Pattern PPL = Pattern.compile("Final estimate: PPL = (\\d+\\.\\d+)");

    @TempDir
    Path tmp;

    /** The demo model's files without its predictor: a Hugging Face ReLU model as users download one. */
    private Path demoWithoutPredictor() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("demo"));
        for (String f : new String[] {"config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"}) {
            Files.copy(Cli.model("bamboo-demo").resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void trainedPredictorsFindTheActiveNeuronsAndRunTheModel() throws IOException {
        Path demo = demoWithoutPredictor();
        Cli cli = Cli.run("train-predictor", "-m", demo.toString(), "-f", TEXT.toString(), "-o", demo.resolve("predictor").toString(),
                "-c", "256", "--epochs", "4", "-t", "2");
        assertEquals(0, cli.exitCode(), cli.err());
        assertTrue(cli.err().contains("11032 tokens of text in 44 chunks of up to 256 tokens, 4 held out; ranks 64"), cli.err());
        assertTrue(cli.err().contains("layer 5 trained (rank 64"), cli.err());
        Matcher all = ALL_ROW.matcher(cli.out());
        assertTrue(all.find(), cli.out());
        double trueActive = Double.parseDouble(all.group(1)), predicted = Double.parseDouble(all.group(2)), recall = Double.parseDouble(all.group(3));
        // the demo's own predictors on this text: 13.3 % active, 25 % predicted, recall 89.5 %
        assertTrue(trueActive > 10 && trueActive < 17, cli.out());
        assertTrue(recall > 82 && predicted < 2.5 * trueActive, cli.out());
        assertEquals(836 * 6, Integer.parseInt(all.group(4)), "the last 4 chunks' tokens in every layer");
        // along the threshold: fewer neurons and less recall, and at 0 the table's
        Matcher row = Pattern.compile("(?m)^\\s+(-?\\d\\.\\d)\\s+(\\d+\\.\\d+)%\\s+(\\d+\\.\\d+)%$").matcher(cli.out());
        double lastPredicted = 101, lastRecall = 101;
        int rows = 0;
        while (row.find()) {
            double p = Double.parseDouble(row.group(2)), r = Double.parseDouble(row.group(3));
            assertTrue(p < lastPredicted && r < lastRecall, cli.out());
            if (row.group(1).equals("0.0")) assertEquals(predicted + " " + recall, p + " " + r, cli.out());
            lastPredicted = p;
            lastRecall = r;
            rows++;
        }
        assertEquals(5, rows, cli.out());

        // the text's end, which training held out: the model runs predicted from its predictor/ folder, close to dense
        String held = Files.readString(TEXT);
        Path tail = Files.writeString(tmp.resolve("tail.txt"), held.substring(held.length() - 2500));
        double dense = ppl(Cli.run("perplexity", "-m", demo.toString(), "-f", tail.toString(), "-c", "128", "--sparsity", "dense"));
        Cli run = Cli.run("perplexity", "-m", demo.toString(), "-f", tail.toString(), "-c", "128", "--sparsity", "predicted", "--stats");
        double trained = ppl(run);
        assertTrue(run.err().contains("sparsity predicted"), run.err());
        assertTrue(trained < 1.05 * dense, "trained predictors " + trained + ", dense " + dense);
        Matcher stats = ALL_ROW.matcher(run.err());
        assertTrue(stats.find(), run.err());
        assertTrue(Double.parseDouble(stats.group(2)) < 40, "predicted mode computed " + stats.group(2) + " % of the neurons");

        // --predictor lends them to a dense GGUF of the same model, which then runs predicted
        String q5 = TestData.gguf("bamboo-demo.q5_1.dense.gguf").toString(), predictor = demo.resolve("predictor").toString();
        double q5Dense = ppl(Cli.run("perplexity", "-m", q5, "-f", tail.toString(), "-c", "128", "--sparsity", "dense"));
        double q5Trained = ppl(Cli.run("perplexity", "-m", q5, "--predictor", predictor, "-f", tail.toString(), "-c", "128", "--sparsity", "predicted"));
        assertTrue(q5Trained < 1.05 * q5Dense, "q5_1 with the trained predictors " + q5Trained + ", dense " + q5Dense);
        assertTrue(Cli.run("perplexity", "-m", q5, "-f", tail.toString(), "-c", "128", "--sparsity", "predicted").err().contains("has none"),
                "without --predictor the file has no predictor");
    }

    @Test
    void theFilesAreTheSameForAnyThreadCount() throws IOException {
        Path one = tmp.resolve("t1"), two = tmp.resolve("t2");
        for (Path out : new Path[] {one, two}) {
            Cli cli = Cli.run("train-predictor", "-f", TestData.testdata("perplexity/mit-license.txt").toString(), "-o", out.toString(), "-c", "64",
                    "--epochs", "2", "--rank", "16,8,8,8,8,24", "-t", out == one ? "1" : "2");
            assertEquals(0, cli.exitCode(), cli.err());
            assertTrue(cli.err().contains("tokens to learn from; predictors select well after thousands"), cli.err());
        }
        for (int l = 0; l < 6; l++) {
            String name = "model_" + l + ".safetensors";
            assertArrayEquals(Files.readAllBytes(one.resolve(name)), Files.readAllBytes(two.resolve(name)), name);
        }
        assertEquals("{\"sparse_threshold\":0.0}\n", Files.readString(one.resolve("config.json")));
    }

    private static double ppl(Cli cli) {
        assertEquals(0, cli.exitCode(), cli.err());
        Matcher m = PPL.matcher(cli.out());
        assertTrue(m.find(), cli.out());
        return Double.parseDouble(m.group(1));
    }
}
