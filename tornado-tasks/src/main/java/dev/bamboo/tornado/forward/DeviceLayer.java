package dev.bamboo.tornado.forward;

import dev.bamboo.tornado.memory.DeviceMatrix;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One transformer block's weights in kernel form. Exactly one of {@code down} ({@code [hidden, ffn]}) and
 * {@code downT} ({@code [ffn, hidden]}) is present: the one the FFN plan reads. {@code fc1}/{@code fc2} (the
 * activation predictor) only in predicted mode.
 */
public record DeviceLayer(FloatArray attnNorm, DeviceMatrix wq, DeviceMatrix wk, DeviceMatrix wv, DeviceMatrix wo, FloatArray ffnNorm,
                          DeviceMatrix gate, DeviceMatrix up, DeviceMatrix down, DeviceMatrix downT, DeviceMatrix fc1, DeviceMatrix fc2) {

    /** The matrices present. */
    List<DeviceMatrix> matrices() {
        return Stream.of(wq, wk, wv, wo, gate, up, down, downT, fc1, fc2).filter(m -> m != null).toList();
    }

    /** The weight arrays (placeholders included), for {@code transferToDevice(FIRST_EXECUTION, ...)}. */
    public Object[] arrays() {
        List<Object> all = new ArrayList<>(List.of(attnNorm, ffnNorm));
        for (DeviceMatrix m : matrices()) all.addAll(List.of(m.arrays()));
        return all.toArray();
    }

    /** Bytes these weights take on the device. */
    public long bytes() {
        long sum = DeviceWeights.bytesOf(attnNorm) + DeviceWeights.bytesOf(ffnNorm);
        for (DeviceMatrix m : matrices()) sum += DeviceWeights.bytesOf(m.array());
        return sum;
    }
}
