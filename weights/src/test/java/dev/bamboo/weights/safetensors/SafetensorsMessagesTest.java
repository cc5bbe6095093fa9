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

/** Names read from a corrupt file cannot break the one-line error message: their control characters are shown escaped. */
class SafetensorsMessagesTest {
    @TempDir Path tmp;

    @Test
    void controlCharactersInATensorNameStayOnOneLine() throws IOException {
        String header = "{\"evil\\nname\\r\\u0007\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,1000]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path file = tmp.resolve("bad.safetensors");
        Files.write(file, b.array());
        BambooException e = assertThrows(BambooException.class, () -> SafetensorsFile.open(file).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("evil\\nname\\u000d\\u0007"), e.getMessage());
    }
}
