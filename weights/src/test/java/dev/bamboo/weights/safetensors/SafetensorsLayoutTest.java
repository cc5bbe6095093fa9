package dev.bamboo.weights.safetensors;

import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tensors must fill the data section back to back, as the format's reference library requires. */
class SafetensorsLayoutTest {
    @TempDir Path tmp;

    private static final String TWO = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";

    @Test
    void tensorsBackToBackInAnyHeaderOrderLoad() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(write(TWO, 24, 0))) {
            assertEquals(2, f.entries().size());
        }
    }

    @Test
    void aGapBetweenTensorsIsRefused() throws IOException {
        String gap = TWO.replace("[16,24]", "[20,28]");
        String message = error(write(gap, 28, 0));
        assertTrue(message.contains("tensor b starts at data byte 20 where a ends at 16"), message);
    }

    @Test
    void dataPastTheLastTensorIsRefused() throws IOException {
        String message = error(write(TWO, 32, 0));
        assertTrue(message.contains("end at data byte 24 but the data section holds 32"), message);
    }

    /** A header length two short, its JSON still valid (it ends in padding spaces): every tensor would read 2 bytes off. */
    @Test
    void aCorruptHeaderLengthIsRefused() throws IOException {
        String message = error(write(TWO + "  ", 24, -2));
        assertTrue(message.contains("end at data byte 24 but the data section holds 26"), message);
    }

    /**
     * The header is read as the safetensors library reads it: text after the JSON object, a fractional dimension and
     * offsets given as strings are corrupt, not trimmed, truncated or converted.
     */
    @Test
    void aHeaderThatIsNotStrictlyTheFormatIsRefused() throws IOException {
        String trailing = error(write(TWO + "{\"x\":1}", 24, 0));
        assertTrue(trailing.contains("not valid JSON"), trailing);
        String fraction = error(write(TWO.replace("\"shape\":[4]", "\"shape\":[4.5]"), 24, 0));
        assertTrue(fraction.contains("tensor a has an invalid shape [4.5]"), fraction);
        String strings = error(write(TWO.replace("[0,16]", "[\"0\",\"16\"]"), 24, 0));
        assertTrue(strings.contains("tensor a has data offsets [\"0\",\"16\"] that are not integers"), strings);
    }

    private Path write(String header, int dataBytes, int lengthError) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length + lengthError).put(h);
        Path file = tmp.resolve("t.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static String error(Path file) {
        BambooException e = assertThrows(BambooException.class, () -> SafetensorsFile.open(file).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }
}
