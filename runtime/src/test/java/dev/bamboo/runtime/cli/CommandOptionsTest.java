package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.TestData;
import dev.bamboo.weights.BambooException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options every command lists behave the same in each. */
class CommandOptionsTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = BambooCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"generate", "chat", "info", "tokenize", "logits", "bench", "synth", "devices"})
    void everyCommandPrintsTheVersion(String command) {
        Run r = run(command, "-V");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("bamboo "), command + " -V printed '" + r.out() + "'");
    }

    /** tokenize runs no engine, but refuses a context the model cannot hold, as generate does. */
    @Test
    void tokenizeRefusesAContextLargerThanTheModels() {
        Run r = run("tokenize", "-m", TestData.model("bamboo-demo").toString(), "-p", "hi", "-c", "99999");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("-c 99999 is larger than the model's context"), r.err());
    }

    /** With no -m, a $BAMBOO_MODEL that points nowhere is named as the variable, not as a path the user never typed. */
    @Test
    void aMissingBambooModelNamesTheVariable() {
        BambooException e = assertThrows(BambooException.class, () -> DefaultModel.path("/no/such/model.gguf"));
        assertTrue(e.getMessage().startsWith("BAMBOO_MODEL=/no/such/model.gguf: no such file"), e.getMessage());
        assertEquals(TestData.model("bamboo-demo").toString(), DefaultModel.path(TestData.model("bamboo-demo").toString()).toString());
    }
}
