package dev.bamboo.weights.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParameterCountTest {
    @Test
    void textKeepsTwoDecimalsLabelRoundsAsModelNamesDo() {
        assertEquals("7.24 B", ParameterCount.text(7_241_732_096L));
        assertEquals("7B", ParameterCount.label(7_241_732_096L));
        assertEquals("5.82 M", ParameterCount.text(5_820_000));
        assertEquals("6M", ParameterCount.label(5_820_000));
        assertEquals("3.1 K", ParameterCount.text(3_100));
        assertEquals("1K", ParameterCount.label(12));
    }
}
