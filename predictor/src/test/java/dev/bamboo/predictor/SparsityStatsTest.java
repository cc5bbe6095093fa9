package dev.bamboo.predictor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SparsityStatsTest {

    @Test
    void poolsCountsOverTokensAndAgreesBetweenMaskAndList() {
        SparsityStats s = new SparsityStats(2, 10);
        // token 1 of layer 0: true {1,2,3,4}, predicted {2,3,5} -> 2 hits
        s.record(0, new int[]{1, 2, 3, 4, 99}, 4, new int[]{2, 3, 5, 0}, 3);
        // token 2 of layer 0 as a mask: true {0, 7}, predicted {7, 8} (unordered) -> 1 hit
        boolean[] mask = new boolean[10];
        mask[0] = mask[7] = true;
        s.record(0, mask, new int[]{8, 7}, 2);
        LayerSparsity l0 = s.layer(0);
        assertEquals(0, l0.layer());
        assertEquals(2, l0.tokens());
        assertEquals(6 / 20.0, l0.trueActive(), 1e-12);
        assertEquals(5 / 20.0, l0.predictedActive(), 1e-12);
        assertEquals(3 / 6.0, l0.recall(), 1e-12);

        LayerSparsity l1 = s.layer(1);
        assertEquals(0, l1.tokens());
        assertTrue(Double.isNaN(l1.recall()) && Double.isNaN(l1.trueActive()));

        // layer 1: nothing truly active -> recall stays undefined, fractions are defined
        s.record(1, new boolean[10], new int[]{4}, 1);
        assertEquals(0.0, s.layer(1).trueActive());
        assertEquals(0.1, s.layer(1).predictedActive(), 1e-12);
        assertTrue(Double.isNaN(s.layer(1).recall()));

        LayerSparsity all = s.overall();
        assertEquals(-1, all.layer());
        assertEquals(3, all.tokens());
        assertEquals(6 / 30.0, all.trueActive(), 1e-12);
        assertEquals(6 / 30.0, all.predictedActive(), 1e-12);
        assertEquals(0.5, all.recall(), 1e-12);

        String table = s.table();
        assertTrue(table.contains("30.00%") && table.contains("25.00%") && table.contains("50.00%"), table);
        assertEquals(4, table.lines().count(), table);
        assertTrue(table.lines().skip(2).findFirst().orElseThrow().contains("-"), table);

        assertEquals(2, s.perLayer().size());
        s.reset();
        assertEquals(0, s.overall().tokens());
    }

    @Test
    void perfectPredictorHasRecallOne() {
        SparsityStats s = new SparsityStats(1, 4);
        s.record(0, new int[]{0, 3}, 2, new int[]{0, 1, 3}, 3);
        assertEquals(1.0, s.layer(0).recall());
        assertEquals(0.5, s.layer(0).trueActive());
        assertEquals(0.75, s.layer(0).predictedActive());
    }

    @Test
    void computedCountsAloneLeaveTheTruthUndefined() {
        SparsityStats s = new SparsityStats(1, 10);
        s.recordComputed(0, 3);
        s.recordComputed(0, 5);
        assertEquals(0.4, s.layer(0).predictedActive(), 1e-12);
        assertTrue(Double.isNaN(s.layer(0).trueActive()) && Double.isNaN(s.layer(0).recall()));
        assertEquals(2, s.layer(0).tokens());
        // a measured token adds its truth; the true share is over the measured tokens only
        s.record(0, new int[]{1, 2}, 2, new int[]{1, 7}, 2);
        assertEquals(0.2, s.layer(0).trueActive(), 1e-12);
        assertEquals(0.5, s.layer(0).recall(), 1e-12);
        assertEquals(10.0 / 30, s.overall().predictedActive(), 1e-12);
        s.reset();
        assertTrue(Double.isNaN(s.layer(0).predictedActive()));
    }

    @Test
    void precisionIsTheShareOfSelectedNeuronsTrulyActive() {
        assertEquals(0.8, new LayerSparsity(0, 0.5, 0.25, 0.4, 10).precision(), 1e-12);
        assertEquals(0.0, new LayerSparsity(0, 0.0, 0.25, Double.NaN, 10).precision());
        assertTrue(Double.isNaN(new LayerSparsity(0, 0.5, 0.0, 0.0, 10).precision()), "nothing selected");
        assertTrue(Double.isNaN(new LayerSparsity(0, Double.NaN, 0.25, Double.NaN, 10).precision()), "truth not measured");
    }
}
