package dev.bamboo.weights.torch;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.MappedFile;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import dev.bamboo.weights.torch.PickleValues.Global;
import dev.bamboo.weights.torch.PickleValues.Opaque;
import dev.bamboo.weights.torch.PickleValues.Tuple;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PyTorch checkpoint written by {@code torch.save} (the zip format of PyTorch 1.6 and later) holding a state dict:
 * {@code <archive>/data.pkl} describes the tensors, {@code <archive>/data/<key>} holds each storage's raw
 * little-endian bytes. No Python is involved: the pickle is interpreted by {@link PickleMachine}, which only
 * understands the handful of torch and collections callables a state dict uses.
 *
 * <p>Tensors are zero-copy views of the memory-mapped file and stay valid until {@link #close()}.
 * Nested dicts are flattened with dots ({@code {"model": {"w": t}}} → {@code model.w}); non-tensor values are skipped.
 */
public final class TorchFile implements AutoCloseable {
    /** State-dict pickles take about a hundred bytes per tensor; anything near this is not one. */
    private static final long MAX_PICKLE = 64L << 20;
    private static final int MAX_DIMS = 64;
    private static final int MAX_NESTING = 16;
    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /** What a persistent id stands for: one storage of {@code numel} elements of {@code dtype}. */
    private record StorageRef(String key, TorchDType dtype, long numel) {}

    /** What {@code _rebuild_tensor_v2} returns. */
    private record TensorRef(StorageRef storage, long offset, long[] shape, long[] strides) {}

    private final MappedFile file;
    private final Map<String, TorchTensorInfo> entries;
    private final Map<String, MemorySegment> storages;

    private TorchFile(MappedFile file, Map<String, TorchTensorInfo> entries, Map<String, MemorySegment> storages) {
        this.file = file;
        this.entries = entries;
        this.storages = storages;
    }

    public static TorchFile open(Path path) {
        MappedFile file = MappedFile.open(path);
        try {
            return parse(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static TorchFile parse(MappedFile file) {
        String fname = file.path().getFileName().toString();
        if (!ZipArchive.looksLikeZip(file)) {
            boolean legacy = file.size() >= 2 && file.segment().get(ValueLayout.JAVA_BYTE, 0) == (byte) 0x80;
            throw new BambooException(fname + (legacy
                    ? ": a legacy (pre-1.6) PyTorch checkpoint; re-save it with a current torch.save or convert it to safetensors"
                    : ": not a PyTorch checkpoint (no zip header); the file is corrupt or of another format"));
        }
        ZipArchive zip = ZipArchive.read(file);
        String prefix = archivePrefix(fname, zip);
        checkByteOrder(fname, zip, prefix);
        ZipArchive.Entry pkl = zip.entries().get(prefix + "data.pkl");
        if (pkl.size() > MAX_PICKLE) {
            throw new BambooException(fname + ": data.pkl is " + pkl.size() + " bytes, too large for a state dict; the file is corrupt");
        }
        byte[] pickle = zip.bytes(pkl).toArray(ValueLayout.JAVA_BYTE);
        String what = fname + ": data.pkl";
        Object root = PickleMachine.load(pickle, what, new StateDictResolver(what));
        if (!(root instanceof Map<?, ?> dict)) {
            throw new BambooException(fname + " holds a " + describe(root) + ", not a state dict; save model.state_dict() (a dict of tensors) instead of the module");
        }
        Map<String, TensorRef> refs = new LinkedHashMap<>();
        flatten(fname, "", dict, refs, 0);

        Map<String, MemorySegment> storages = new HashMap<>();
        Map<String, TorchTensorInfo> entries = new LinkedHashMap<>();
        for (var e : refs.entrySet()) {
            TensorRef t = e.getValue();
            StorageRef s = t.storage();
            MemorySegment bytes = storages.get(s.key());
            if (bytes == null) {
                ZipArchive.Entry se = zip.entries().get(prefix + "data/" + s.key());
                if (se == null) {
                    throw new BambooException(fname + ": tensor " + e.getKey() + " refers to storage data/" + s.key() + ", which the archive lacks; the file is truncated or corrupt");
                }
                bytes = zip.bytes(se);
                storages.put(s.key(), bytes);
            }
            long need = mulOrFail(fname, e.getKey(), s.numel(), s.dtype().bytes());
            if (bytes.byteSize() != need) {
                throw new BambooException(fname + ": storage data/" + s.key() + " has " + bytes.byteSize() + " bytes where " + s.numel() + " " + s.dtype()
                        + " values need " + need + "; the file is truncated or corrupt");
            }
            long elements = 1, lastIndex = t.offset();
            for (int d = 0; d < t.shape().length; d++) {
                elements = mulOrFail(fname, e.getKey(), elements, t.shape()[d]);
                if (t.shape()[d] > 0) lastIndex = addOrFail(fname, e.getKey(), lastIndex, mulOrFail(fname, e.getKey(), t.shape()[d] - 1, t.strides()[d]));
            }
            if (elements > 0 && lastIndex >= s.numel() || t.offset() > s.numel()) {
                throw new BambooException(fname + ": tensor " + e.getKey() + " (shape " + java.util.Arrays.toString(t.shape()) + ", offset " + t.offset()
                        + ") reaches past its storage of " + s.numel() + " elements; the file is corrupt");
            }
            entries.put(e.getKey(), new TorchTensorInfo(e.getKey(), s.dtype(), t.shape(), t.strides(), t.offset(), s.key()));
        }
        return new TorchFile(file, Collections.unmodifiableMap(entries), storages);
    }

    /** torch writes every member under one top-level folder (the archive name); data.pkl must be in it. */
    private static String archivePrefix(String fname, ZipArchive zip) {
        String prefix = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                if (prefix != null) throw new BambooException(fname + ": the archive holds more than one data.pkl; it is not a single torch.save checkpoint");
                prefix = name.substring(0, slash + 1);
            }
        }
        if (prefix == null) {
            throw new BambooException(fname + ": a zip file without <archive>/data.pkl, so not a PyTorch checkpoint; point at a torch.save file or a safetensors file");
        }
        return prefix;
    }

    private static void checkByteOrder(String fname, ZipArchive zip, String prefix) {
        ZipArchive.Entry bo = zip.entries().get(prefix + "byteorder");
        if (bo == null) return; // written since PyTorch 1.12; older files are little-endian
        if (bo.size() > 16) throw new BambooException(fname + ": the byteorder record is damaged; the file is corrupt");
        String order = new String(zip.bytes(bo).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
        if (!order.equals("little")) {
            throw new BambooException(fname + ": storages are " + order + "-endian; re-save the checkpoint on a little-endian machine or convert it to safetensors");
        }
    }

    /** Modules whose objects a state dict may hold beside its tensors: torch's own, numpy's, collections. */
    private static final Pattern DATA_MODULES = Pattern.compile("(torch|numpy|collections)(\\.|$)");

    private static void flatten(String fname, String prefix, Map<?, ?> dict, Map<String, TensorRef> out, int depth) {
        if (depth > MAX_NESTING) throw new BambooException(fname + ": the state dict nests more than " + MAX_NESTING + " levels; the file is corrupt");
        for (var e : dict.entrySet()) {
            String name = prefix + e.getKey();
            if (e.getValue() instanceof TensorRef t) {
                if (out.putIfAbsent(name, t) != null) throw new BambooException(fname + ": tensor name " + name + " occurs twice; the file is corrupt");
            } else if (e.getValue() instanceof Map<?, ?> inner) {
                flatten(fname, name + ".", inner, out, depth + 1);
            } else if (e.getValue() instanceof Opaque o && !DATA_MODULES.matcher(o.type().module()).lookingAt()) {
                // objects Bamboo does not read (a quantized tensor, a numpy scalar) may sit beside the tensors it needs;
                // a call of anything else (os.system, builtins.eval) is in no state dict torch.save writes
                throw new BambooException(fname + ": entry " + name + " is made by " + o.type() + ", which no PyTorch state dict holds"
                        + " (Bamboo runs no code from the file); use the predictor as torch.save wrote it, or a safetensors file");
            }
        }
    }

    /** Builds storages and tensors; every other call stays an opaque value. */
    private record StateDictResolver(String what) implements PickleMachine.Resolver {
        @Override
        public Object persistentLoad(Object pid) {
            // ('storage', torch.<Type>Storage, key, location, numel)
            if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
                throw bad("has a persistent id " + describe(pid) + " that is not a torch storage");
            }
            if (!(t.get(1) instanceof Global g)) throw bad("names a storage type that is not a class");
            TorchDType dtype = TorchDType.ofStorageClass(g.module(), g.name());
            if (dtype == null) {
                throw new BambooException(what + " uses storage type " + g + ", which Bamboo does not read; save the tensors as float16, bfloat16 or float32");
            }
            if (!(t.get(2) instanceof String key) || !STORAGE_KEY.matcher(key).matches()) throw bad("has an invalid storage key");
            if (!(t.get(4) instanceof Long numel) || numel < 0) throw bad("has an invalid storage size");
            return new StorageRef(key, dtype, numel);
        }

        @Override
        public Object call(Global f, Tuple args) {
            String name = f.toString();
            return switch (name) {
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> rebuildTensor(args);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                    if (args.size() < 1 || !(args.get(0) instanceof TensorRef t)) throw bad("rebuilds a parameter from something that is not a tensor");
                    yield t;
                }
                case "collections.OrderedDict" -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (args.size() > 0) throw bad("builds an OrderedDict with arguments");
                    yield m;
                }
                default -> new Opaque(f, args, null);
            };
        }

        /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
        private TensorRef rebuildTensor(Tuple a) {
            if (a.size() < 4 || !(a.get(0) instanceof StorageRef s)) throw bad("rebuilds a tensor without a storage");
            if (!(a.get(1) instanceof Long offset) || offset < 0) throw bad("rebuilds a tensor with an invalid storage offset");
            long[] shape = longs(a.get(2), "size");
            long[] strides = longs(a.get(3), "stride");
            if (shape.length != strides.length) throw bad("rebuilds a tensor whose size and stride differ in length");
            return new TensorRef(s, offset, shape, strides);
        }

        private long[] longs(Object o, String field) {
            if (!(o instanceof Tuple t) || t.size() > MAX_DIMS) throw bad("rebuilds a tensor with an invalid " + field);
            long[] out = new long[t.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(t.get(i) instanceof Long v) || v < 0) throw bad("rebuilds a tensor with an invalid " + field);
                out[i] = v;
            }
            return out;
        }

        private BambooException bad(String problem) {
            return new BambooException(what + " " + problem + "; the file is corrupt or not a PyTorch state dict");
        }
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Opaque op) return op.type() == null ? "Python object" : op.type() + " object";
        if (o instanceof Tuple) return "tuple";
        return o.getClass().getSimpleName();
    }

    private static long mulOrFail(String fname, String tensor, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new BambooException(fname + ": tensor " + tensor + " has an absurd size; the file is corrupt");
        }
    }

    private static long addOrFail(String fname, String tensor, long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new BambooException(fname + ": tensor " + tensor + " has an absurd size; the file is corrupt");
        }
    }

    public Path path() { return file.path(); }

    /** Tensor descriptions in the order of the state dict. */
    public Map<String, TorchTensorInfo> entries() { return entries; }

    public boolean contains(String name) { return entries.containsKey(name); }

    public TorchTensorInfo entry(String name) {
        TorchTensorInfo e = entries.get(name);
        if (e == null) throw new BambooException(file.path().getFileName() + ": tensor " + name + " is missing; the checkpoint is incomplete or of another model");
        return e;
    }

    /** The tensor's bytes (zero-copy for stored members): {@code elements × dtype.bytes()} starting at its offset. */
    public MemorySegment bytes(String name) {
        TorchTensorInfo e = entry(name);
        long size = e.elements() * e.dtype().bytes();
        return storages.get(e.storageKey()).asSlice(e.storageOffset() * e.dtype().bytes(), size);
    }

    /**
     * A float weight viewed as 2-D (rows = all dimensions but the last), like
     * {@link dev.bamboo.weights.safetensors.SafetensorsFile#tensor(String)}.
     */
    public Tensor tensor(String name) {
        TorchTensorInfo e = entry(name);
        String where = file.path().toAbsolutePath() + ": tensor " + name;
        if (e.dtype().tensorType() == null) throw new BambooException(where + " is " + e.dtype() + ", not a float16, bfloat16 or float32 weight");
        if (!e.contiguous()) {
            throw new BambooException(where + " is not contiguous (shape " + e.shapeString() + ", strides " + java.util.Arrays.toString(e.strides())
                    + "); save it with .contiguous() or convert the checkpoint to safetensors");
        }
        return Tensors.ofShape(name, e.dtype().tensorType(), e.shape(), bytes(name), where);
    }

    @Override
    public void close() {
        file.close();
    }
}
