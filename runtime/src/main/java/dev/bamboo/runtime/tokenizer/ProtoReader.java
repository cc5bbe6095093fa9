package dev.bamboo.runtime.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Just enough of the protobuf wire format to read a SentencePiece model: varints, fixed32, length-delimited fields. */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** The bytes are not a well-formed protobuf message. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    private final byte[] data;
    private int pos;
    private final int limit;
    private int tag;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int offset, int limit) {
        this.data = data;
        this.pos = offset;
        this.limit = limit;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() throws MalformedException {
        if (pos >= limit) {
            return false;
        }
        long t = readVarint();
        if (t >>> 32 != 0 || (t >>> 3) == 0) {
            throw new MalformedException("bad field tag " + t + " at byte " + pos);
        }
        tag = (int) t;
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() throws MalformedException {
        expect(VARINT);
        return readVarint();
    }

    boolean bool() throws MalformedException {
        return varint() != 0;
    }

    float fixed32Float() throws MalformedException {
        expect(FIXED32);
        require(4);
        float f = ByteBuffer.wrap(data, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        pos += 4;
        return f;
    }

    /** The nested message of a length-delimited field. */
    ProtoReader message() throws MalformedException {
        int len = length();
        ProtoReader nested = new ProtoReader(data, pos, pos + len);
        pos += len;
        return nested;
    }

    String string() throws MalformedException {
        int len = length();
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw new MalformedException("a string field at byte " + pos + " is not UTF-8");
        }
    }

    int bytesLength() throws MalformedException {
        int len = length();
        pos += len;
        return len;
    }

    void skip() throws MalformedException {
        switch (wireType()) {
            case VARINT -> readVarint();
            case FIXED64 -> { require(8); pos += 8; }
            case LENGTH_DELIMITED -> bytesLength();
            case FIXED32 -> { require(4); pos += 4; }
            default -> throw new MalformedException("unsupported wire type " + wireType() + " at byte " + pos);
        }
    }

    private int length() throws MalformedException {
        expect(LENGTH_DELIMITED);
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw new MalformedException("field length " + len + " at byte " + pos + " runs past the end of its message");
        }
        return (int) len;
    }

    private void expect(int wireType) throws MalformedException {
        if (wireType() != wireType) {
            throw new MalformedException("field " + field() + " has wire type " + wireType() + ", expected " + wireType);
        }
    }

    private void require(int n) throws MalformedException {
        if (limit - pos < n) {
            throw new MalformedException("message ends in the middle of a field at byte " + pos);
        }
    }

    private long readVarint() throws MalformedException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            require(1);
            int b = data[pos++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if (b < 0x80) {
                return result;
            }
        }
        throw new MalformedException("varint longer than 10 bytes at byte " + pos);
    }
}
