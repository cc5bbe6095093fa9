package dev.bamboo.tornado.graph;

import dev.bamboo.tornado.kernels.attention.FlashDecodeKernels;
import dev.bamboo.tornado.kernels.rope.RopeKernel;
import dev.bamboo.tornado.memory.AttentionScratch;
import dev.bamboo.weights.model.RopeLayout;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** RoPE and decode attention tasks; the token's position is {@code position[0]} on the device. */
public final class AttentionTasks {
    private AttentionTasks() {}

    /** Task {@code id}: rotates the q and k heads in place with the model's RoPE layout. */
    public static void rope(KernelPlan plan, String id, RopeLayout layout, FloatArray q, FloatArray k, IntArray position, FloatArray invFreq,
                            int heads, int kvHeads, int headDim, int lanes) {
        int code = switch (layout) {
            case ROTATE_HALF -> RopeKernel.ROTATE_HALF;
            case ADJACENT_PAIRS -> RopeKernel.ADJACENT_PAIRS;
        };
        plan.graph().task(id, RopeKernel::rope, plan.context(), q, k, position, invFreq, heads, kvHeads, headDim, code);
        plan.launch(id, Launch.covering((heads + kvHeads) * headDim / 2, lanes));
    }

    /**
     * Tasks {@code id_blocks} and {@code id_merge}: {@code out} = attention of {@code q} over the cache layer at
     * {@code layerOffset}, with {@code window} = 0 for full causal attention. See {@link FlashDecodeKernels}.
     */
    public static void decode(KernelPlan plan, String id, FloatArray q, FloatArray keyCache, FloatArray valueCache, IntArray position,
                              AttentionScratch scratch, FloatArray out, int kvHeads, int window, int layerOffset, int mergeLanes) {
        int heads = scratch.heads();
        int headDim = scratch.headDim();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        var ctx = plan.context();
        plan.graph().task(id + "_blocks", FlashDecodeKernels::partial, ctx, q, keyCache, valueCache, position,
                scratch.partialOut(), scratch.partialMax(), scratch.partialSum(), heads, kvHeads, headDim, window, layerOffset, scale);
        plan.launch(id + "_blocks", Launch.grid(scratch.maxBlocks(), heads, scratch.blockSize()));
        plan.graph().task(id + "_merge", FlashDecodeKernels::merge, ctx, scratch.partialOut(), scratch.partialMax(), scratch.partialSum(),
                position, out, headDim, scratch.blockSize(), scratch.maxBlocks(), window);
        plan.launch(id + "_merge", Launch.perGroup(heads, mergeLanes));
    }
}
