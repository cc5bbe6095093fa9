package dev.bamboo.tornado.graph;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

/**
 * A {@link TaskGraph} together with the launch shape of each of its tasks. Add tasks through {@link #graph()}
 * (TaskGraph's typed overloads), declare each task's {@link Launch} with {@link #launch}, then
 * {@link #executionPlan()} freezes both.
 *
 * <p>All KernelContext tasks of one plan share {@link #context()}; TornadoVM only reads its ids on the device.
 */
public final class KernelPlan {
    private final String name;
    private final TaskGraph graph;
    private final GridScheduler grids;
    private final KernelContext context = new KernelContext();

    public KernelPlan(String name) {
        this(name, new GridScheduler());
    }

    /**
     * A plan whose launch shapes go into {@code grids}, shared with the other graphs of one multi-graph execution
     * plan (TornadoVM keys them by {@code graph.task}).
     */
    public KernelPlan(String name, GridScheduler grids) {
        this.name = name;
        this.graph = new TaskGraph(name);
        this.grids = grids;
    }

    public String name() {
        return name;
    }

    public TaskGraph graph() {
        return graph;
    }

    public KernelContext context() {
        return context;
    }

    /** Declares how task {@code taskId} is launched. */
    public KernelPlan launch(String taskId, Launch launch) {
        grids.addWorkerGrid(name + "." + taskId, launch.workerGrid());
        return this;
    }

    /** An execution plan over a snapshot of the graph; close it to free the device buffers. */
    public TornadoExecutionPlan executionPlan() {
        return new TornadoExecutionPlan(graph.snapshot()).withGridScheduler(grids);
    }
}
