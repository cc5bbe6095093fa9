package dev.bamboo.runtime.training;

import dev.bamboo.predictor.training.TrainingOptions;
import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PredictorTrainingChunksTest {
    @Test
    void chunksStartWithBosAndTakeEveryTokenOnce() {
        int[] text = {10, 11, 12, 13, 14, 15, 16};
        List<int[]> withBos = PredictorTraining.chunks(text, 3, OptionalInt.of(1));
        assertEquals(4, withBos.size());
        assertArrayEquals(new int[] {1, 10, 11}, withBos.get(0));
        assertArrayEquals(new int[] {1, 12, 13}, withBos.get(1));
        assertArrayEquals(new int[] {1, 16}, withBos.get(3), "the last chunk may be shorter");
        List<int[]> without = PredictorTraining.chunks(text, 3, OptionalInt.empty());
        assertEquals(3, without.size());
        assertArrayEquals(new int[] {13, 14, 15}, without.get(1));
        assertArrayEquals(new int[] {16}, without.get(2));
    }

    @Test
    void heldOutChunksAreAtLeastOneAndNeverAll() {
        assertEquals(0, PredictorTraining.heldOut(1, 0));
        assertEquals(4, PredictorTraining.heldOut(44, 0.1));
        assertEquals(1, PredictorTraining.heldOut(3, 0.1));
        assertEquals(1, PredictorTraining.heldOut(2, 0.9));
        assertEquals(9, PredictorTraining.heldOut(10, 0.95));
        assertThrows(BambooException.class, () -> PredictorTraining.heldOut(1, 0.1));
        assertThrows(BambooException.class, () -> new PredictorTraining.Options(1, 0.1, new int[] {4}, TrainingOptions.DEFAULTS));
        assertThrows(BambooException.class, () -> new PredictorTraining.Options(64, 1.0, new int[] {4}, TrainingOptions.DEFAULTS));
    }
}
