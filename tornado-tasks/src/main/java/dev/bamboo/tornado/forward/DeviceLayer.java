package dev.bamboo.tornado.forward;

import dev.bamboo.tornado.memory.DeviceMatrix;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * One transformer block's weights in kernel form. Exactly one of {@code down} ({@code [hidden, ffn]}) and
 * {@code downT} ({@code [ffn, hidden]}) is present: the one the FFN plan reads. {@code fc1}/{@code fc2} (the
 * activation predictor) only in predicted mode.
 */
public record DeviceLayer(FloatArray attnNorm, DeviceMatrix wq, DeviceMatrix wk, DeviceMatrix wv, DeviceMatrix wo, FloatArray ffnNorm,
                          DeviceMatrix gate, DeviceMatrix up, DeviceMatrix down, DeviceMatrix downT, DeviceMatrix fc1, DeviceMatrix fc2) {

    /** The weight arrays, for {@code transferToDevice(FIRST_EXECUTION, ...)}. */
    public Object[] arrays() {
        java.util.List<Object> all = new java.util.ArrayList<>(java.util.List.of(attnNorm, wq.array(), wk.array(), wv.array(), wo.array(), ffnNorm,
                gate.array(), up.array()));
        if (down != null) all.add(down.array());
        if (downT != null) all.add(downT.array());
        if (fc1 != null) {
            all.add(fc1.array());
            all.add(fc2.array());
        }
        return all.toArray();
    }

    /** Bytes these weights take on the device. */
    public long bytes() {
        long sum = 0;
        for (Object a : arrays()) sum += DeviceWeights.bytesOf(a);
        return sum;
    }
}
