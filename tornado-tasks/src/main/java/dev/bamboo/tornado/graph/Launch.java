package dev.bamboo.tornado.graph;

import dev.bamboo.tornado.kernels.WorkGroups;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;

/**
 * The shape of one kernel launch: {@code groupsX × groupsY} work-groups of {@code lanes} work-items along x.
 * Kernels find their row / head / block from their group ids, so the shape is part of each kernel's contract.
 */
public record Launch(int groupsX, int groupsY, int lanes) {

    public Launch {
        if (groupsX < 1 || groupsY < 1) {
            throw new IllegalArgumentException("a launch needs at least one work-group, got " + groupsX + " x " + groupsY);
        }
        if (lanes < 1 || lanes > WorkGroups.MAX_LANES || Integer.bitCount(lanes) != 1) {
            throw new IllegalArgumentException("lanes must be a power of two in [1, " + WorkGroups.MAX_LANES + "], got " + lanes);
        }
    }

    /** One work-group per item (a matrix row, an active neuron, a vector to normalize). */
    public static Launch perGroup(int groups, int lanes) {
        return new Launch(groups, 1, lanes);
    }

    /** A single work-group: whole-vector reductions (argmax, compaction). */
    public static Launch single(int lanes) {
        return new Launch(1, 1, lanes);
    }

    /** Enough groups of {@code lanes} work-items to give each of {@code n} items its own work-item. */
    public static Launch covering(int n, int lanes) {
        return new Launch(Math.max(1, (n + lanes - 1) / lanes), 1, lanes);
    }

    /** A 2-D grid of groups: x indexes e.g. KV blocks, y indexes heads. */
    public static Launch grid(int groupsX, int groupsY, int lanes) {
        return new Launch(groupsX, groupsY, lanes);
    }

    public WorkerGrid workerGrid() {
        if (groupsY == 1) {
            WorkerGrid1D grid = new WorkerGrid1D(groupsX * lanes);
            grid.setLocalWork(lanes, 1, 1);
            return grid;
        }
        WorkerGrid2D grid = new WorkerGrid2D(groupsX * lanes, groupsY);
        grid.setLocalWork(lanes, 1, 1);
        return grid;
    }
}
