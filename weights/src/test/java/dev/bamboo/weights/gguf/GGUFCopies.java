package dev.bamboo.weights.gguf;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Test helper: rewrites a GGUF file with the writer, optionally dropping tensors, editing metadata or swapping one tensor's data. */
public final class GGUFCopies {
    private GGUFCopies() {}

    public static void copy(GGUFFile src, Path out, Predicate<String> keep, Consumer<GGUFWriter> edit) {
        copy(src, out, keep, edit, src.magic());
    }

    static void copy(GGUFFile src, Path out, Predicate<String> keep, Consumer<GGUFWriter> edit, String magic) {
        copy(src, out, keep, edit, magic, null, null);
    }

    /** {@code replaced}'s entry takes the type, shape and bytes of {@code donor}. */
    static void copy(GGUFFile src, Path out, Predicate<String> keep, Consumer<GGUFWriter> edit, String magic, String replaced, String donor) {
        GGUFWriter w = new GGUFWriter(magic, src.version());
        w.putAll(src.metadata());
        if (edit != null) edit.accept(w);
        for (GGUFTensorInfo info : src.tensorInfos()) {
            if (!keep.test(info.name())) continue;
            GGUFTensorInfo from = info.name().equals(replaced) ? src.tensorInfo(donor) : info;
            w.tensor(info.name(), from.type(), from.ne(), TensorData.raw(src.tensorBytes(from.name())));
        }
        w.write(out);
    }
}
