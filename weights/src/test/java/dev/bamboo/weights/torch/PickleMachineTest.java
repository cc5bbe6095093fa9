package dev.bamboo.weights.torch;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.torch.PickleValues.Global;
import dev.bamboo.weights.torch.PickleValues.Opaque;
import dev.bamboo.weights.torch.PickleValues.Tuple;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class PickleMachineTest {

    /** Calls become opaque values; persistent ids are wrapped so the test can see them. */
    static final PickleMachine.Resolver RESOLVER = new PickleMachine.Resolver() {
        public Object persistentLoad(Object pid) { return List.of("pid", pid); }
        public Object call(Global f, Tuple args) { return new Opaque(f, args, null); }
    };

    static Object run(ByteArrayOutputStream b) {
        return PickleMachine.load(b.toByteArray(), "test.pkl", RESOLVER);
    }

    static void op(ByteArrayOutputStream b, int... bytes) {
        for (int x : bytes) b.write(x);
    }

    static void str(ByteArrayOutputStream b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        op(b, 0x8c, u.length);
        b.writeBytes(u);
    }

    @Test
    void decodesScalarsContainersAndMemo() {
        var b = new ByteArrayOutputStream();
        op(b, 0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0); // PROTO 4, FRAME
        op(b, 0x7d, 0x94); // EMPTY_DICT, MEMOIZE (0)
        op(b, 0x28); // MARK
        str(b, "ints"); op(b, 0x4b, 7, 0x4d, 0x34, 0x12, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x87); // (7, 0x1234, -1)
        str(b, "long1"); op(b, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1); // 2^64
        str(b, "neg"); op(b, 0x8a, 2, 0x00, 0xff); // -256
        str(b, "float"); op(b, 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0); // 1.5
        str(b, "flags"); op(b, 0x88, 0x89, 0x4e, 0x87); // (True, False, None)
        str(b, "list"); op(b, 0x5d, 0x71, 1, 0x4b, 1, 0x61, 0x28, 0x4b, 2, 0x4b, 3, 0x65); // [1, 2, 3], memo 1
        str(b, "again"); op(b, 0x68, 1); // the same list
        str(b, "set"); op(b, 0x8f, 0x28, 0x4b, 5, 0x4b, 5, 0x90); // {5}
        str(b, "global"); op(b, 0x63); b.writeBytes("torch\nFloatStorage\n".getBytes()); op(b, 0x29, 0x52); // FloatStorage()
        str(b, "persid"); str(b, "x"); op(b, 0x85, 0x51);
        op(b, 0x75, 0x2e); // SETITEMS, STOP
        @SuppressWarnings("unchecked") Map<Object, Object> d = (Map<Object, Object>) run(b);
        assertEquals(new Tuple(List.of(7L, 0x1234L, -1L)), d.get("ints"));
        assertEquals(BigInteger.ONE.shiftLeft(64), d.get("long1"));
        assertEquals(-256L, d.get("neg"));
        assertEquals(1.5, d.get("float"));
        assertEquals(new Tuple(java.util.Arrays.asList(true, false, null)), d.get("flags"));
        assertEquals(List.of(1L, 2L, 3L), d.get("list"));
        assertSame(d.get("list"), d.get("again"));
        assertEquals(Set.of(5L), d.get("set"));
        assertEquals(new Opaque(new Global("torch", "FloatStorage"), new Tuple(List.of()), null), d.get("global"));
        assertEquals(List.of("pid", new Tuple(List.of("x"))), d.get("persid"));
        assertEquals(List.of("ints", "long1", "neg", "float", "flags", "list", "again", "set", "global", "persid"), List.copyOf(d.keySet()));
    }

    @Test
    void malformedStreamsAreOneLineErrors() {
        int[][] cases = {
                {}, // empty
                {0x80, 2}, // no STOP
                {0x80, 2, 0x2e}, // STOP on an empty stack
                {0x80, 9, 0x4e, 0x2e}, // unknown protocol
                {0x80, 2, 0x30, 0x2e}, // POP on empty
                {0x80, 2, 0x68, 3, 0x2e}, // GET of an unset memo entry
                {0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e}, // 2 GB string in a 8-byte stream
                {0x80, 2, 0x4e, 0x4e, 0x73, 0x2e}, // SETITEM on None
                {0x80, 2, 0x7d, 0x5d, 0x4e, 0x73, 0x2e}, // list as a dict key
                {0x80, 2, 0x74, 0x2e}, // TUPLE without MARK
                {0x80, 2, 0x49, 0x2e}, // text INT opcode: not supported
                {0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0xff, 0x2e}, // 4 GB LONG4
        };
        for (int[] c : cases) {
            var b = new ByteArrayOutputStream();
            op(b, c);
            BambooException e = assertThrows(BambooException.class, () -> run(b), java.util.Arrays.toString(c));
            assertTrue(e.getMessage().startsWith("test.pkl "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }
}
