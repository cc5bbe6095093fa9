package dev.bamboo.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sampling from the command line as llama.cpp users expect it: a random seed said so it can be repeated, and llama.cpp's special values. */
class SamplingCliTest {
    private static final String DEMO = Cli.model("bamboo-demo").toString();

    @Test
    void aRandomSeedIsPrintedAndRepeatsTheText() {
        Cli random = Cli.run("generate", "-m", DEMO, "-p", "Permission is hereby granted,", "-n", "24", "--temp", "1.5", "-t", "1");
        assertEquals(0, random.exitCode(), random.err());
        Matcher m = Pattern.compile("bamboo: sampler seed: (\\d+)").matcher(random.err());
        assertTrue(m.find(), random.err());
        Cli again = Cli.run("generate", "-m", DEMO, "-p", "Permission is hereby granted,", "-n", "24", "--temp", "1.5", "-t", "1", "-s", m.group(1));
        assertEquals(random.out(), again.out());
        Cli greedy = Cli.run("generate", "-m", DEMO, "-p", "Permission is hereby granted,", "-n", "4", "--temp", "0", "-t", "1");
        assertFalse(greedy.err().contains("sampler seed"), "greedy decoding draws nothing: " + greedy.err());
    }

    @Test
    void llamaCppsSpecialValuesAreAccepted() {
        // -n -2: until the context is full (llama.cpp), the same as -1 here; top-k -1: off; top-p 0: the most likely token
        Cli untilFull = Cli.run("generate", "-m", DEMO, "-p", "Permission is hereby granted,", "-n", "-2", "-c", "32", "--ignore-eos",
                "--top-k", "-1", "--top-p", "0", "-s", "3", "-t", "1");
        assertEquals(0, untilFull.exitCode(), untilFull.err());
        assertTrue(untilFull.err().contains("the context of 32 tokens is full"), untilFull.err());
        Cli greedy = Cli.run("generate", "-m", DEMO, "-p", "Permission is hereby granted,", "-n", "-1", "-c", "32", "--ignore-eos", "--temp", "0", "-t", "1");
        assertEquals(greedy.out(), untilFull.out(), "top-p 0 keeps only the most likely token: greedy text");
    }
}
