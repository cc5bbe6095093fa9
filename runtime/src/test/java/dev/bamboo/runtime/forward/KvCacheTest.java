package dev.bamboo.runtime.forward;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV cache's halves in f16: what they keep, and a value f16 cannot hold. */
class KvCacheTest {
    private static final int HEAD_DIM = 8, KV_HEADS = 2;

    @Test
    void f16RowsAreTheRoundedValuesInEachHeadsOwnRun() {
        try (ComputePool pool = new ComputePool(1)) {
            KvCache cache = new KvCache(2, 4, KV_HEADS, HEAD_DIM, new KvCacheTypes(CacheType.F16, CacheType.F32), pool);
            float[] k = new float[KV_HEADS * HEAD_DIM], v = new float[KV_HEADS * HEAD_DIM];
            for (int i = 0; i < k.length; i++) {
                k[i] = 1 + i / 3f;
                v[i] = -i / 7f;
            }
            cache.store(1, 3, k, v);
            for (int d = 0; d < HEAD_DIM; d++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(k[HEAD_DIM + d])), cache.keys().value(1, 1, 3, d), "key " + d);
                assertEquals(v[HEAD_DIM + d], cache.values().value(1, 1, 3, d), "value " + d);
            }
            assertTrue(cache.keys().value(1, 1, 3, 2) != k[HEAD_DIM + 2], "1 + 10/3f rounds");
        }
    }

    @Test
    void aValueBeyondF16IsAnErrorNamingTheOption() {
        try (ComputePool pool = new ComputePool(1)) {
            KvCache cache = new KvCache(3, 4, KV_HEADS, HEAD_DIM, new KvCacheTypes(CacheType.F32, CacheType.F16), pool);
            float[] k = new float[KV_HEADS * HEAD_DIM], v = new float[KV_HEADS * HEAD_DIM];
            v[5] = 70000f;
            BambooException e = assertThrows(BambooException.class, () -> cache.store(2, 1, k, v));
            assertEquals("layer 2 at position 1 computed 70000.0 for the KV cache, beyond f16's range (±65504); run with --cache-type-v f32", e.getMessage());
            v[5] = 65504f; // the largest f16 is kept
            cache.store(2, 1, k, v);
        }
    }
}
