package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.CacheType;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode roofline's byte count, against the model's own parameter count and its files. */
class WeightTrafficTest {

    @Test
    void denseStepReadsEveryWeightButTheEmbeddingTable() {
        try (Model model = Model.load(TestData.model("bamboo-demo"))) {
            ModelConfig c = model.config();
            WeightTraffic traffic = WeightTraffic.of(model.weights());
            long params = ModelFacts.of(model).params(); // the language model's weights, a tied embedding once
            long embedding = (long) c.vocabSize() * c.hiddenSize();
            // bf16: two bytes per weight; the embedding table is read one row per token, a tied output reads all of it
            long expected = 2 * (c.tiedEmbeddings() ? params + c.hiddenSize() : params - embedding + c.hiddenSize());
            assertEquals(expected, traffic.perToken(SparsityMode.DENSE, 1.0), 0.0);
            assertEquals(traffic.perToken(SparsityMode.DENSE, 1.0), traffic.perToken(SparsityMode.EXACT, 1.0), 0.0);
            // the demo's predictors: fc1 [rank, hidden] and fc2 [ffn, rank] per layer
            assertTrue(traffic.predictor() > 0);
            assertEquals(traffic.fixed() + traffic.predictor(), traffic.perToken(SparsityMode.PREDICTED, 0.0), 0.0);
            assertEquals(traffic.fixed() + traffic.gate(), traffic.perToken(SparsityMode.EXACT, 0.0), 0.0);
            assertEquals(4L * c.layers() * c.intermediateSize() * c.hiddenSize(), traffic.upDown()); // up and down, bf16
            assertTrue(traffic.perToken(SparsityMode.PREDICTED, 0.15) < traffic.perToken(SparsityMode.DENSE, 1.0));
            assertThrows(IllegalArgumentException.class, () -> traffic.perToken(SparsityMode.AUTO, 1.0));
            // a cached position: keys and values of every layer, 4 bytes each in f32, 2 in f16
            assertEquals(8L * c.layers() * c.kvDim(), traffic.cachePerPosition(KvCacheTypes.F32));
            assertEquals(4L * c.layers() * c.kvDim(), traffic.cachePerPosition(new KvCacheTypes(CacheType.F16, CacheType.F16)));
            assertEquals(6L * c.layers() * c.kvDim(), traffic.cachePerPosition(new KvCacheTypes(CacheType.F16, CacheType.F32)));
            // a decode step of 4 tokens after 10 cached positions reads on average 10 + 2.5 positions
            assertEquals(12.5 * 4 * c.layers() * c.kvDim(), traffic.cachePerToken(10, 4, new KvCacheTypes(CacheType.F16, CacheType.F16)), 0.0);
        }
    }

    @Test
    void quantizedWeightsCountTheirFileBytes() {
        try (Model model = Model.load(TestData.gguf("tiny-bamboo.q4_0.powerinfer.gguf"))) {
            ModelConfig c = model.config();
            WeightTraffic traffic = WeightTraffic.of(model.weights());
            // Q4_0 gate: 18 bytes per block of 32 weights
            assertEquals((long) c.layers() * c.intermediateSize() * c.hiddenSize() / 32 * 18, traffic.gate());
        }
    }
}
