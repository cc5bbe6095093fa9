package dev.bamboo.weights.torch;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.torch.PickleValues.Global;
import dev.bamboo.weights.torch.PickleValues.Opaque;
import dev.bamboo.weights.torch.PickleValues.Tuple;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine for data only (protocols 2–5, the binary opcodes {@code torch.save} and friends emit).
 * It never imports or runs anything: {@code GLOBAL} yields a {@link Global} name, and {@code REDUCE},
 * {@code BINPERSID} and {@code NEWOBJ} are handed to a {@link Resolver} that builds the few values the caller
 * understands. Every length, count and depth is bounded by the input size or a fixed limit, so a corrupt
 * stream ends in a one-line {@link BambooException}, never in a huge allocation.
 */
final class PickleMachine {

    /** Turns the pickle's calls into values. */
    interface Resolver {
        /** {@code BINPERSID}: the object a persistent id stands for (for torch: a storage). */
        Object persistentLoad(Object pid);

        /** {@code REDUCE} / {@code NEWOBJ}: {@code callable(*args)}; unknown callables should return an {@link Opaque}. */
        Object call(Global callable, Tuple args);
    }

    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_MEMO = 1 << 20;
    private static final int MAX_MARKS = 1 << 16;
    private static final int MAX_LONG_BYTES = 64;

    private final byte[] in;
    private final String what;
    private final Resolver resolver;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleMachine(byte[] in, String what, Resolver resolver) {
        this.in = in;
        this.what = what;
        this.resolver = resolver;
    }

    /**
     * Runs the pickle in {@code data} to its {@code STOP} and returns the result.
     *
     * @param what names the stream in error messages, e.g. "model_0.pt: data.pkl"
     */
    static Object load(byte[] data, String what, Resolver resolver) {
        return new PickleMachine(data, what, resolver).run();
    }

