package dev.bamboo.weights.torch;

import dev.bamboo.weights.tensor.GGMLType;

/**
 * The element types of PyTorch storages, named as {@code torch.save} pickles them ({@code torch.HalfStorage} …),
 * with their sizes and, for the float types Bamboo computes with, the matching tensor type.
 */
public enum TorchDType {
    FLOAT16("HalfStorage", 2, GGMLType.F16),
    FLOAT32("FloatStorage", 4, GGMLType.F32),
    BFLOAT16("BFloat16Storage", 2, GGMLType.BF16),
    FLOAT64("DoubleStorage", 8, null),
    INT64("LongStorage", 8, null),
    INT32("IntStorage", 4, null),
    INT16("ShortStorage", 2, null),
    INT8("CharStorage", 1, null),
    UINT8("ByteStorage", 1, null),
    BOOL("BoolStorage", 1, null);

    private final String storageClass;
    private final int bytes;
    private final GGMLType tensorType;

    TorchDType(String storageClass, int bytes, GGMLType tensorType) {
        this.storageClass = storageClass;
        this.bytes = bytes;
        this.tensorType = tensorType;
    }

    public int bytes() { return bytes; }

    /** The weight type, or null when Bamboo does not compute with this dtype. */
    public GGMLType tensorType() { return tensorType; }

    /** The dtype of {@code torch.<storageClass>}, or null. */
    static TorchDType ofStorageClass(String module, String name) {
        if (!module.equals("torch")) return null;
        for (TorchDType t : values()) {
            if (t.storageClass.equals(name)) return t;
        }
        return null;
    }
}
