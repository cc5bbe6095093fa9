package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code bamboo tokenize}: the token ids of a text (no BOS/EOS unless {@code --bos}). */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;

    @Mixin PromptOptions prompt;

    @Option(names = "--json", description = "one JSON array of ids")
    boolean json;

    @Option(names = "--bos", description = "start with the BOS token")
    boolean bos;

    @Override
    public Integer call() {
        String text = prompt.text();
        // tokenizing runs no engine, but a wrong -t, -c or --sparsity is still refused, as generate would refuse it
        var engineOptions = model.engineOptions();
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = model.load()) {
            engineOptions.resolveContext(m.config());
            engineOptions.sparsity().resolve(m.weights());
            Tokenizer tok = m.tokenizer();
            int[] ids = tok.encode(text);
            if (bos) ids = Model.withBos(ids, tok.bos());
            if (json) {
                StringJoiner j = new StringJoiner(",", "[", "]");
                for (int id : ids) j.add(Integer.toString(id));
                out.println(j);
            } else {
                for (int id : ids) out.printf("%6d -> '%s'%n", id, tok.piece(id));
            }
        }
        return 0;
    }
}