    private Object run() {
        while (true) {
            if (pos >= in.length) throw corrupt("ends without a STOP opcode");
            int opAt = pos;
            int op = in[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw corrupt("has pickle protocol " + v + " (Bamboo reads 2 to 5)");
                }
                case 0x95 -> skip(8); // FRAME: a length hint only
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || markCount != 0) throw corrupt("stops with " + stack.size() + " values on the stack");
                    return stack.getFirst();
                }
                case 0x28 -> { // MARK
                    if (markCount == MAX_MARKS) throw corrupt("nests marks too deeply");
                    if (markCount == marks.length) marks = Arrays.copyOf(marks, markCount * 2);
                    marks[markCount++] = stack.size();
                }
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(peek()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4a -> push((long) i32()); // BININT
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) u16()); // BININT2
                case 0x8a -> push(longOf(u8())); // LONG1
                case 0x8b -> push(longOf(lengthU32(MAX_LONG_BYTES))); // LONG4
                case 0x47 -> push(Double.longBitsToDouble(bigEndianLong())); // BINFLOAT
                case 0x58 -> push(utf8(lengthU32(Integer.MAX_VALUE))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(lengthU64())); // BINUNICODE8
                case 0x54 -> push(latin1(lengthU32(Integer.MAX_VALUE))); // BINSTRING (Python 2 str)
                case 0x55 -> push(latin1(u8())); // SHORT_BINSTRING
                case 0x42 -> push(bytes(lengthU32(Integer.MAX_VALUE))); // BINBYTES
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(lengthU64())); // BINBYTES8, BYTEARRAY8
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x29 -> push(tuple(List.of())); // EMPTY_TUPLE
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x74 -> push(tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(popN(1))); // TUPLE1
                case 0x86 -> push(tuple(popN(2))); // TUPLE2
                case 0x87 -> push(tuple(popN(3))); // TUPLE3
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x64 -> { // DICT
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putPairs(d, popMark());
                    push(d);
                }
                case 0x91 -> { // FROZENSET
                    Set<Object> s = new LinkedHashSet<>();
                    for (Object item : popMark()) s.add(hashable(item, 0));
                    push(Collections.unmodifiableSet(s));
                }
                case 0x61 -> { // APPEND
                    Object v = pop();
                    listAt(peek()).add(v);
                }
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    listAt(peek()).addAll(items);
                }
                case 0x73 -> { // SETITEM
                    Object v = pop(), k = pop();
                    dictAt(peek()).put(hashable(k, 0), v);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> items = popMark();
                    putPairs(dictAt(peek()), items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    if (!(peek() instanceof LinkedHashSet<?>)) throw corrupt("adds items to a " + typeName(peek()) + " at byte " + opAt);
                    @SuppressWarnings("unchecked") Set<Object> s = (Set<Object>) peek();
                    for (Object item : items) s.add(hashable(item, 0));
                }
                case 0x63 -> push(new Global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw corrupt("has a STACK_GLOBAL without names at byte " + opAt);
                    push(new Global(m, n));
                }
                case 0x52 -> { // REDUCE
                    Object args = pop(), f = pop();
                    push(call(f, args, opAt));
                }
                case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
                    Object args = pop(), cls = pop();
                    push(call(cls, args, opAt));
                }
                case 0x92 -> { // NEWOBJ_EX: keyword arguments are kept with the opaque value
                    Object kwargs = pop(), args = pop(), cls = pop();
                    Object made = call(cls, args, opAt);
                    push(made instanceof Opaque o ? new Opaque(o.type(), tuple(List.of(args, kwargs)), null) : made);
                }
                case 0x62 -> { // BUILD: __setstate__; only opaque objects keep it, dict attributes (e.g. _metadata) are dropped
                    Object state = pop();
                    Object obj = pop();
                    push(obj instanceof Opaque o ? new Opaque(o.type(), o.args(), state) : obj);
                }
                case 0x51 -> push(resolver.persistentLoad(pop())); // BINPERSID
                case 0x71 -> memoPut(u8()); // BINPUT
                case 0x72 -> memoPut(Integer.toUnsignedLong(i32())); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 0x70 -> memoPut(decimal(line())); // PUT
                case 0x68 -> push(memoGet(u8())); // BINGET
                case 0x6a -> push(memoGet(Integer.toUnsignedLong(i32()))); // LONG_BINGET
                case 0x67 -> push(memoGet(decimal(line()))); // GET
                default -> throw corrupt(String.format("has opcode 0x%02x at byte %d, which a PyTorch state dict does not use", op, opAt));
            }
        }
    }

    private Object call(Object f, Object args, int at) {
        if (!(args instanceof Tuple t)) throw corrupt("calls with " + typeName(args) + " arguments at byte " + at);
        if (!(f instanceof Global g)) return new Opaque(null, t, null);
        return resolver.call(g, t);
    }

    private void putPairs(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) throw corrupt("has an odd number of dict items");
        for (int i = 0; i < items.size(); i += 2) d.put(hashable(items.get(i), 0), items.get(i + 1));
    }

    /**
     * Python only hashes immutable values; refusing anything else here also keeps Java's recursive
     * {@code hashCode} away from self-referencing lists a corrupt stream could build.
     */
    private Object hashable(Object o, int depth) {
        if (o == null || o instanceof String || o instanceof Long || o instanceof BigInteger || o instanceof Double
                || o instanceof Boolean || o instanceof Global) return o;
        if (o instanceof Tuple t && depth < 32) {
            for (Object item : t.items()) hashable(item, depth + 1);
            return o;
        }
        throw corrupt("uses a " + typeName(o) + " as a dict key or set member");
    }

    @SuppressWarnings("unchecked")
    private List<Object> listAt(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw corrupt("appends to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dictAt(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw corrupt("sets an item on a " + typeName(o));
    }

    private static Tuple tuple(List<Object> items) {
        return new Tuple(Collections.unmodifiableList(new ArrayList<>(items)));
    }

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw corrupt("grows its stack beyond " + MAX_STACK + " values");
        stack.add(o);
    }

    private Object pop() {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) throw corrupt("pops an empty stack at byte " + (pos - 1));
        return stack.removeLast();
    }

    private Object peek() {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) throw corrupt("reads an empty stack at byte " + (pos - 1));
        return stack.getLast();
    }

    private List<Object> popN(int n) {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() - floor < n) throw corrupt("pops an empty stack at byte " + (pos - 1));
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    private List<Object> popMark() {
        if (markCount == 0) throw corrupt("closes a mark that was never set at byte " + (pos - 1));
        int m = marks[--markCount];
        List<Object> top = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) throw corrupt("memoizes more than " + MAX_MEMO + " values");
        memo.put(index, peek());
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) throw corrupt("refers to memo entry " + index + ", which was never stored");
        return memo.get(index);
    }

    private void need(long n) {
        if (n < 0 || n > in.length - pos) throw corrupt("is truncated (needs " + n + " bytes at byte " + pos + " of " + in.length + ")");
    }

    private void skip(int n) {
        need(n);
        pos += n;
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8 | (in[pos + 2] & 0xFF) << 16 | (in[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long bigEndianLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (in[pos + i] & 0xFF);
        pos += 8;
        return v;
    }

    /** A 4-byte length, which must fit in the rest of the stream and under {@code max}. */
    private int lengthU32(int max) {
        long n = Integer.toUnsignedLong(i32());
        if (n > max) throw corrupt("has a " + n + "-byte value where at most " + max + " make sense");
        need(n);
        return (int) n;
    }

    private int lengthU64() {
        need(8);
        long n = 0;
        for (int i = 7; i >= 0; i--) n = n << 8 | (in[pos + i] & 0xFF);
        pos += 8;
        need(n);
        return (int) n;
    }

    private Object longOf(int n) {
        if (n > MAX_LONG_BYTES) throw corrupt("has a " + n + "-byte integer");
        need(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = in[pos + n - 1 - i]; // pickle stores two's complement little-endian
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String latin1(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    /** A newline-terminated ASCII argument (GLOBAL, GET, PUT). */
    private String line() {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') {
            if (pos - start > 4096) throw corrupt("has an over-long text argument at byte " + start);
            pos++;
        }
        if (pos >= in.length) throw corrupt("is truncated inside a text argument at byte " + start);
        String s = new String(in, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private long decimal(String s) {
        try {
            long v = Long.parseLong(s.strip());
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw corrupt("has a bad memo index '" + s + "'");
        }
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o instanceof Tuple ? "tuple" : o.getClass().getSimpleName();
    }

    private BambooException corrupt(String problem) {
        return new BambooException(what + " " + problem + "; the file is corrupt or not a PyTorch checkpoint, save or download it again");
    }
}
