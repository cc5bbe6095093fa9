package dev.bamboo.weights.torch;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.MappedFile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of a zip file read from its central directory over a memory map (ZIP64 included).
 * {@code torch.save} writes every entry uncompressed, so storages are zero-copy slices of the file; a deflated entry
 * (a checkpoint repacked by a zip tool) is inflated into memory, within limits.
 *
 * <p>Only the central directory is trusted for sizes: torch sets the data-descriptor flag, so local headers carry zeros.
 */
final class ZipArchive {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int MAX_ENTRIES = 1_000_000;
    /** Deflated entries are inflated onto the heap: refuse what cannot be an array. */
    private static final long MAX_INFLATED = Integer.MAX_VALUE - 64;
    /** Deflate cannot compress better than about 1032:1, so a larger claimed size is a corrupt header. */
    private static final long MAX_DEFLATE_RATIO = 1100;

    /**
     * One member; its (possibly compressed) bytes follow the local header at {@code localHeaderOffset}. {@code crc} is
     * the central directory's CRC-32 of the uncompressed bytes, 0 when the writer left it out (torch can).
     */
    record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset, long crc) {}

    private final MappedFile file;
    private final Map<String, Entry> entries;

    private ZipArchive(MappedFile file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** True when the file starts like a zip archive. */
    static boolean looksLikeZip(MappedFile file) {
        return file.size() >= 4 && file.segment().get(I32, 0) == LOCAL_SIG;
    }

    static ZipArchive read(MappedFile file) {
        String fname = file.path().getFileName().toString();
        MemorySegment seg = file.segment();
        long size = file.size();
        long eocd = findEocd(seg, size);
        if (eocd < 0) {
            throw new BambooException(fname + ": no zip end-of-directory record; the file is truncated or not a zip-format PyTorch checkpoint");
        }
        long totalEntries = u16(seg, eocd + 10);
        long cdSize = u32(seg, eocd + 12);
        long cdOffset = u32(seg, eocd + 16);
        long locator = eocd - 20;
        if (locator >= 0 && seg.get(I32, locator) == ZIP64_LOCATOR_SIG) {
            long z64 = seg.get(I64, locator + 8);
            if (z64 < 0 || z64 > locator - 56 || seg.get(I32, z64) != ZIP64_EOCD_SIG) {
                throw corrupt(fname, "its ZIP64 end-of-directory record is missing");
            }
            totalEntries = seg.get(I64, z64 + 32);
            cdSize = seg.get(I64, z64 + 40);
            cdOffset = seg.get(I64, z64 + 48);
        }
        if (totalEntries < 0 || totalEntries > MAX_ENTRIES || cdSize < 0 || cdOffset < 0 || cdOffset > size || cdSize > size - cdOffset) {
            throw corrupt(fname, "its central directory (" + totalEntries + " entries, " + cdSize + " bytes at " + cdOffset + ") lies outside the file");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        long p = cdOffset, end = cdOffset + cdSize;
        for (long i = 0; i < totalEntries; i++) {
            if (p > end - 46 || seg.get(I32, p) != CENTRAL_SIG) {
                throw corrupt(fname, "central directory entry " + i + " is damaged");
            }
            int flags = u16(seg, p + 8);
            int method = u16(seg, p + 10);
            long crc = u32(seg, p + 16);
            long compSize = u32(seg, p + 20);
            long uncompSize = u32(seg, p + 24);
            int nameLen = u16(seg, p + 28), extraLen = u16(seg, p + 30), commentLen = u16(seg, p + 32);
            long localOffset = u32(seg, p + 42);
            long varStart = p + 46;
            if (varStart + nameLen + extraLen + commentLen > end) throw corrupt(fname, "central directory entry " + i + " runs past the directory");
            String name = new String(seg.asSlice(varStart, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // ZIP64 extended information: present fields replace the 0xFFFFFFFF placeholders, in this order
            long x = varStart + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(seg, x), len = u16(seg, x + 2);
                long body = x + 4;
                if (body + len > xEnd) break;
                if (id == 0x0001) {
                    long q = body;
                    if (uncompSize == 0xFFFFFFFFL && q + 8 <= body + len) { uncompSize = seg.get(I64, q); q += 8; }
                    if (compSize == 0xFFFFFFFFL && q + 8 <= body + len) { compSize = seg.get(I64, q); q += 8; }
                    if (localOffset == 0xFFFFFFFFL && q + 8 <= body + len) { localOffset = seg.get(I64, q); }
                }
                x = body + len;
            }
            if ((flags & 1) != 0) throw new BambooException(fname + ": zip entry " + name + " is encrypted; Bamboo reads only plain PyTorch checkpoints");
            if (method != 0 && method != 8) {
                throw new BambooException(fname + ": zip entry " + name + " uses compression method " + method + "; re-save it with torch.save or convert the predictor to safetensors");
            }
            if (compSize < 0 || uncompSize < 0 || localOffset < 0 || localOffset > cdOffset || compSize > cdOffset - localOffset
                    || (method == 0 && compSize != uncompSize)) {
                throw corrupt(fname, "zip entry " + name + " has inconsistent sizes or offsets");
            }
            entries.put(name, new Entry(name, method, compSize, uncompSize, localOffset, crc));
            p = varStart + nameLen + extraLen + commentLen;
        }
        return new ZipArchive(file, Collections.unmodifiableMap(entries));
    }

    private static long findEocd(MemorySegment seg, long size) {
        long lowest = Math.max(0, size - 22 - 0xFFFF);
        for (long p = size - 22; p >= lowest; p--) {
            if (seg.get(I32, p) == EOCD_SIG && p + 22 + u16(seg, p + 20) == size) return p;
        }
        return -1;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** The uncompressed bytes of an entry: a slice of the map when stored, an inflated copy when deflated. */
    MemorySegment bytes(Entry e) {
        String fname = file.path().getFileName().toString();
        MemorySegment seg = file.segment();
        long h = e.localHeaderOffset();
        if (h > file.size() - 30 || seg.get(I32, h) != LOCAL_SIG) {
            throw corrupt(fname, "the local header of zip entry " + e.name() + " is missing");
        }
        // the local header must name the same entry: a damaged name or extra-field length would shift the data silently
        int nameLen = u16(seg, h + 26);
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        if (nameLen != name.length || h + 30 + nameLen > file.size()
                || !Arrays.equals(seg.asSlice(h + 30, nameLen).toArray(ValueLayout.JAVA_BYTE), name)) {
            throw corrupt(fname, "the local header of zip entry " + e.name() + " does not match the central directory");
        }
        long data = h + 30 + nameLen + u16(seg, h + 28);
        MemorySegment raw = file.slice(data, e.compressedSize(), "zip entry " + e.name());
        if (e.method() == 0) return checked(fname, e, raw);
        if (e.size() > MAX_INFLATED || e.size() > Math.max(1024, e.compressedSize() * MAX_DEFLATE_RATIO)) {
            throw corrupt(fname, "deflated zip entry " + e.name() + " claims " + e.size() + " bytes from " + e.compressedSize());
        }
        byte[] out = new byte[(int) e.size()];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(raw.asByteBuffer());
            int n = 0;
            while (n < out.length) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) break;
                n += got;
            }
            if (n != out.length) throw corrupt(fname, "deflated zip entry " + e.name() + " inflates to " + n + " bytes, not " + out.length);
        } catch (DataFormatException ex) {
            throw corrupt(fname, "deflated zip entry " + e.name() + " is damaged");
        } finally {
            inflater.end();
        }
        return checked(fname, e, MemorySegment.ofArray(out));
    }

    /** {@code bytes} when their CRC-32 is the central directory's (or it gave none): a flipped bit is a refusal, not a wrong value. */
    private static MemorySegment checked(String fname, Entry e, MemorySegment bytes) {
        if (e.crc() == 0) return bytes;
        CRC32 crc = new CRC32();
        for (long at = 0; at < bytes.byteSize(); at += CRC_CHUNK) {
            crc.update(bytes.asSlice(at, Math.min(CRC_CHUNK, bytes.byteSize() - at)).asByteBuffer());
        }
        if (crc.getValue() != e.crc()) throw corrupt(fname, "zip entry " + e.name() + " fails its CRC-32 check");
        return bytes;
    }

    private static final long CRC_CHUNK = 1L << 30;

    private static BambooException corrupt(String fname, String what) {
        return new BambooException(fname + ": " + what + "; the file is truncated or corrupt, save or download it again");
    }

    private static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(U16, at));
    }

    private static long u32(MemorySegment s, long at) {
        return Integer.toUnsignedLong(s.get(I32, at));
    }
}
