package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.chat.ChatReply;
import dev.bamboo.runtime.chat.ChatSession;
import dev.bamboo.runtime.chat.ChatTemplate;
import dev.bamboo.runtime.chat.ChatTemplates;
import dev.bamboo.runtime.chat.MessageTooLongException;
import dev.bamboo.runtime.generate.ContextLimit;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;
import dev.bamboo.weights.BambooException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code bamboo chat}: an interactive conversation on stdin/stdout. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model: type a message, get a reply; an empty line or /exit ends the chat.")
final class ChatCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;
    @Mixin SamplingFlags sampling;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "chatml, llama2, mistral, mistral-v3, vicuna, vicuna-lines, vicuna-orca or zephyr (default: recognised from the model, else chatml)")
    String templateName;

    @Option(names = "--system", paramLabel = "TEXT", description = "system prompt")
    String system;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "256", description = "most tokens per reply; -1 (or -2) = until the end of the reply or of the context (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GenerationOptions options = new GenerationOptions(maxTokens, sampling.options(), false, true);
        if (templateName != null) ChatTemplates.byName(templateName); // a wrong name fails before the model loads
        try (Model m = model.load();
             TextGenerator gen = m.textGenerator(model.engineOptions())) {
            model.reportBackend(gen.engine());
            ChatTemplate template = chooseTemplate(m, err);
            ChatSession chat = new ChatSession(m, gen, template, ArgumentText.decoded("--system", system));
            SamplingFlags.reportSeed(options.sampling(), err);
            Interrupt interrupt = Interrupt.install();
            // a decoder that reports bytes that are not UTF-8, where InputStreamReader's charset would make them U+FFFD
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8.newDecoder()));
            int refused = 0;
            while (true) {
                err.print("> ");
                err.flush();
                String line;
                try {
                    line = in.readLine();
                } catch (CharacterCodingException e) {
                    err.println(); // after the "> " prompt
                    throw new BambooException("the message is not UTF-8 text (it would reach the model as U+FFFD); type or pipe UTF-8, e.g. converted with iconv");
                }
                if (line == null) {
                    err.println(); // end of input (Ctrl-D) leaves no line break after the prompt; the shell's goes on a line of its own
                    err.flush();
                    break;
                }
                if (line.isBlank() || line.strip().equals("/exit")) break;
                ChatReply reply;
                interrupt.generationStarts();
                try {
                    reply = chat.send(line, options, interrupt::requested, t -> {
                        out.print(t);
                        out.flush();
                    });
                } catch (MessageTooLongException e) {
                    err.println("error: " + e.getMessage());
                    refused++;
                    continue;
                } finally {
                    interrupt.generationEnds();
                }
                out.println();
                out.flush();
                if (!reply.sent()) {
                    err.println("bamboo: interrupted before the message had run; it was not sent");
                    continue;
                }
                ContextLimit limit = m.contextLimit(gen.engine().session().contextLength());
                int context = limit.context();
                boolean canGrow = limit.canGrow();
                if (reply.forgottenMessages() > 0) {
                    err.println("bamboo: to fit the context of " + context + " tokens, this reply left out the conversation's oldest "
                            + reply.forgottenMessages() + " messages" + (canGrow ? " (a larger -c keeps more)" : ""));
                }
                if (reply.stats().stopReason() == GenerationStats.StopReason.CONTEXT_FULL) {
                    err.println("bamboo: the reply stopped at the end of the context (" + context + " tokens"
                            + (canGrow ? "; a larger -c allows longer replies)" : ")"));
                }
            }
            // the chat goes on past a refused message, but a script feeding it must learn that a message got no reply
            return refused == 0 ? 0 : 1;
        }
    }

    private ChatTemplate chooseTemplate(Model m, PrintWriter err) {
        if (templateName != null) return ChatTemplates.byName(templateName);
        Optional<ChatTemplate> detected = ChatTemplates.shippedWith(m);
        if (detected.isPresent()) return detected.get();
        err.println("bamboo: the model names no chat template Bamboo recognises; using chatml (choose one with --chat-template)");
        return ChatTemplates.byName("chatml");
    }
}
