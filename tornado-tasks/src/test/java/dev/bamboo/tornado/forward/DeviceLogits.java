package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs models through the engine with {@code --backend tornado} (the ServiceLoader path the CLI takes). */
final class DeviceLogits {
    private DeviceLogits() {}

    static EngineOptions tornado(SparsityMode mode, int context) {
        return EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(context).withBackend(BackendChoice.TORNADO, -1);
    }

    /** Logits at every position of {@code ids}, flattened. */
    static float[] all(Model model, int[] ids, SparsityMode mode) {
        try (Engine engine = model.engine(tornado(mode, 64))) {
            assertEquals(BackendChoice.TORNADO, engine.backend());
            return TestData.allLogits(engine.session(), ids);
        }
    }
}
