package dev.bamboo.runtime.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One result as llama-bench's machine-readable fields (plus backend, sparsity and the active fractions), in order. */
final class ResultFields {
    static final List<String> NAMES = List.of("model_filename", "model_type", "model_size", "model_n_params", "backend", "n_batch",
            "n_threads", "type_k", "type_v", "sparsity", "active_fraction", "true_active_fraction", "active_precision", "active_recall", "n_prompt", "n_gen", "n_depth", "test_time",
            "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts");

    private ResultFields() {}

    /** Field values: numbers stay numbers, NaN becomes null, samples are lists. */
    static Map<String, Object> of(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_filename", r.model().filename());
        m.put("model_type", r.model().type());
        m.put("model_size", r.model().sizeBytes());
        m.put("model_n_params", r.model().params());
        m.put("backend", r.backend());
        m.put("n_batch", r.promptBatch());
        m.put("n_threads", r.threads());
        m.put("type_k", r.cache().keys().label());
        m.put("type_v", r.cache().values().label());
        m.put("sparsity", r.sparsity());
        m.put("active_fraction", finite(r.activeFraction()));
        m.put("true_active_fraction", finite(r.trueActiveFraction()));
        m.put("active_precision", finite(r.precision()));
        m.put("active_recall", finite(r.recall()));
        m.put("n_prompt", r.test().nPrompt());
        m.put("n_gen", r.test().nGen());
        m.put("n_depth", r.test().depth());
        m.put("test_time", r.testTime());
        m.put("avg_ns", Math.round(r.avgNs()));
        m.put("stddev_ns", Math.round(r.stddevNs()));
        m.put("avg_ts", r.avgTs());
        m.put("stddev_ts", r.stddevTs());
        m.put("samples_ns", r.samplesNs());
        m.put("samples_ts", Arrays.stream(r.samplesTs()).boxed().toList());
        return m;
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
