package dev.bamboo.weights.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ByteSizeTest {
    @Test
    void binaryUnitsChangeAtEachPowerOf1024() {
        assertEquals("1023.0 KiB", ByteSize.binary((1L << 20) - 1024));
        assertEquals("1.00 MiB", ByteSize.binary(1L << 20));
        assertEquals("1024.00 MiB", ByteSize.binary((1L << 30) - 1));
        assertEquals("4.11 GiB", ByteSize.binary(4_413_000_000L));
    }

    @Test
    void decimalUnitsMatchRatesInGBPerSecond() {
        assertEquals("52.30 MB", ByteSize.decimal(52_300_000));
        assertEquals("3.86 GB", ByteSize.decimal(3_860_000_000.0));
    }
}
