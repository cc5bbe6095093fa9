package dev.bamboo.runtime.synth;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.TensorData;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Quantizer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Generates and encodes a tensor's rows on several threads, a chunk of rows (~4 MB encoded) at a time, while the
 * previous chunk is written: memory stays at two chunks whatever the tensor's size, and the output is the same for
 * any thread count (every row is generated from its own random stream).
 */
final class ParallelRowData implements TensorData {
    private static final long CHUNK_BYTES = 4L << 20;

    private final TensorData.RowSource generator;
    private final ExecutorService pool;
    private final int threads;
    private final LongConsumer written;

    ParallelRowData(TensorData.RowSource generator, ExecutorService pool, int threads, LongConsumer written) {
        this.generator = generator;
        this.pool = pool;
        this.threads = threads;
        this.written = written;
    }

    @Override
    public void writeTo(GGMLType type, long rows, int cols, OutputStream out) throws IOException {
        if (!Quantizer.canQuantize(type)) throw new BambooException("cannot write tensors of type " + type);
        int rowBytes = Math.toIntExact(type.bytesFor(cols));
        int chunkRows = (int) Math.max(threads, Math.min(rows, CHUNK_BYTES / rowBytes));
        long chunks = (rows + chunkRows - 1) / chunkRows;
        byte[][] buffers = {new byte[chunkRows * rowBytes], new byte[chunkRows * rowBytes]};
        List<Future<?>> pending = submit(type, cols, rowBytes, 0, Math.min(rows, chunkRows), buffers[0]);
        for (long c = 0; c < chunks; c++) {
            await(pending);
            long from = c * chunkRows, to = Math.min(rows, from + chunkRows);
            pending = c + 1 < chunks ? submit(type, cols, rowBytes, to, Math.min(rows, to + chunkRows), buffers[(int) ((c + 1) % 2)]) : List.of();
            int n = (int) ((to - from) * rowBytes);
            out.write(buffers[(int) (c % 2)], 0, n);
            written.accept(n);
        }
    }

    private List<Future<?>> submit(GGMLType type, int cols, int rowBytes, long from, long to, byte[] dst) {
        List<Future<?>> parts = new ArrayList<>(threads);
        long per = (to - from + threads - 1) / threads;
        for (long start = from; start < to; start += per) {
            long s = start, e = Math.min(to, start + per);
            parts.add(pool.submit(() -> {
                float[] row = new float[cols];
                for (long r = s; r < e; r++) {
                    generator.row(r, row);
                    Quantizer.quantizeRow(type, row, 0, cols, dst, (int) ((r - from) * rowBytes));
                }
            }));
        }
        return parts;
    }

    private static void await(List<Future<?>> parts) {
        try {
            for (Future<?> f : parts) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BambooException("interrupted while generating weights");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }
}
