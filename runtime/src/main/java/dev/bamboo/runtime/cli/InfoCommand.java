package dev.bamboo.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.ModelSummary;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ParameterCount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code bamboo info}: what a model file is and how Bamboo will run it. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a model: architecture, sizes, types, FFN, sparsity support, tokenizer.")
final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelPathOption model;

    @Mixin PredictorOption predictor;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = Model.load(model.path(), predictor.value())) {
            ModelSummary s = ModelSummary.of(m);
            if (json) out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson(s)));
            else print(out, s);
        }
        return 0;
    }

    private static void print(PrintWriter out, ModelSummary s) {
        ModelConfig c = s.config();
        out.printf(Locale.ROOT, "model:          %s%n", s.path());
        out.printf(Locale.ROOT, "format:         %s, %s%n", s.format(), ByteSize.binary(s.fileBytes()));
        out.printf(Locale.ROOT, "architecture:   %s%n", c.architecture());
        out.printf(Locale.ROOT, "parameters:     %s (%,d)%s%n", ParameterCount.text(s.parameters()), s.parameters(),
                s.predictorParameters() > 0 ? String.format(Locale.ROOT, " + predictors %s", ParameterCount.text(s.predictorParameters())) : "");
        out.printf(Locale.ROOT, "dimensions:     hidden %d, ffn %d, layers %d, heads %d, kv heads %d, head dim %d, vocab %d%n",
                c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.vocabSize());
        out.printf(Locale.ROOT, "context:        %d%s%n", c.contextLength(), c.slidingWindow() > 0 ? ", sliding window " + c.slidingWindow() : "");
        out.printf(Locale.ROOT, "rope:           theta %s, %s%n", c.ropeTheta(), c.ropeLayout().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        out.printf(Locale.ROOT, "norm eps:       %s%n", c.rmsNormEps());
        out.printf(Locale.ROOT, "tensor types:   %s%n", s.tensorTypes().entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "output:         %s%n", c.tiedEmbeddings() ? "tied to the token embedding" : "separate");
        out.printf(Locale.ROOT, "ffn:            %s%s%n", c.ffn().label(), c.ffn().reluFamily() ? " (ReLU family: exact sparsity available)" : "");
        if (s.predictor().isPresent()) {
            ModelSummary.Predictor p = s.predictor().get();
            out.printf(Locale.ROOT, "predictor:      %s, ranks %s, threshold %s%n", p.source(), p.ranks(), p.threshold());
        } else {
            out.printf(Locale.ROOT, "predictor:      none%n");
        }
        out.printf(Locale.ROOT, "sparsity:       %s%n", c.ffn().reluFamily() ? (s.predictor().isPresent() ? "dense, exact, predicted (auto = predicted)" : "dense, exact (auto = exact)") : "dense only");
        out.printf(Locale.ROOT, "tokenizer:      %s, %d tokens, bos %d, eos %d, generation stops at %s%n", s.tokenizer(), s.tokenizerVocab(),
                c.bosToken(), c.eosToken(), s.stopTokens());
    }

    private static ObjectNode toJson(ModelSummary s) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        ModelConfig c = s.config();
        n.put("path", s.path());
        n.put("format", s.format());
        n.put("file_bytes", s.fileBytes());
        n.put("architecture", c.architecture());
        n.put("parameters", s.parameters());
        n.put("predictor_parameters", s.predictorParameters());
        n.put("vocab_size", c.vocabSize());
        n.put("hidden_size", c.hiddenSize());
        n.put("intermediate_size", c.intermediateSize());
        n.put("layers", c.layers());
        n.put("heads", c.heads());
        n.put("kv_heads", c.kvHeads());
        n.put("head_dim", c.headDim());
        n.put("context_length", c.contextLength());
        n.put("sliding_window", c.slidingWindow());
        n.put("rope_theta", c.ropeTheta());
        n.put("rope_layout", c.ropeLayout().name().toLowerCase(Locale.ROOT));
        n.put("rms_norm_eps", c.rmsNormEps());
        n.put("tied_embeddings", c.tiedEmbeddings());
        n.put("ffn_activation", c.ffn().label());
        n.put("relu_family", c.ffn().reluFamily());
        ObjectNode types = n.putObject("tensor_types");
        s.tensorTypes().forEach(types::put);
        ObjectNode pred = n.putObject("predictor");
        pred.put("present", s.predictor().isPresent());
        s.predictor().ifPresent(p -> {
            pred.put("source", p.source());
            pred.put("threshold", p.threshold());
            var ranks = pred.putArray("ranks");
            p.ranks().forEach(ranks::add);
        });
        ObjectNode tok = n.putObject("tokenizer");
        tok.put("kind", s.tokenizer());
        tok.put("vocab_size", s.tokenizerVocab());
        tok.put("bos", c.bosToken());
        tok.put("eos", c.eosToken());
        var stops = tok.putArray("stop_tokens");
        for (int id : s.stopTokens().ids()) stops.add(id);
        return n;
    }
}
