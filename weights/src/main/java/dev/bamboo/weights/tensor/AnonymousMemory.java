package dev.bamboo.weights.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Large blocks of the process's own memory for weights copied out of a file mapping, freed when their arena closes.
 * On Linux they come straight from {@code mmap} and are marked for transparent huge pages before anything touches them:
 * an arena's allocation zeroes its memory at once, 4 KB page by 4 KB page, and on a virtual machine that fault per page
 * is what a multi-gigabyte copy spends its time on (6.4 GB: 14–29 s in 4 KB pages, 3.3 s in huge pages). Elsewhere,
 * or if the system call fails, an ordinary arena allocation.
 */
final class AnonymousMemory {
    private AnonymousMemory() {}

    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException | LinkageError e) {
                mmap = null; // no native access: arena allocations
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    /** {@code size} bytes of zeroed memory, aligned to at least 64 bytes, freed when {@code arena} closes. */
    static MemorySegment allocate(long size, Arena arena) {
        if (MMAP != null && size > 0) {
            try {
                MemorySegment block = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
                if (block.address() != -1L) {
                    int ignored = (int) MADVISE.invokeExact(block, size, MADV_HUGEPAGE); // a hint: without it, 4 KB pages
                    return block.reinterpret(size, arena, AnonymousMemory::unmapper);
                }
            } catch (Throwable e) {
                // fall through to the arena
            }
        }
        return arena.allocate(size, 64);
    }

    private static void unmapper(MemorySegment block) {
        try {
            int ignored = (int) MUNMAP.invokeExact(block, block.byteSize());
        } catch (Throwable e) {
            // nothing to do at cleanup: the memory stays mapped until the process ends
        }
    }
}
