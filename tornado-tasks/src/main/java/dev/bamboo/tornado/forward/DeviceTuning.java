package dev.bamboo.tornado.forward;

import dev.bamboo.tornado.graph.Launch;

/**
 * Work-group sizes of the forward-pass kernels (each a power of two ≤ 256).
 *
 * @param rowLanes       lanes per matrix row (matvec, gate/up): they split the row's dot product
 * @param elementLanes   work-items per group of the one-item-per-work-item kernels (embedding, residual, KV store)
 * @param reduceLanes    lanes of the single-group kernels: RMSNorm, compaction, argmax
 * @param attentionBlock KV positions per flash-decoding block (the partial kernel's lanes)
 */
public record DeviceTuning(int rowLanes, int elementLanes, int reduceLanes, int attentionBlock) {

    public DeviceTuning {
        for (int lanes : new int[] {rowLanes, elementLanes, reduceLanes, attentionBlock}) Launch.single(lanes); // validates
    }

    public static DeviceTuning defaults() {
        return new DeviceTuning(64, 64, 256, 32);
    }
}
